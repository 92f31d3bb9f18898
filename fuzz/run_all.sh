#!/bin/sh
# Runs every fuzz target in turn for $1 seconds (default 360) on one core, with
# libFuzzer's memory limits, starting from the committed seeds; appends the summary
# line of each run to runs.log and keeps crashes in artifacts/<target>/.
set -u
secs=${1:-360}
shift || true
targets=${*:-"csv tsv parquet ipc_file ipc_stream gold policy stats contingency counts builder"}
cd "$(dirname "$0")"
for t in $targets; do
    mkdir -p corpus/$t artifacts/$t
    cp -n seeds/$t/* corpus/$t/ 2>/dev/null
    start=$(date +%s)
    cargo +nightly fuzz run -O $t corpus/$t -- \
        -max_total_time=$secs -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 \
        -artifact_prefix=artifacts/$t/ -print_final_stats=1 > logs-$t.txt 2>&1
    rc=$?
    end=$(date +%s)
    execs=$(grep -a 'stat::number_of_executed_units' logs-$t.txt | tail -1 | awk '{print $2}')
    crashes=$(ls artifacts/$t | wc -l)
    echo "$t seconds=$((end - start)) execs=${execs:-?} exit=$rc artifacts=$crashes" >> runs.log
done
