#!/usr/bin/env bash
# End-to-end test with the official SignalR JavaScript client: a real server process on 127.0.0.1 over a
# throw-away database, driven by tests/e2e (node --test). The server and the database go away however it ends.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log() { printf 'e2e: %s\n' "$*" >&2; }

. scripts/lib/test-server.sh e2e

log "installing the JavaScript client (npm ci)"
(cd tests/e2e && npm ci --silent --no-audit --no-fund)

test_server_start

log "running tests/e2e"
# A hung test (an open connection) fails after 2 minutes instead of holding ./test.sh forever.
BILLHOLDER_URL="$url" node --test --test-timeout=120000 tests/e2e/
