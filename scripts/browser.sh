#!/usr/bin/env bash
# Browser tests of the web console: Debian's Chromium (installed with apt when missing; Playwright's own browser
# download cannot work here) driven by playwright-core from tests/browser, against a real server process on a
# throw-away database. Screenshots go to the git-ignored artifacts/browser/. The server and the database go
# away however it ends.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log() { printf 'browser: %s\n' "$*" >&2; }
started=$SECONDS

if ! command -v chromium >/dev/null 2>&1; then
  log "installing chromium (apt)"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
chromium_path="$(command -v chromium)"

server_connection="$(scripts/db.sh start)"
db_name="billholder_test_browser_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
db_port="$(sed -n 's/.*Port=\([0-9]*\).*/\1/p' <<<"$server_connection")"
db_user="$(sed -n 's/.*User ID=\([^;]*\).*/\1/p' <<<"$server_connection")"
db_password="$(sed -n 's/.*Password=\([^;]*\).*/\1/p' <<<"$server_connection")"
connection="${server_connection/Database=billholder;/Database=$db_name;}"
sql() { MYSQL_PWD="$db_password" mariadb --no-defaults -h 127.0.0.1 -P "$db_port" -u "$db_user" -e "$1"; }

server_pid=""
server_log="$(mktemp -t billholder-browser-server.XXXXXX.log)"
cleanup() {
  local status=$?
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    # The server runs in its own process group (dotnet run and the app it starts): stop exactly that group.
    kill -TERM -- "-$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  sql "DROP DATABASE IF EXISTS \`$db_name\`" || log "could not drop $db_name"
  if [ "$status" -ne 0 ]; then log "failed; server log follows"; tail -50 "$server_log" >&2 || true; fi
  rm -f "$server_log"
  log "took $((SECONDS - started)) s"
  exit "$status"
}
trap cleanup EXIT

sql "CREATE DATABASE \`$db_name\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"

log "installing playwright-core (npm ci)"
(cd tests/browser && npm ci --silent --no-audit --no-fund)

log "building the server"
dotnet build src/BillHolder.Server -c Release -v quiet -nologo >/dev/null

port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
url="http://127.0.0.1:$port"
log "starting the server on $url"
# Users are registered from one address, as in scripts/e2e.sh. A book of more than 20 records needs the paged
# first load (snapshot_too_large), so the test of it stays small.
ASPNETCORE_URLS="$url" ASPNETCORE_ENVIRONMENT=Development ConnectionStrings__BillHolder="$connection" \
  Auth__MaxRegistrationsPerAddress=100000 Auth__MaxRegistrations=100000 Realtime__MaxSnapshotRecords=20 \
  setsid dotnet run --project src/BillHolder.Server -c Release --no-launch-profile --no-build >"$server_log" 2>&1 &
server_pid=$!

ready() { node -e "fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))" "$url/health/ready"; }
for _ in $(seq 1 120); do
  if ready; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { log "the server exited"; exit 1; }
  sleep 0.5
done
ready || { log "the server did not become ready"; exit 1; }

log "running tests/browser (screenshots in artifacts/browser/)"
# One test file at a time: each drives Chromium, and the machine's cores are shared.
BILLHOLDER_URL="$url" CHROMIUM="$chromium_path" BILLHOLDER_ARTIFACTS="$root/artifacts/browser" \
  node --test --test-concurrency=1 tests/browser/
