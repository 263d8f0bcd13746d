#!/usr/bin/env bash
# Makes the Bicep CLI available and prints the path of the executable (nothing else on success).
# Order: `bicep` on PATH, then .tools/bicep/bicep, else restore the NuGet package
# Azure.Bicep.CommandLine.linux-x64 (it ships the self-contained `bicep` binary under tools/) with the
# .NET SDK into .tools/nuget and link it to .tools/bicep/bicep. Idempotent; safe to run concurrently.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${BICEP_VERSION:-0.49.2}"
package="Azure.Bicep.CommandLine.linux-x64"
tools="$root/.tools"
target="$tools/bicep/bicep"

if command -v bicep >/dev/null 2>&1; then
  command -v bicep
  exit 0
fi
if [[ -x "$target" ]]; then
  echo "$target"
  exit 0
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "ensure-bicep: only linux-x64 is handled here; install the Bicep CLI and put it on PATH" >&2; exit 1 ;;
esac
if ! command -v dotnet >/dev/null 2>&1; then
  echo "ensure-bicep: neither 'bicep' nor the .NET SDK ('dotnet') is on PATH; cannot obtain the Bicep CLI" >&2
  exit 1
fi

mkdir -p "$tools/bicep"
exec 9>"$tools/bicep/.lock"
flock 9
# Another process may have finished while we waited for the lock.
if [[ -x "$target" ]]; then
  echo "$target"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The target framework only has to exist in the installed SDK; PackageDownload ignores it.
cat >"$work/restore-bicep.csproj" <<CSPROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net\$(BundledNETCoreAppTargetFrameworkVersion)</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="$package" Version="[$version]" />
  </ItemGroup>
</Project>
CSPROJ

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if ! log="$(dotnet restore "$work/restore-bicep.csproj" --packages "$tools/nuget" 2>&1)"; then
  echo "ensure-bicep: 'dotnet restore' of $package $version failed:" >&2
  echo "$log" >&2
  exit 1
fi

# NuGet lower-cases package folders; the executable sits in tools/.
binary="$tools/nuget/${package,,}/$version/tools/bicep"
if [[ ! -f "$binary" ]]; then
  echo "ensure-bicep: restored $package $version but found no executable at $binary" >&2
  exit 1
fi
chmod +x "$binary"
# Relative, so the tree can move.
ln -sfn "../nuget/${package,,}/$version/tools/bicep" "$target"
"$target" --version >/dev/null
echo "$target"
