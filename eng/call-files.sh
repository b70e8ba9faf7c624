#!/usr/bin/env bash
# Lists the src/ files whose code runs for every unary chat call (POST /v1/chat/completions, JSON, to an OpenAI provider
# on a fake upstream) and counts them: the measure of docs/architecture.md's "One chat call". Builds the hub and
# eng/call-files (coverlet.core, from the coverlet.collector package), then runs the hub twice on a fresh embedded
# PostgreSQL: WARMUP calls, then WARMUP + CALLS calls. A file counts when one of its lines ran at least CALLS times more
# in the second run, so start-up, warm-up and background work cancel out. Needs PostgreSQL 15's binaries, as the hub does.
# Usage: eng/call-files.sh [WARMUP=5] [CALLS=40]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
dotnet build src/AigneHub.Api/AigneHub.Api.csproj -c Release -v quiet -nologo >/dev/null
dotnet build eng/call-files/CallFiles.csproj -c Release -v quiet -nologo >/dev/null
dotnet eng/call-files/bin/Release/net10.0/CallFiles.dll src/AigneHub.Api/bin/Release/net10.0/AigneHub.Api.dll src "${1:-5}" "${2:-40}"
