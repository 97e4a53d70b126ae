#!/usr/bin/env bash
# CPU per sync of the server, MariaDB and the load generator, read from /proc/<pid>/stat over a closed-loop window
# (after a warm-up), for a server that is already running. Where benchmarks/run.sh prints syncs/s, this says what
# each sync costs each process on the shared cores.
#   benchmarks/cpu-per-sync.sh rest  URL SERVER_PID [BOOKS]      20 REST clients on BOOKS books (default 10)
#   benchmarks/cpu-per-sync.sh floor CONNECTION_STRING [BOOKS]   the floor benchmark on that database
# Warm the server first (a tiered-JIT server is ~3x dearer per sync in its first ~30 s under load).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="$1"
loadtest=benchmarks/BillHolder.LoadTest/bin/Release/net10.0/BillHolder.LoadTest
[ -x "$loadtest" ] || dotnet build benchmarks/BillHolder.LoadTest -c Release -v q -nologo >/dev/null
mariadb_pid="$(pgrep -o mariadbd)"
if [ "$mode" = rest ]; then
  server_pid="$3"; books="${4:-10}"; args=(rest --url "$2")
else
  server_pid=""; books="${3:-10}"; args=(floor --db "$2")
fi
ticks() { [ -n "$1" ] && awk '{print $14 + $15}' "/proc/$1/stat" || echo 0; }
out="$(mktemp)"
"$loadtest" "${args[@]}" --books "$books" --clients 20 --seconds 20 --warmup 6 >"$out" 2>&1 &
client_pid=$!
sleep 8
s0=$(ticks "$server_pid"); m0=$(ticks "$mariadb_pid"); c0=$(ticks "$client_pid")
sleep 15
s1=$(ticks "$server_pid"); m1=$(ticks "$mariadb_pid"); c1=$(ticks "$client_pid")
wait "$client_pid"
rate="$(sed -n 's/.*syncs_per_s=\([0-9.]*\).*/\1/p' "$out")"
rm -f "$out"
python3 - "$mode" "$books" "$rate" "$(getconf CLK_TCK)" "$((s1 - s0))" "$((m1 - m0))" "$((c1 - c0))" <<'PY'
import sys
mode, books, rate, hz = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
server, mariadb, client = (int(v) * 1000 / hz / (rate * 15) for v in sys.argv[5:8])
print(f"{mode} books={books} syncs_per_s={rate} cpu_ms_per_sync server={server:.2f} mariadb={mariadb:.2f} load_generator={client:.2f}")
PY
