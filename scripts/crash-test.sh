#!/usr/bin/env bash
# Crash safety: builds nexd, nex and CrashTest in release, then runs CrashTest, which kills nexd
# with SIGKILL at random moments under a publishing load (20 times by default), restarts it each
# time, and checks the audit log against every ACK the publishers saw (docs/SECURITY.md, "Crash
# test"). Arguments go to CrashTest, e.g.
#   bash scripts/crash-test.sh --kills 40 --seed 7 --keep
#   bash scripts/crash-test.sh --help
# Exit status: CrashTest's (0 when every check held).
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for product in nexd nex CrashTest; do
  if ! swift build -c release --product "$product" >"$log" 2>&1; then
    cat "$log"; exit 1
  fi
done
BIN=$(swift build -c release --show-bin-path)
"$BIN/CrashTest" --nexd "$BIN/nexd" "$@"
