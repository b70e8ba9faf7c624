#!/usr/bin/env bash
# The whole test suite: .NET unit, integration, functional and architecture tests, and the Node client
# compatibility tests (run by the functional tests against a live hub). Starts a throwaway PostgreSQL for the run
# and stops it afterwards, leaving nothing running.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

results="$root/.tmp/test-results"
rm -rf "$results"
mkdir -p "$results"

echo "==> npm ci (tests/clients)" >&2
(cd tests/clients && npm ci --no-audit --no-fund --loglevel=error)

echo "==> starting a throwaway PostgreSQL" >&2
export AIGNEHUB_TEST_PG_STATE="$root/.tmp/test-postgres.state"
# The server is this run's: a watchdog stops it when this script ends, even if it is killed and the trap cannot run.
export AIGNEHUB_TEST_PG_OWNER=$$
AIGNEHUB_TEST_POSTGRES="$(eng/test-postgres.sh start)"
export AIGNEHUB_TEST_POSTGRES
trap 'eng/test-postgres.sh stop || true' EXIT

echo "==> dotnet test" >&2
status=0
dotnet test AigneHub.sln -c Release --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" || status=$?

# One closing line for the whole run, summed over every test project's results.
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -1)"
  p="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  f="$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  t="$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")"
  e="$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
if [ "$failed" -gt 0 ]; then
  # The failures again, at the end, where a reader of the last lines of the log finds them.
  echo "==> failed tests" >&2
  python3 - "$results" <<'PY' >&2 || true
import glob, html, re, sys
for trx in sorted(glob.glob(sys.argv[1] + "/*.trx")):
    text = open(trx, encoding="utf-8", errors="replace").read()
    for m in re.finditer(r'<UnitTestResult [^>]*testName="([^"]*)"[^>]*outcome="Failed"[^>]*>(.*?)</UnitTestResult>', text, re.S):
        message = re.search(r"<Message>(.*?)</Message>", m.group(2), re.S)
        trace = re.search(r"<StackTrace>(.*?)</StackTrace>", m.group(2), re.S)
        print("FAILED " + html.unescape(m.group(1)))
        for part in (message, trace):
            if part:
                for line in html.unescape(part.group(1)).splitlines()[:6]:
                    print("    " + line[:300])
PY
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
if [ "$passed" -eq 0 ]; then echo "no test ran" >&2; status=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
