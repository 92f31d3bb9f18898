#!/bin/sh
# Builds every fuzz target once (release, AddressSanitizer), then runs the targets in
# turn for $1 seconds of fuzzing each (default 360) on one core, with libFuzzer's
# memory limits, starting from the committed seeds; appends a summary line per target
# to runs.log and keeps crashes in artifacts/<target>/. The binaries are run directly,
# so editing the sources during a campaign does not rebuild them mid-way.
set -u
secs=${1:-360}
shift || true
targets=${*:-"csv tsv parquet ipc_file ipc_stream gold policy stats contingency counts builder"}
cd "$(dirname "$0")"
cargo +nightly fuzz build -O || exit 1
bin=${CARGO_TARGET_DIR:-target}/x86_64-unknown-linux-gnu/release
for t in $targets; do
    mkdir -p corpus/$t artifacts/$t
    cp -n seeds/$t/* corpus/$t/ 2>/dev/null
    start=$(date +%s)
    "$bin/$t" corpus/$t -max_total_time=$secs -rss_limit_mb=2048 -malloc_limit_mb=2048 \
        -timeout=10 -artifact_prefix=artifacts/$t/ -print_final_stats=1 > logs-$t.txt 2>&1
    rc=$?
    end=$(date +%s)
    execs=$(grep -a 'stat::number_of_executed_units' logs-$t.txt | tail -1 | awk '{print $2}')
    crashes=$(ls artifacts/$t | wc -l)
    echo "$t seconds=$((end - start)) execs=${execs:-?} exit=$rc artifacts=$crashes" >> runs.log
done
