#!/usr/bin/env bash
# Runs every fuzz target (or those named) for SECONDS each (default 60), one at a time at low
# priority, growing a working corpus in fuzz/work/<target> from fuzz/corpus/<target>; crashes go
# to fuzz/artifacts/<target>. Prints one line per target: executions, coverage, features, and
# the seconds since the last new coverage (a plateau when that is most of the run).
# Needs cargo-fuzz; runs on the stable toolchain without a sanitizer (RUSTC_BOOTSTRAP for the
# flags cargo-fuzz passes). Then minimise into the committed corpus: see docs/security.md.
set -uo pipefail
cd "$(dirname "$0")"
seconds="${SECONDS_PER_TARGET:-60}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list)
fi
export RUSTC_BOOTSTRAP=1
mkdir -p work logs
printf 'target\texecs\tcov\tft\tcorpus\tlast_new_s\tstatus\n'
for t in "${targets[@]}"; do
    mkdir -p "work/$t"
    cp -n corpus/"$t"/* "work/$t/" 2>/dev/null || true
    start=$(date +%s)
    nice -n 19 cargo fuzz run --sanitizer none "$t" "work/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 > "logs/$t.log" 2>&1
    status=$?
    execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "logs/$t.log" | grep -oE '[0-9]+$' | tail -1)
    last=$(grep -E '^#[0-9]+' "logs/$t.log" | grep -E 'NEW|REDUCE' | tail -1)
    cov=$(grep -E '^#[0-9]+' "logs/$t.log" | tail -1 | grep -oE 'cov: [0-9]+' | grep -oE '[0-9]+')
    ft=$(grep -E '^#[0-9]+' "logs/$t.log" | tail -1 | grep -oE 'ft: [0-9]+' | grep -oE '[0-9]+')
    corp=$(grep -E '^#[0-9]+' "logs/$t.log" | tail -1 | grep -oE 'corp: [0-9]+' | grep -oE '[0-9]+')
    # libFuzzer prints no times; the log's modification times of new units stand in for them.
    newest=$(ls -t "work/$t" | head -1)
    last_new=$(( $(date +%s) - $(stat -c %Y "work/$t/$newest") ))
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$last_new" "$status"
done
