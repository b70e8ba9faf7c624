#!/usr/bin/env bash
# Rebuilds the Patched.DistributedLock.Core metapackage into eng/packages (see docs/adr/0002).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dotnet pack "$here/Patched.DistributedLock.Core/Patched.DistributedLock.Core.csproj" -c Release -o "$here/packages" "$@"
