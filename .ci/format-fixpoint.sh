# Sourced by .ci/legacy-port.sh and .ci/legacy-port-unannotated.sh: is a `dotnet format analyzers` refactor done?
#
# `dotnet format analyzers --verify-no-changes` cannot say. Measured with the .NET SDK 10.0.401 on a port whose only
# IOMMU diagnostic has no fix (an IOMMU0005 in a void method, where no `return ret;` can be inserted):
#   dotnet format analyzers P.csproj --diagnostics IOMMU0005 --severity info --verify-no-changes
#       exit 2, and the diagnostic on stderr ("P.cs(9,13): warning IOMMU0005: ... [P.csproj]"), although a real run
#       changes nothing; with a fixable IOMMU0005 beside it: exit 2 as well, the same kind of line for each;
#       with no diagnostic of the listed ids left: exit 0.
#   dotnet format analyzers P.csproj --diagnostics IOMMU0005 --severity info        (a real run)
#       exit 0 whether it fixed something or not, and at -v:d it reports "Formatted code file 'P.cs'" for the file
#       whose diagnostic it could not fix, whose bytes it left as they were.
# So the exit code tells "no diagnostic left" (0) from "some left" (2), never "nothing fixable left", and the real
# run's own report cannot be trusted either: run a real pass and compare the sources' checksums.

# The C# sources under directory $1, as paths relative to it, one a line, in a stable order.
format_fixpoint_sources() {
  (cd "$1" && find . \( -name bin -o -name obj -o -name packages \) -prune -o -type f -name '*.cs' -print | sed 's|^\./||' | LC_ALL=C sort)
}

# format_fixpoint LABEL PROJECT DIAGNOSTIC...
#   Runs one more real `dotnet format analyzers PROJECT --diagnostics DIAGNOSTIC... --severity info` pass and compares
#   the checksums of the project's C# sources before and after it. Returns 0 when it changed none: nothing fixable is
#   left (the refactor reached its fixpoint); 1, printing what it changed, when it changed some; 2 when dotnet format
#   itself failed. Then it lists apart the diagnostics of those ids that are left, the ones no fix exists for, from a
#   --verify-no-changes run: into the file named by $FORMAT_FIXPOINT_REMAINING (one line each, empty when none) and
#   on stdout. Whether any may be left is the caller's check, not this one's.
format_fixpoint() {
  local label="$1" project="$2"
  shift 2
  local dir snapshot rc=0 changed=0 path
  dir="$(dirname "$project")"
  snapshot="$(mktemp -d)"
  FORMAT_FIXPOINT_REMAINING="$snapshot/remaining.txt"

  format_fixpoint_sources "$dir" > "$snapshot/sources.txt"
  while read -r path; do
    mkdir -p "$snapshot/before/$(dirname "$path")"
    cp "$dir/$path" "$snapshot/before/$path"
  done < "$snapshot/sources.txt"
  (cd "$dir" && xargs -r md5sum < "$snapshot/sources.txt") > "$snapshot/before.md5"

  dotnet format analyzers "$project" --diagnostics "$@" --severity info -v:q || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "$label: dotnet format failed (exit $rc)" >&2
    return 2
  fi

  format_fixpoint_sources "$dir" > "$snapshot/sources-after.txt"
  (cd "$dir" && xargs -r md5sum < "$snapshot/sources-after.txt") > "$snapshot/after.md5"
  if cmp -s "$snapshot/before.md5" "$snapshot/after.md5"; then
    echo "$label: a second dotnet format pass changed nothing: nothing fixable is left"
  else
    changed=1
    echo "$label: a second dotnet format pass still changed the sources, so fixes were left to apply:" >&2
    while read -r path; do
      diff -uN --label "a/$path" --label "b/$path" "$snapshot/before/$path" "$dir/$path" >&2 || true
    done < "$snapshot/sources-after.txt"
  fi

  rc=0
  dotnet format analyzers "$project" --diagnostics "$@" --severity info --verify-no-changes -v:q 2> "$snapshot/verify.err" || rc=$?
  case "$rc" in
    0) : > "$FORMAT_FIXPOINT_REMAINING" ;;
    2) { grep -E ': (error|warning|info) [A-Z]+[0-9]+:' "$snapshot/verify.err" || true; } | LC_ALL=C sort -u > "$FORMAT_FIXPOINT_REMAINING" ;;
    *) echo "$label: dotnet format --verify-no-changes failed (exit $rc)" >&2; cat "$snapshot/verify.err" >&2; return 2 ;;
  esac

  echo "$label: diagnostics of $* left, which no fix removes: $(wc -l < "$FORMAT_FIXPOINT_REMAINING")"
  cat "$FORMAT_FIXPOINT_REMAINING"
  return "$changed"
}
