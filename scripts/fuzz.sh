#!/usr/bin/env bash
# Runs the libFuzzer targets under Fuzz/ (docs: Fuzz/README is this header).
#
#   scripts/fuzz.sh [SECONDS=300] [TARGET…]      TARGET: FuzzFrames FuzzEnvelope FuzzNotice FuzzConfig FuzzAuditRecord
#
# Builds each target into .build-fuzz with libFuzzer + AddressSanitizer (-D FUZZING selects the
# LLVMFuzzerTestOneInput entry point), then fuzzes it for SECONDS on a temporary copy of its seed
# corpus Fuzz/corpus/<name> (the corpus the fuzzer grows is thrown away; only seeds are committed).
# Prints per target: runs, coverage (cov), corpus size, and any crash, whose input is kept in
# .build-fuzz/artifacts/<TARGET>/ (reproduce with a plain build: `swift run TARGET FILE`).
# Exit status: 0 when no target crashed, 1 when one did, 2 on a build or usage error.
#
# Environment: FUZZ_PARALLEL=N runs N targets at a time (default 1; the fuzzers are single-threaded),
# FUZZ_ARGS adds libFuzzer flags (e.g. "-max_len=8192").
set -uo pipefail

cd "$(dirname "$0")/.."
duration=${1:-300}
if ! [[ $duration =~ ^[0-9]+$ ]]; then
    echo "usage: scripts/fuzz.sh [SECONDS=300] [FuzzFrames|FuzzEnvelope|FuzzNotice|FuzzConfig|FuzzAuditRecord …]" >&2
    exit 2
fi
shift $(( $# > 0 ? 1 : 0 ))
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=(FuzzFrames FuzzEnvelope FuzzNotice FuzzConfig FuzzAuditRecord)
parallel=${FUZZ_PARALLEL:-1}
scratch=.build-fuzz

corpus_name() {
    case $1 in
        FuzzFrames) echo frames ;;
        FuzzEnvelope) echo envelope ;;
        FuzzNotice) echo notice ;;
        FuzzConfig) echo config ;;
        FuzzAuditRecord) echo audit ;;
        *) return 1 ;;
    esac
}

for target in "${targets[@]}"; do
    corpus_name "$target" >/dev/null || { echo "unknown target $target" >&2; exit 2; }
done

mkdir -p "$scratch"
# One build per product. -sanitize=fuzzer,address goes to swiftc as a single flag: given as two
# SwiftPM --sanitize flags the build can silently lack coverage instrumentation.
for target in "${targets[@]}"; do
    echo "== building $target"
    if ! swift build -c debug --scratch-path "$scratch" --sanitize=fuzzer \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING --product "$target" >"$scratch/build-$target.log" 2>&1; then
        tail -30 "$scratch/build-$target.log" >&2
        echo "build of $target failed (log: $scratch/build-$target.log)" >&2
        exit 2
    fi
done
bin=$(swift build -c debug --scratch-path "$scratch" --show-bin-path)

work=$(mktemp -d "${TMPDIR:-/tmp}/nex-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

run_one() {
    local target=$1 name corpus artifacts
    name=$(corpus_name "$target")
    corpus="$work/$target-corpus"
    artifacts="$scratch/artifacts/$target"
    mkdir -p "$corpus" "$artifacts"
    [[ -d Fuzz/corpus/$name ]] && cp -R "Fuzz/corpus/$name/." "$corpus/"
    local dict=()
    [[ -f Fuzz/corpus/dicts/$name.dict ]] && dict=("-dict=Fuzz/corpus/dicts/$name.dict")
    # The Swift backtracer trips a false ASan report when it is enabled; leaks are not the point.
    # shellcheck disable=SC2086
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:${ASAN_OPTIONS:-} \
        "$bin/$target" -max_total_time="$duration" -timeout=25 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "${dict[@]}" ${FUZZ_ARGS:-} "$corpus" >"$work/$target.log" 2>&1
    echo $? >"$work/$target.rc"
    cp "$work/$target.log" "$scratch/artifacts/$target.log"
}

report() {
    local target=$1 rc log status runs cov corp crash
    rc=$(cat "$work/$target.rc")
    log="$work/$target.log"
    status=$(grep -E '^#[0-9]+' "$log" | tail -1)
    runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$')
    [[ -z $runs ]] && runs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$status")
    cov=$(grep -oE 'cov: [0-9]+' <<<"$status" | grep -oE '[0-9]+')
    corp=$(grep -oE 'corp: [0-9]+/[0-9A-Za-z]+' <<<"$status" | cut -d' ' -f2)
    crash=$(grep -oE 'Test unit written to [^ ]+' "$log" | tail -1 | sed 's/Test unit written to //')
    if [[ $rc -eq 0 ]]; then
        printf '%-13s %4ss  runs %-10s cov %-6s corpus %-10s no crash\n' "$target" "$duration" "${runs:-?}" "${cov:-?}" "${corp:-?}"
    else
        printf '%-13s %4ss  runs %-10s cov %-6s corpus %-10s CRASH (exit %s) %s\n' "$target" "$duration" "${runs:-?}" "${cov:-?}" "${corp:-?}" "$rc" "${crash:-}"
        if [[ -z $status ]]; then
            head -3 "$log" | sed 's/^/    did not start: /'  # e.g. a bad -dict file
        else
            grep -m1 -E 'Fatal error|ERROR: (AddressSanitizer|libFuzzer)|SUMMARY' "$log" | sed 's/^/    /'
        fi
        echo "    log: $scratch/artifacts/$target.log"
    fi
    return $(( rc != 0 ))
}

echo "== fuzzing ${targets[*]} for ${duration}s each, $parallel at a time"
pending=("${targets[@]}")
while [[ ${#pending[@]} -gt 0 ]]; do
    batch=("${pending[@]:0:$parallel}")
    pending=("${pending[@]:$parallel}")
    for target in "${batch[@]}"; do run_one "$target" & done
    wait
done

failed=0
echo "== results"
for target in "${targets[@]}"; do
    report "$target" || failed=1
done
exit $failed
