#!/usr/bin/env bash
# Runs every test: starts the private local MariaDB (installing it with apt on first run), then the .NET suite
# (unit, HTTP and hub tests against real servers on that database), then the JavaScript client end-to-end test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# Assigned before export: `export X="$(cmd)"` would hide a failed start from set -e.
BILLHOLDER_TEST_CONNECTION="$(scripts/db.sh start)"
export BILLHOLDER_TEST_CONNECTION
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet test BillHolder.sln -c Release --logger "console;verbosity=minimal" "$@"

# The official JavaScript client against a real server process (its own database; see the script).
scripts/e2e.sh
