#!/usr/bin/env bash
# Runs every test: starts the private local MariaDB and Redis (installing them with apt on first run), then the .NET suite
# (unit, HTTP and hub tests against real servers on that database), then the JavaScript client end-to-end test,
# then the web console's browser tests (scripts/browser.sh: Chromium, installed with apt when missing), then the
# cluster test (3 instances behind nginx and Redis, JavaScript and .NET clients).
# Arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Sync"); a filtered run skips the e2e, browser and cluster steps.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# Assigned before export: `export X="$(cmd)"` would hide a failed start from set -e.
BILLHOLDER_TEST_CONNECTION="$(scripts/db.sh start)"
export BILLHOLDER_TEST_CONNECTION
# The multi-instance tests share it, each test class under a key prefix of its own.
BILLHOLDER_TEST_REDIS="$(scripts/redis.sh start)"
export BILLHOLDER_TEST_REDIS
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

out="$(mktemp -t billholder-tests.XXXXXX)"
trap 'rm -f "$out"' EXIT

dotnet test BillHolder.sln -c Release --logger "console;verbosity=minimal" "$@" | tee "$out"
dotnet_passed="$(sed -n 's/.*Passed: *\([0-9]*\),.*/\1/p' "$out" | tail -1)"

e2e_passed=0
browser_passed=0
cluster_passed=0
if [ "$#" -eq 0 ]; then
  # The official JavaScript client against a real server process (its own database; see the script).
  scripts/e2e.sh | tee "$out"
  e2e_passed="$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$out" | tail -1)"
  # The web console in Chromium (playwright-core), against its own server process and database.
  scripts/browser.sh | tee "$out"
  browser_passed="$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$out" | tail -1)"
  # Several instances behind nginx and Redis, each with its own processes and database (see the script).
  scripts/cluster-test.sh | tee "$out"
  cluster_passed="$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$out" | tail -1)"
fi

# Every step above stops the script on a failure, so reaching here means none failed.
echo "tests: $((dotnet_passed + e2e_passed + browser_passed + cluster_passed)) passed, 0 failed"
