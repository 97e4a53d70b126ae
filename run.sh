#!/usr/bin/env bash
# Runs BillHolder on http://127.0.0.1:5080.
# With ConnectionStrings__BillHolder set it uses that database; otherwise it starts a private local MariaDB
# (scripts/db.sh, installed with apt on first run) and uses that.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if [ -z "${ConnectionStrings__BillHolder:-}" ]; then
  ConnectionStrings__BillHolder="$(scripts/db.sh start)"
  export ConnectionStrings__BillHolder
fi
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://127.0.0.1:5080}"

exec dotnet run --project src/BillHolder.Server -c Release --no-launch-profile "$@"
