#!/usr/bin/env bash
# What a lab host uses while the benchmark runs (seed 000's RAM and CPU figures): over
# NETLAB_SECONDS, its RAM without buffers and page cache (averaged over one reading a second)
# and its CPU as a share of all its cores (100 = every core busy). A host that is a container
# (docker mode) is measured by its own cgroup, which holds everything it runs; a machine by
# /proc/meminfo and /proc/stat. Prints one JSON object. Changes nothing; safe to re-run.
# Inputs (rendered in): NETLAB_SECONDS.
set -euo pipefail

: "${NETLAB_SECONDS:?}"
cg=/sys/fs/cgroup
cpus=$(nproc)

if [ -f "$cg/memory.current" ] && [ -f "$cg/cpu.stat" ]; then
    source=cgroup
    ram_kib() { echo $((($(cat "$cg/memory.current") - $(awk '$1 == "file" { print $2 }' "$cg/memory.stat")) / 1024)); }
    # Microseconds of CPU time used by the host.
    cpu_usec() { awk '$1 == "usage_usec" { print $2 }' "$cg/cpu.stat"; }
else
    source=proc
    ram_kib() { awk '$1 == "MemTotal:" { t = $2 } $1 == "MemAvailable:" { a = $2 } END { printf "%.0f\n", t - a }' /proc/meminfo; }
    # Busy jiffies (everything but idle and iowait), as microseconds.
    cpu_usec() { awk -v hz="$(getconf CLK_TCK)" '$1 == "cpu" { printf "%.0f\n", ($2 + $3 + $4 + $7 + $8 + $9) * 1000000 / hz }' /proc/stat; }
fi

start_cpu=$(cpu_usec)
start=$(date +%s%N)
sum=0
n=0
for _ in $(seq 1 "$NETLAB_SECONDS"); do
    sum=$((sum + $(ram_kib)))
    n=$((n + 1))
    sleep 1
done
end_cpu=$(cpu_usec)
elapsed_usec=$((($(date +%s%N) - start) / 1000))
jq -n --arg source "$source" --argjson cpus "$cpus" --argjson ram "$((sum / n))" \
    --argjson used "$((end_cpu - start_cpu))" --argjson elapsed "$elapsed_usec" \
    '{source: $source, cpus: $cpus, ramMiB: ($ram / 1024), cpuPercent: (100 * $used / ($elapsed * $cpus))}'
