#!/usr/bin/env bash
# The weave-lab checks on one host, run after the workloads (seed 002). From the host: each
# instance by its Weave address (as Consul has it), each workload by its Consul name, and
# Consul DNS answering only addresses of the workload's subnet. From a probe container in each
# subnet on this host: every instance of its own subnet (on every host) answers, every
# instance and name of another subnet is refused. fabio (seed 001's router) answers each
# workload's route from the host and, at the host's `weave expose` address, from every
# subnet. Every instance must answer the version Consul has it tagged with; names and
# routes any version the workload runs (a canary may be waiting). Prints one line per cell
# ("PASS|FAIL <cell>: <detail>") and fails if any cell failed. The probes are removed on exit.
# Inputs (rendered in): NETLAB_DATACENTER, NETLAB_WORKLOADS (lines "workload subnet route"),
# NETLAB_NETWORKS (lines "subnet docker-network"), NETLAB_FABIO_PORT,
# NETLAB_IMAGE (the probe image: httpbackend, for its -get), NETLAB_PORT, NETLAB_TIMEOUT.
set -euo pipefail

: "${NETLAB_DATACENTER:?}" "${NETLAB_WORKLOADS:?}" "${NETLAB_NETWORKS:?}" "${NETLAB_IMAGE:?}" "${NETLAB_PORT:?}" "${NETLAB_FABIO_PORT:?}"
timeout=${NETLAB_TIMEOUT:-120}
me=$(hostname)
failed=0
probes=()
cleanup() { [ "${#probes[@]}" -eq 0 ] || docker rm -f "${probes[@]}" >/dev/null 2>&1 || true; }
trap cleanup EXIT

report() { # RESULT CELL DETAIL
    printf '%s %s: %s\n' "$1" "$2" "$3"
    if [ "$1" = FAIL ]; then
        failed=$((failed + 1))
        printf '%s %s: %s\n' "$1" "$2" "$3" >&2
    fi
}

