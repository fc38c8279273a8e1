#!/bin/sh
# Runs one libFuzzer target as one process until that process has used CPU_SECONDS of CPU time
# (user + system, from /proc/PID/stat), then stops it with SIGINT so that it prints its final
# statistics. CPU time rather than wall time, because the 2-core machine is shared: a target
# that waits for a core has not been fuzzed for that time (issue 15 asks for CPU-minutes).
#
#   fuzz/run_for_cpu.sh FUZZER CPU_SECONDS WORKDIR SEED_DIR [libFuzzer options...]
#
# WORKDIR/corpus receives a copy of SEED_DIR (the committed seeds are never written), new inputs
# go there, crash/timeout/leak/oom inputs to WORKDIR/artifacts/, the fuzzer's output to
# WORKDIR/log. Prints the CPU seconds used, executions and coverage (libFuzzer's last `#N` line
# and final stats), and any artifact. Exit status: the fuzzer's (0 when stopped at the limit).
# Set LSAN_OPTIONS (for example suppressions=plugins/documents/fuzz/lsan.supp) in the
# environment as the target's README says.
set -eu

if [ $# -lt 4 ]; then
    echo "usage: $0 FUZZER CPU_SECONDS WORKDIR SEED_DIR [libFuzzer options...]" >&2
    exit 2
fi
fuzzer=$1; limit=$2; work=$3; seeds=$4
shift 4

mkdir -p "$work/corpus" "$work/artifacts"
cp -n "$seeds"/* "$work/corpus/" 2>/dev/null || true
ticks=$(getconf CLK_TCK)

"$fuzzer" -print_final_stats=1 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
    -artifact_prefix="$work/artifacts/" "$@" "$work/corpus" >"$work/log" 2>&1 &
pid=$!

cpu_of() {
    # Fields 14 to 17 of /proc/PID/stat (utime, stime, and cutime, cstime: the children it has
    # waited for, the jobs of -fork=N); the name (field 2) has no spaces here.
    awk -v t="$ticks" '{ printf "%d\n", ($14 + $15 + $16 + $17) / t }' "/proc/$1/stat" \
        2>/dev/null || echo -1
}

used=0
while kill -0 "$pid" 2>/dev/null; do
    now=$(cpu_of "$pid")
    [ "$now" -ge 0 ] && used=$now
    if [ "$used" -ge "$limit" ]; then
        kill -INT "$pid"
        break
    fi
    sleep 5
done
status=0
wait "$pid" || status=$?

echo "target: $(basename "$fuzzer")  cpu_seconds: $used  exit: $status"
grep -E '^#[0-9]+' "$work/log" | tail -1 || true
grep -E '^stat::' "$work/log" || true
echo "corpus files: $(ls "$work/corpus" | wc -l)"
ls "$work/artifacts" | sed 's/^/artifact: /'
# Stopped at the limit, libFuzzer exits with its SIGINT status (the limit reached is success).
if [ "$used" -ge "$limit" ] && [ -z "$(ls "$work/artifacts")" ]; then
    exit 0
fi
exit "$status"
