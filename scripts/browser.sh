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

on_exit() { log "took $((SECONDS - started)) s"; }
. scripts/lib/test-server.sh browser

log "installing playwright-core (npm ci)"
(cd tests/browser && npm ci --silent --no-audit --no-fund)

# A book of more than 20 records needs the paged first load (snapshot_too_large), so the test of it stays small.
test_server_start Realtime__MaxSnapshotRecords=20

log "running tests/browser (screenshots in artifacts/browser/)"
# One test file at a time: each drives Chromium, and the machine's cores are shared.
BILLHOLDER_URL="$url" CHROMIUM="$chromium_path" BILLHOLDER_ARTIFACTS="$root/artifacts/browser" \
  node --test --test-concurrency=1 tests/browser/
