#!/usr/bin/env bash
# What a lab host uses while the benchmark runs (seed 000's RAM and CPU figures): over
# NETLAB_SECONDS, its RAM without buffers and page cache (averaged over one reading a second)
# and its CPU as a share of all the machine's cores (100 = every core busy). A host that is a
# container (docker mode) is measured by its cgroups: its own (from /proc/self/cgroup) and the
# kubelet's --cgroup-root (which holds its pods), cgroup v1 or v2; a machine by /proc/meminfo
# and /proc/stat. Prints one JSON object. Changes nothing; safe to re-run.
# Inputs (rendered in): NETLAB_SECONDS.
set -euo pipefail

: "${NETLAB_SECONDS:?}"
cg=/sys/fs/cgroup
cpus=$(nproc)
kubelet_root=$(grep -o -- '--cgroup-root=[^ "]*' /var/lib/kubelet/kubeadm-flags.env 2>/dev/null | cut -d= -f2 || true)

# The host's cgroup paths (relative to each hierarchy), the kubelet's root beside its own. The
# host's own is its init's (PID 1, systemd, which sits in <host>/init.scope), not this shell's:
# a login session has a cgroup of its own below the host's. "/" is a machine, not a container.
own_path() { # CONTROLLER ("" for cgroup v2)
    local p
    if [ -z "$1" ]; then
        p=$(awk -F: '$1 == "0" { print $3 }' /proc/1/cgroup)
    else
        p=$(awk -F: -v c="$1" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' /proc/1/cgroup)
    fi
    p=${p%/init.scope}
    echo "${p:-/}"
}
paths() { # CONTROLLER
    local p
    p=$(own_path "$1")
    [ "$p" = / ] || echo "$p"
    if [ -n "$kubelet_root" ] && [[ "$kubelet_root" != "$p"* ]]; then echo "$kubelet_root"; fi
}

# Sums what READER prints for each cgroup folder PREFIX/PATH; a folder it cannot read is left out.
sum_cgroups() { # READER PREFIX PATH…
    local reader=$1 prefix=$2 d v sum=0
    shift 2
    for d in "$@"; do
        v=$("$reader" "$prefix$d") || continue
        sum=$((sum + v))
    done
    echo "$sum"
}

if [ -f "$cg/cgroup.controllers" ] && [ "$(own_path "")" != / ]; then
    source=cgroup2
    mapfile -t dirs < <(paths "")
    ram_bytes() { [ -f "$1/memory.current" ] && echo $(($(cat "$1/memory.current") - $(awk '$1 == "file" { print $2 }' "$1/memory.stat"))); }
    used_usec() { [ -f "$1/cpu.stat" ] && awk '$1 == "usage_usec" { print $2 }' "$1/cpu.stat"; }
    ram_kib() { echo $(($(sum_cgroups ram_bytes "$cg" "${dirs[@]}") / 1024)); }
    cpu_usec() { sum_cgroups used_usec "$cg" "${dirs[@]}"; }
elif [ -f "$cg/memory/memory.usage_in_bytes" ] && [ -n "$(own_path memory)" ] && [ "$(own_path memory)" != / ]; then
    source=cgroup1
    mapfile -t mem_dirs < <(paths memory)
    mapfile -t cpu_dirs < <(paths cpuacct)
    ram_bytes() { [ -f "$1/memory.usage_in_bytes" ] && echo $(($(cat "$1/memory.usage_in_bytes") - $(awk '$1 == "total_cache" { print $2 }' "$1/memory.stat"))); }
    used_usec() { [ -f "$1/cpuacct.usage" ] && echo $(($(cat "$1/cpuacct.usage") / 1000)); }
    ram_kib() { echo $(($(sum_cgroups ram_bytes "$cg/memory" "${mem_dirs[@]}") / 1024)); }
    cpu_usec() { sum_cgroups used_usec "$cg/cpuacct" "${cpu_dirs[@]}"; }
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
