#!/usr/bin/env bash
# The guided refactor of a whole port: copy Samples/LegacyPort, apply every IommuAnalyzers fix to the copy with one
# `dotnet format analyzers` command, then check that
#   - nothing fixable is left (a second real run changes no source: .ci/format-fixpoint.sh says why
#     --verify-no-changes cannot tell), listing apart the diagnostics no fix exists for,
#   - the result builds,
#   - it still runs and prints the same outcome, except the "host1x:" lines of the one driver whose bug the
#     refactor fixes (its shared attach, refused before, now succeeds).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/.ci/format-fixpoint.sh"
source_dir="$root/Samples/LegacyPort"
# Beside the original, so that its nuget.config finds the same local feed.
work="$root/Samples/LegacyPort.Refactored"
# The port installs the package from artifacts/packages: pack it.
dotnet pack "$root/Analyzers.Package" -c Release -nologo -v:q
logs="$(mktemp -d)"

rm -rf "$work"
mkdir -p "$work"
cp "$source_dir"/*.cs "$source_dir"/LegacyPort.csproj "$source_dir"/nuget.config "$source_dir"/Directory.Build.props "$work"/
rm -rf "$source_dir/packages" "$source_dir/obj" "$source_dir/bin"

dotnet build "$source_dir/LegacyPort.csproj" -nologo -v:q
dotnet run --project "$source_dir/LegacyPort.csproj" --no-build > "$logs/before.txt"

dotnet build "$work/LegacyPort.csproj" -nologo -v:q 2>&1 | grep -E "warning IOMMU" | sort -u > "$logs/diagnostics-before.txt" || true
echo "IOMMU diagnostics before the refactor: $(wc -l < "$logs/diagnostics-before.txt")"

# The one command (README): every IOMMU fix, Fix All over the whole project.
rules=(IOMMU0001 IOMMU0002 IOMMU0003 IOMMU0004 IOMMU0005 IOMMU0006 IOMMU0007 IOMMU0008 IOMMU0100 IOMMU0101 IOMMU0102 IOMMU0103 IOMMU0104 IOMMU0105 IOMMU0106 IOMMU0107 IOMMU0108 IOMMU0109 IOMMU0110)
# dotnet format logs a fixer it could not use ("Unable to fix", "Failed to apply") and goes on: that is a failure here.
dotnet format analyzers "$work/LegacyPort.csproj" --diagnostics "${rules[@]}" --severity info -v:m 2>&1 | tee "$logs/format.log"
if grep -qE "Unable to fix|Failed to apply" "$logs/format.log"; then
  echo "dotnet format could not apply a fix (above)" >&2
  exit 1
fi

# Nothing fixable is left: a second real run must change no source. Diagnostics without a fix may be left: they are
# listed here and below, and the outcome check says whether the port still works.
if ! format_fixpoint "legacy port" "$work/LegacyPort.csproj" "${rules[@]}"; then
  echo "the refactor did not reach its fixpoint: fixes are left to apply, or dotnet format failed (above)" >&2
  exit 1
fi

dotnet build "$work/LegacyPort.csproj" -nologo -v:q --no-incremental 2>&1 | tee "$logs/build-after.txt" | grep -E "warning IOMMU" | sort -u > "$logs/diagnostics-after.txt" || true
echo "IOMMU diagnostics after the refactor (no fix exists for these): $(wc -l < "$logs/diagnostics-after.txt")"
cat "$logs/diagnostics-after.txt"
dotnet run --project "$work/LegacyPort.csproj" --no-build > "$logs/after.txt"

echo "--- before"; cat "$logs/before.txt"
echo "--- after"; cat "$logs/after.txt"
if ! diff <(grep -v '^host1x:' "$logs/before.txt") <(grep -v '^host1x:' "$logs/after.txt"); then
  echo "the refactored port's outcome differs from the original's" >&2
  exit 1
fi
grep -q '^host1x: gr2d bind ok$' "$logs/after.txt" || { echo "the IOMMU0001 fix did not make the shared attach work" >&2; exit 1; }
grep -q '^host1x: gr2d bind -EINVAL$' "$logs/before.txt" || { echo "the legacy port no longer shows the bug it is about" >&2; exit 1; }
echo "legacy port refactored: same outcome, shared attach fixed"
