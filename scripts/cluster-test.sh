#!/usr/bin/env bash
# The cluster test: 3 server processes on one throw-away database behind a private nginx and a private Redis
# (all started by scripts/cluster.sh on free loopback ports under .data/cluster-test/), driven by
# tests/e2e/cluster with JavaScript clients and .NET clients (tests/BillHolder.ClusterAgent). Everything it
# started goes away however it ends. Run by ./test.sh after dotnet test and scripts/e2e.sh.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log() { printf 'cluster-test: %s\n' "$*" >&2; }
SECONDS=0

export BILLHOLDER_CLUSTER_DIR="$root/.data/cluster-test"
export BILLHOLDER_REDIS_DIR="$BILLHOLDER_CLUSTER_DIR/redis"
export BILLHOLDER_CLUSTER_NAME="test"

server_connection="$(scripts/db.sh start)"
db_name="billholder_test_cluster_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
db_port="$(sed -n 's/.*Port=\([0-9]*\).*/\1/p' <<<"$server_connection")"
db_user="$(sed -n 's/.*User ID=\([^;]*\).*/\1/p' <<<"$server_connection")"
db_password="$(sed -n 's/.*Password=\([^;]*\).*/\1/p' <<<"$server_connection")"
sql() { MYSQL_PWD="$db_password" mariadb --no-defaults -h 127.0.0.1 -P "$db_port" -u "$db_user" -e "$1"; }

cleanup() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    for log_file in "$BILLHOLDER_CLUSTER_DIR"/server-*.log; do
      [ -f "$log_file" ] && { log "failed; last lines of $log_file"; grep -v ' responded 200 ' "$log_file" | tail -15 >&2; }
    done
  fi
  scripts/cluster.sh stop 2>/dev/null || true
  scripts/redis.sh stop 2>/dev/null || true
  sql "DROP DATABASE IF EXISTS \`$db_name\`" || log "could not drop $db_name"
  # Each run starts clean (pids, ports, logs and the signing key of the last run go).
  rm -rf "$BILLHOLDER_CLUSTER_DIR"
  exit "$status"
}
trap cleanup EXIT

sql "CREATE DATABASE \`$db_name\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
export ConnectionStrings__BillHolder="${server_connection/Database=billholder;/Database=$db_name;}"

# What the scenarios need of every instance (scripts/cluster.sh passes the environment on): users registered from
# one address, a small sync rate limit to go over, and the version poll that makes good a lost notice.
export Auth__MaxRegistrationsPerAddress=100000 Auth__MaxRegistrations=100000
export BILLHOLDER_RATE_BURST=10 BILLHOLDER_RATE_PER_SECOND=5 BILLHOLDER_POLL_SECONDS=2
export Sync__RateLimitBurst="$BILLHOLDER_RATE_BURST" Sync__RateLimitPerSecond="$BILLHOLDER_RATE_PER_SECOND"
export Realtime__VersionPollSeconds="$BILLHOLDER_POLL_SECONDS"

log "installing the JavaScript client (npm ci)"
(cd tests/e2e && npm ci --silent --no-audit --no-fund)
log "building the .NET client"
dotnet build tests/BillHolder.ClusterAgent -c Release -v quiet -nologo >/dev/null
export BILLHOLDER_AGENT="$root/tests/BillHolder.ClusterAgent/bin/Release/net10.0/BillHolder.ClusterAgent.dll"

started=$SECONDS
BILLHOLDER_URL="$(scripts/cluster.sh start)"
export BILLHOLDER_URL BILLHOLDER_ROOT="$root"
log "cluster up in $((SECONDS - started)) s at $BILLHOLDER_URL; running tests/e2e/cluster"
node --test --test-concurrency=1 tests/e2e/cluster/cluster.mjs
log "done in $((SECONDS - started)) s from the cluster's start, $SECONDS s in all"
