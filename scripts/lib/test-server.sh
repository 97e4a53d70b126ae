# Sourced by scripts/e2e.sh and scripts/browser.sh: a throw-away database (billholder_test_<tag>_<random>) on the
# local MariaDB and a real server process on a free loopback port, both gone however the caller ends.
# The caller sets `root` and defines log() before sourcing; it may define on_exit() (run last, with the status).
#   test_server_start [NAME=VALUE ...]   builds the server and starts it with these settings; sets $url

test_server_tag="$1"
server_connection="$(scripts/db.sh start)"
# The app user may create and drop billholder_test_* databases (see scripts/db.sh).
db_name="billholder_test_${test_server_tag}_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
db_port="$(sed -n 's/.*Port=\([0-9]*\).*/\1/p' <<<"$server_connection")"
db_user="$(sed -n 's/.*User ID=\([^;]*\).*/\1/p' <<<"$server_connection")"
db_password="$(sed -n 's/.*Password=\([^;]*\).*/\1/p' <<<"$server_connection")"
connection="${server_connection/Database=billholder;/Database=$db_name;}"
sql() { MYSQL_PWD="$db_password" mariadb --no-defaults -h 127.0.0.1 -P "$db_port" -u "$db_user" -e "$1"; }

server_pid=""
server_log="$(mktemp -t "billholder-$test_server_tag-server.XXXXXX.log")"
test_server_cleanup() {
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
  if declare -F on_exit >/dev/null; then on_exit "$status"; fi
  exit "$status"
}
trap test_server_cleanup EXIT

sql "CREATE DATABASE \`$db_name\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"

test_server_start() {
  log "building the server"
  dotnet build src/BillHolder.Server -c Release -v quiet -nologo >/dev/null
  local port
  port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
  url="http://127.0.0.1:$port"
  log "starting the server on $url"
  # The tests register their users from one address: the registration limits are raised like the .NET fixture does.
  env ASPNETCORE_URLS="$url" ASPNETCORE_ENVIRONMENT=Development ConnectionStrings__BillHolder="$connection" \
    Auth__MaxRegistrationsPerAddress=100000 Auth__MaxRegistrations=100000 "$@" \
    setsid dotnet run --project src/BillHolder.Server -c Release --no-launch-profile --no-build >"$server_log" 2>&1 &
  server_pid=$!

  # node rather than curl: one less package a fresh machine may lack.
  ready() { node -e "fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))" "$url/health/ready"; }
  for _ in $(seq 1 120); do
    if ready; then break; fi
    kill -0 "$server_pid" 2>/dev/null || { log "the server exited"; exit 1; }
    sleep 0.5
  done
  ready || { log "the server did not become ready"; exit 1; }
}
