#!/usr/bin/env bash
# Runs the whole test suite under ThreadSanitizer and under AddressSanitizer.
#
#   scripts/sanitize.sh [thread|address …]      (default: both)
#
# Each sanitizer has its own scratch directory (.build-tsan, .build-asan), so the normal .build is
# untouched. Prints pass/fail per run and the number of sanitizer reports; any report fails the run
# (nexd's locks are pthread mutexes, NexSync.Locked, which ThreadSanitizer sees — unlike
# Synchronization.Mutex on Linux, whose futex it does not, which made every access look racy).
# Logs are kept in .build-tsan/sanitize-test.log and .build-asan/sanitize-test.log.
# Exit status: 0 when both suites pass with no sanitizer report, 1 otherwise.
set -uo pipefail

cd "$(dirname "$0")/.."
runs=("$@")
[[ ${#runs[@]} -eq 0 ]] && runs=(thread address)

summary() {  # summary LOG: XCTest and swift-testing totals, as printed by the runners
    grep -hE '^Executed [0-9]+ tests?, with [0-9]+ failures?|Test run with [0-9]+ tests?.*(passed|failed)' "$1" \
        | sed -E 's/ \(.*//; s/^/    /' | sort -u
}

failed=0
for sanitizer in "${runs[@]}"; do
    case $sanitizer in
        thread) scratch=.build-tsan; env=(TSAN_OPTIONS="halt_on_error=0 exitcode=0 ${TSAN_OPTIONS:-}") ;;  # warnings counted below
        address) scratch=.build-asan; env=(ASAN_OPTIONS="detect_leaks=0:${ASAN_OPTIONS:-}") ;;  # XCTest runner leaks
        *) echo "usage: scripts/sanitize.sh [thread|address …]" >&2; exit 2 ;;
    esac
    mkdir -p "$scratch"
    log="$scratch/sanitize-test.log"
    echo "== swift test --sanitize=$sanitizer --scratch-path $scratch (log: $log)"
    start=$(date +%s)
    env "${env[@]}" NEX_SANITIZER="$sanitizer" SWIFT_BACKTRACE=enable=no swift test --sanitize="$sanitizer" --scratch-path "$scratch" >"$log" 2>&1
    rc=$?
    elapsed=$(( $(date +%s) - start ))
    if [[ $rc -eq 0 ]]; then
        echo "   PASS ($elapsed s)"
    else
        echo "   FAIL (exit $rc, $elapsed s)"
        grep -m5 -E 'error:|failed|Fatal error|ERROR: AddressSanitizer' "$log" | sed 's/^/    /'
        failed=1
    fi
    summary "$log"
    if [[ $sanitizer == thread ]]; then
        total=$(grep -c 'WARNING: ThreadSanitizer:' "$log")
        echo "   ThreadSanitizer warnings: $total"
        grep -E 'WARNING: ThreadSanitizer:' "$log" | sed -E 's/ \(pid=[0-9]+\)//' | sort | uniq -c | sed 's/^/    /'
        [[ $total -gt 0 ]] && failed=1
    else
        asan=$(grep -c 'ERROR: AddressSanitizer' "$log")
        echo "   AddressSanitizer errors: $asan"
        [[ $asan -gt 0 ]] && failed=1
    fi
done
exit $failed
