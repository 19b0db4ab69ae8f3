#!/usr/bin/env bash
# Systematic concurrency tests of the ownership runtime with Microsoft.Coyote.
#   .ci/coyote.sh [short|full]     short (CI): 1,000 iterations per scenario; full: 10,000.
# Builds Runtime.ConcurrencyTests, rewrites it and the runtime with the coyote tool into bin/.../rewritten, and runs
# every scenario there. Exits non-zero when a scenario finds a bug, when the deliberately broken variant is not
# caught, or when anything on the way fails.
set -euo pipefail

mode="${1:-short}"
case "$mode" in
  short|full) ;;
  *) echo "usage: $0 [short|full]" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
project="$root/Runtime.ConcurrencyTests/IommuAnalyzers.Runtime.ConcurrencyTests.csproj"
configuration=Release
out="$root/Runtime.ConcurrencyTests/bin/$configuration/net10.0"

# No telemetry from the coyote tool or the testing engine.
export COYOTE_CLI_TELEMETRY_OPTOUT=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1

dotnet build "$project" -c "$configuration" -nologo -v:q

# The rewriter ships as tools/net8.0/coyote.dll in the Microsoft.Coyote.Tool package (not a dotnet tool);
# it targets .NET 8, so it runs here with roll-forward onto the installed runtime.
tool_dir="$(dotnet msbuild "$project" -nologo -getProperty:PkgMicrosoft_Coyote_Tool | tr -d '\r')"
coyote="$tool_dir/tools/net8.0/coyote.dll"
if [ ! -f "$coyote" ]; then
  echo "coyote rewriter not found at '$coyote'" >&2
  exit 1
fi

# Rewrite a fresh copy each time: the build output itself stays un-rewritten.
rm -rf "$out/rewritten"
DOTNET_ROLL_FORWARD=Major dotnet "$coyote" rewrite "$out/rewrite.coyote.json"

dotnet "$out/rewritten/IommuAnalyzers.Runtime.ConcurrencyTests.dll" --mode "$mode"
