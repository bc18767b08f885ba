#!/usr/bin/env bash
# Runs the whole test suite under ThreadSanitizer and under AddressSanitizer.
#
#   scripts/sanitize.sh [thread|address …]      (default: both)
#
# Each sanitizer has its own scratch directory (.build-tsan, .build-asan), so the normal .build is
# untouched. Prints pass/fail per run and, for TSan, the number of warnings, separating reports whose
# stacks run through `withLock` (Synchronization.Mutex closures: known false positives on Linux, where
# TSan does not see the lock) from the others. withLock is inlined, so a report counts as a Mutex one
# when each access stack reaches a line calling withLock within its first Swift frames.
# Logs are kept in .build-tsan/sanitize-test.log and .build-asan/sanitize-test.log.
# Exit status: 0 when both suites pass and TSan reports no warning outside withLock, 1 otherwise.
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
    env "${env[@]}" SWIFT_BACKTRACE=enable=no swift test --sanitize="$sanitizer" --scratch-path "$scratch" >"$log" 2>&1
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
        # A report runs from its WARNING line to the next "==================" line.
        read -r total mutex other < <(awk '
            # Classifies ThreadSanitizer reports: a report is a Mutex false positive when each of its access
            # stacks reaches a source line calling withLock within its first 3 Swift frames (Mutex.withLock is
            # inlined, so a stack shows the closure bodys line, then the line calling withLock).
            function srcline(file, n,    line, i, found) {
                key = file ":" n
                if (key in cache) return cache[key]
                found = ""
                i = 0
                while ((getline line < file) > 0) { if (++i == n) { found = line; break } }
                close(file)
                cache[key] = found
                return found
            }
            function finish() {
                if (!inrep) return
                if (accesses >= 2 && locked == accesses) mutex++; else other++
                inrep = 0
            }
            /WARNING: ThreadSanitizer:/ { finish(); inrep = 1; total++; accesses = 0; locked = 0; want = 0; next }
            inrep && /^  (Previous )?(atomic )?([Rr]ead|[Ww]rite|[Mm]odifying access|access)/ { accesses++; want = 1; next }
            inrep && want && match($0, /\/[^ ]+\.swift:[0-9]+/) {
                spec = substr($0, RSTART, RLENGTH)
                split(spec, parts, ":")
                if (srcline(parts[1], parts[2]) ~ /withLock/) { locked++; want = 0 } else if (++want > 3) want = 0
                next
            }
            inrep && /^  (Location is|Thread T|Mutex M)/ { want = 0 }
            inrep && /^==================$/ { finish() }
            END { finish(); print total + 0, mutex + 0, other + 0 }
        ' "$log")
        echo "   ThreadSanitizer warnings: $total ($mutex inside Mutex.withLock, likely false positives; $other other)"
        grep -E 'WARNING: ThreadSanitizer:' "$log" | sed -E 's/ \(pid=[0-9]+\)//' | sort | uniq -c | sed 's/^/    /'
        [[ $other -gt 0 ]] && failed=1
    else
        asan=$(grep -c 'ERROR: AddressSanitizer' "$log")
        echo "   AddressSanitizer errors: $asan"
        [[ $asan -gt 0 ]] && failed=1
    fi
done
exit $failed