ip_int() { # A.B.C.D
    local a b c d
    IFS=. read -r a b c d <<<"$1"
    echo $(((a << 24) | (b << 16) | (c << 8) | d))
}
in_subnet() { # IP CIDR
    local bits=${2#*/} mask
    mask=$(((0xffffffff << (32 - bits)) & 0xffffffff))
    [ $(($(ip_int "$1") & mask)) -eq $(($(ip_int "${2%/*}") & mask)) ]
}

subnet_of() { awk -v w="$1" '$1 == w { print $2 }' <<<"$NETLAB_WORKLOADS"; }
banner() { echo "this is httpbackendservice, version: $1"; }
# Any version the workload's passing instances run, as "banner|banner".
answers_of() { awk -v w="$1" '$1 == w { print $4 }' <<<"$instances" | sort -u | while read -r v; do banner "$v"; done | paste -sd'|'; }

# CELL EXPECT(reach|refuse) WANT GOT RC: one cell's verdict. WANT may list answers with '|'.
verdict() {
    if [ "$2" = reach ]; then
        if [ "$5" -eq 0 ] && [[ "|$3|" == *"|$4|"* ]]; then report PASS "$1" "$4"; else report FAIL "$1" "expected '$3', got: $4"; fi
    elif [ "$5" -ne 0 ]; then
        report PASS "$1" "refused ($4)"
    else
        report FAIL "$1" "must be refused (another subnet), yet it answered: $4"
    fi
}

from_host() { # CELL EXPECT WANT URL
    local got rc=0
    got=$(curl -fsS --max-time 3 "$4" 2>&1) || rc=$?
    verdict "$1" "$2" "$3" "$(head -1 <<<"$got")" "$rc"
}

from_probe() { # PROBE CELL EXPECT WANT URL
    local got rc=0
    got=$(docker exec "$1" /httpbackend -get "$5" -timeout 3s 2>&1) || rc=$?
    got=$(head -1 <<<"$got")
    # A failed request: the last part of Go's error says why ("no route to host", "i/o timeout").
    [ "$rc" -eq 0 ] || got=${got##*: }
    verdict "$2" "$3" "$4" "$got" "$rc"
}

# The instances, as Consul has them: "workload node address version".
instances=""
deadline=$((SECONDS + timeout))
while read -r w _; do
    [ -n "$w" ] || continue
    while :; do
        rows=$(curl -fsS "http://127.0.0.1:8500/v1/health/service/$w?passing=true" |
            jq -r --arg w "$w" '.[] | "\($w) \(.Node.Node) \(.Service.Address) \([.Service.Tags[] | select(startswith("version-")) | ltrimstr("version-")][0])"' | sort) || rows=""
        [ -z "$rows" ] || break
        [ "$SECONDS" -lt "$deadline" ] || break
        sleep 2
    done
    [ -n "$rows" ] || report FAIL "$me consul $w" "no passing instance after ${timeout}s"
    instances+="$rows"$'\n'
done <<<"$NETLAB_WORKLOADS"

# From the host.
while read -r w node addr version; do
    [ -n "$w" ] || continue
    from_host "$me host -> $w@$node $addr" reach "$(banner "$version")" "http://$addr:$NETLAB_PORT/"
done <<<"$instances"
while read -r w subnet route; do
    [ -n "$w" ] || continue
    name="$w.service.$NETLAB_DATACENTER.consul"
    from_host "$me host -> $name" reach "$(answers_of "$w")" "http://$name:$NETLAB_PORT/"
    from_host "$me host -> fabio 127.0.0.1:$NETLAB_FABIO_PORT$route" reach "$(answers_of "$w")" "http://127.0.0.1:$NETLAB_FABIO_PORT$route"
    answers=$(dig +short @127.0.0.1 -p 8600 "$name" | sort | tr '\n' ' ')
    outside=""
    for a in $answers; do in_subnet "$a" "$subnet" || outside+="$a "; done
    if [ -n "$answers" ] && [ -z "$outside" ]; then
        report PASS "$me dns $name" "${answers% } (all in $subnet)"
    else
        report FAIL "$me dns $name" "answers '${answers% }', outside $subnet: '${outside% }'"
    fi
done <<<"$NETLAB_WORKLOADS"

# From a probe container in each subnet.
while read -r subnet net; do
    [ -n "$subnet" ] || continue
    probe="netlab-probe-${net}"
    docker rm -f "$probe" >/dev/null 2>&1 || true
    docker run -d --name "$probe" --network "$net" --label netlab.probe=1 "$NETLAB_IMAGE" >/dev/null
    probes+=("$probe")
    paddr=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$net\").IPAddress}}" "$probe")
    while read -r w node addr version; do
        [ -n "$w" ] || continue
        expect=refuse
        [ "$(subnet_of "$w")" != "$subnet" ] || expect=reach
        from_probe "$probe" "$me container $paddr ($subnet) -> $w@$node $addr" "$expect" "$(banner "$version")" "http://$addr:$NETLAB_PORT/"
    done <<<"$instances"
    # This host's address in the subnet (weave expose): fabio answers there for every workload.
    exposed=""
    for a in $(ip -4 -o addr show dev weave 2>/dev/null | awk '{ print $4 }'); do
        if in_subnet "${a%/*}" "$subnet"; then exposed=${a%/*}; fi
    done
    while read -r w wsubnet route; do
        [ -n "$w" ] || continue
        expect=refuse
        [ "$wsubnet" != "$subnet" ] || expect=reach
        name="$w.service.$NETLAB_DATACENTER.consul"
        from_probe "$probe" "$me container $paddr ($subnet) -> $name" "$expect" "$(answers_of "$w")" "http://$name:$NETLAB_PORT/"
        if [ -n "$exposed" ]; then
            from_probe "$probe" "$me container $paddr ($subnet) -> fabio $exposed:$NETLAB_FABIO_PORT$route" reach \
                "$(answers_of "$w")" "http://$exposed:$NETLAB_FABIO_PORT$route"
        else
            report FAIL "$me container $paddr ($subnet) -> fabio" "this host has no address in $subnet on its weave bridge (weave expose)"
        fi
    done <<<"$NETLAB_WORKLOADS"
done <<<"$NETLAB_NETWORKS"

if [ "$failed" -gt 0 ]; then
    echo "weave-checks: $failed cell(s) failed on $me" >&2
    exit 1
fi
