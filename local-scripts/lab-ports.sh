#!/usr/bin/env bash
# Picks COUNT free TCP ports on 127.0.0.1 for a docker lab's published ports (SSH, APIs) and
# prints them on one line. The program runs it once per stack and keeps the answer in its
# state (components/hosts.ts), so the hosts' published ports stay the same when Docker
# restarts a container (Docker picks new ones for unpinned ports). A port is free when nothing
# listens on it and no container, running or stopped, binds it. The search starts at a point
# derived from PREFIX in 20000-29999, below the kernel's ephemeral range.
# Usage: lab-ports.sh COUNT PREFIX
set -euo pipefail

count=${1:?usage: lab-ports.sh COUNT PREFIX}
prefix=${2:?usage: lab-ports.sh COUNT PREFIX}
command -v ss >/dev/null 2>&1 || { echo "lab-ports: ss not found; install iproute2" >&2; exit 1; }
taken=$(
    {
        ss -Htln | awk '{ n = split($4, a, ":"); print a[n] }'
        # shellcheck disable=SC2016 # a Go template, not shell
        docker ps -aq | xargs -r docker inspect -f \
            '{{range $p, $b := .HostConfig.PortBindings}}{{range $b}}{{.HostPort}}{{"\n"}}{{end}}{{end}}'
    } | { grep -E '^[0-9]+$' || true; } | sort -un
)
low=20000 span=10000
offset=$(( $(printf '%s' "$prefix" | cksum | cut -d' ' -f1) % span ))
picked=()
for ((i = 0; i < span && ${#picked[@]} < count; i++)); do
    port=$(( low + (offset + i) % span ))
    grep -qx "$port" <<<"$taken" || picked+=("$port")
done
[ "${#picked[@]}" -eq "$count" ] || { echo "lab-ports: fewer than $count free ports in $low-$((low + span - 1))" >&2; exit 1; }
echo "${picked[*]}"
