#!/usr/bin/env bash
# The weave-lab checks on one host, run after the workloads (seed 002). From the host: each
# instance by its Weave address (as Consul has it), each workload by its Consul name, and
# Consul DNS answering only addresses of the workload's subnet. From a probe container in each
# subnet on this host: every instance of its own subnet (on every host) answers, every
# instance and name of another subnet is refused. fabio (seed 001's router) answers each
# workload's route from the host and, at the host's `weave expose` address, from every
# subnet. Every instance must answer the version Consul has it tagged with; names and
# routes any version the workload runs (a canary may be waiting). An HTTPS workload (seed 001's
# httpsbackend-sni-1) is reached over TLS everywhere, verified with the lab CA against its
# server name: its instances and Consul name with that name, and fabio's TCP+SNI listener by
# the seed's own command (`curl https://<sni>:9996/`, the name resolving to this host's fabio);
# the certificate fabio passes through must be the workload's, and a server name with no route
# must be refused. Consul's and Nomad's APIs must refuse a probe at the host's subnet address
# (they listen on loopback and the lab address only). Prints one line per cell ("PASS|FAIL <cell>: <detail>") and fails if any
# cell failed. The probes are removed on exit.
# Inputs (rendered in): NETLAB_DATACENTER, NETLAB_WORKLOADS (lines "workload subnet route sni",
# sni "-" for plain HTTP), NETLAB_NETWORKS (lines "subnet docker-network"), NETLAB_FABIO_PORT,
# NETLAB_SNI_PORT, NETLAB_CA (the lab CA's certificate; with any HTTPS workload),
# NETLAB_IMAGE (the probe image: httpbackend, for its -get), NETLAB_PORT, NETLAB_TIMEOUT.
set -euo pipefail

: "${NETLAB_DATACENTER:?}" "${NETLAB_WORKLOADS:?}" "${NETLAB_NETWORKS:?}" "${NETLAB_IMAGE:?}" "${NETLAB_PORT:?}" "${NETLAB_FABIO_PORT:?}"
timeout=${NETLAB_TIMEOUT:-120}
me=$(hostname)
failed=0
probes=()
cafile=$(mktemp)
cleanup() {
    rm -f "$cafile"
    [ "${#probes[@]}" -eq 0 ] || docker rm -f "${probes[@]}" >/dev/null 2>&1 || true
}
trap cleanup EXIT
printf '%s\n' "${NETLAB_CA:-}" > "$cafile"
sni_port=${NETLAB_SNI_PORT:-9996}
# The path of the checks' own requests straight to HTTPS instances: an instance counts requests
# by server name and path, so a drill's load ("<sni>/") is told from the checks, which also
# reach canaries that production never does.
check_path=/netlab-checks/
# A server name no route has: fabio's TCP+SNI listener must refuse it.
unknown_sni=netlab-unknown.invalid

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
# The workload's TLS server name, "-" for plain HTTP.
sni_of() { awk -v w="$1" '$1 == w { print $4 }' <<<"$NETLAB_WORKLOADS"; }
banner() { # VERSION [SNI]
    if [ "${2:--}" = - ]; then echo "this is httpbackendservice, version: $1"; else echo "this is httpsbackendservice, version: $1"; fi
}
# Any version the workload's passing instances run, as "banner|banner".
answers_of() {
    local sni
    sni=$(sni_of "$1")
    awk -v w="$1" '$1 == w { print $4 }' <<<"$instances" | sort -u | while read -r v; do banner "$v" "$sni"; done | paste -sd'|'
}

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

from_host() { # CELL EXPECT WANT URL [CURL-OPTION...]
    local cell=$1 expect=$2 want=$3 url=$4 got rc=0
    shift 4
    got=$(curl -fsS --max-time 3 "$@" "$url" 2>&1) || rc=$?
    verdict "$cell" "$expect" "$want" "$(head -1 <<<"$got")" "$rc"
}

from_probe() { # PROBE CELL EXPECT WANT URL [GET-OPTION...]
    local probe=$1 cell=$2 expect=$3 want=$4 url=$5 got rc=0
    shift 5
    got=$(docker exec "$probe" /httpbackend -get "$url" -timeout 3s "$@" 2>&1) || rc=$?
    got=$(head -1 <<<"$got")
    # A failed request: the last part of Go's error says why ("no route to host", "i/o timeout").
    [ "$rc" -eq 0 ] || got=${got##*: }
    verdict "$cell" "$expect" "$want" "$got" "$rc"
}

# The certificate fabio's TCP+SNI listener passes through for SNI: issued by the lab CA, for that name.
check_cert() { # SNI
    local out subject verify
    out=$(curl -sS -v --max-time 3 --cacert "$cafile" -o /dev/null -w 'verify=%{ssl_verify_result}\n' "https://$1:$sni_port/" 2>&1) || true
    subject=$(sed -n 's/^\*  *subject: *//p' <<<"$out" | head -1)
    verify=$(sed -n 's/^verify=//p' <<<"$out" | tail -1)
    if [ "$verify" = 0 ] && [ "$subject" = "CN=$1" ]; then
        report PASS "$me host -> fabio $1:$sni_port certificate" "subject $subject, verified with the lab CA"
    else
        report FAIL "$me host -> fabio $1:$sni_port certificate" "subject '$subject', verify result '$verify' (want CN=$1, 0)"
    fi
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
    sni=$(sni_of "$w")
    if [ "$sni" = - ]; then
        from_host "$me host -> $w@$node $addr" reach "$(banner "$version")" "http://$addr:$NETLAB_PORT/"
    else
        from_host "$me host -> $w@$node $addr (tls $sni)" reach "$(banner "$version" "$sni")" "https://$sni:$NETLAB_PORT$check_path" \
            --cacert "$cafile" --resolve "$sni:$NETLAB_PORT:$addr"
    fi
done <<<"$instances"
while read -r w subnet route sni; do
    [ -n "$w" ] || continue
    name="$w.service.$NETLAB_DATACENTER.consul"
    if [ "$sni" = - ]; then
        from_host "$me host -> $name" reach "$(answers_of "$w")" "http://$name:$NETLAB_PORT/"
        from_host "$me host -> fabio 127.0.0.1:$NETLAB_FABIO_PORT$route" reach "$(answers_of "$w")" "http://127.0.0.1:$NETLAB_FABIO_PORT$route"
    else
        from_host "$me host -> $name (tls $sni)" reach "$(answers_of "$w")" "https://$sni:$NETLAB_PORT$check_path" \
            --cacert "$cafile" --connect-to "$sni:$NETLAB_PORT:$name:$NETLAB_PORT"
        # Seed 001's own command, with the lab CA instead of -k: the name resolves to this host's fabio.
        from_host "$me host -> fabio https://$sni:$sni_port/" reach "$(answers_of "$w")" "https://$sni:$sni_port/" --cacert "$cafile"
        check_cert "$sni"
    fi
    answers=$(dig +short @127.0.0.1 -p 8600 "$name" | sort | tr '\n' ' ')
    outside=""
    for a in $answers; do in_subnet "$a" "$subnet" || outside+="$a "; done
    if [ -n "$answers" ] && [ -z "$outside" ]; then
        report PASS "$me dns $name" "${answers% } (all in $subnet)"
    else
        report FAIL "$me dns $name" "answers '${answers% }', outside $subnet: '${outside% }'"
    fi
done <<<"$NETLAB_WORKLOADS"
if grep -qv ' -$' <<<"$NETLAB_WORKLOADS"; then
    from_host "$me host -> fabio https://$unknown_sni:$sni_port/ (no such route)" refuse "" "https://$unknown_sni:$sni_port/" \
        --cacert "$cafile" --resolve "$unknown_sni:$sni_port:127.0.0.1"
fi

# From a probe container in each subnet.
while read -r subnet net; do
    [ -n "$subnet" ] || continue
    probe="netlab-probe-${net}"
    docker rm -f "$probe" >/dev/null 2>&1 || true
    docker run -d --name "$probe" --network "$net" --label netlab.probe=1 "$NETLAB_IMAGE" >/dev/null
    probes+=("$probe")
    docker cp "$cafile" "$probe:/lab-ca.crt" >/dev/null
    paddr=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$net\").IPAddress}}" "$probe")
    while read -r w node addr version; do
        [ -n "$w" ] || continue
        expect=refuse
        [ "$(subnet_of "$w")" != "$subnet" ] || expect=reach
        sni=$(sni_of "$w")
        if [ "$sni" = - ]; then
            from_probe "$probe" "$me container $paddr ($subnet) -> $w@$node $addr" "$expect" "$(banner "$version")" "http://$addr:$NETLAB_PORT/"
        else
            from_probe "$probe" "$me container $paddr ($subnet) -> $w@$node $addr (tls $sni)" "$expect" "$(banner "$version" "$sni")" \
                "https://$addr:$NETLAB_PORT$check_path" -cacert /lab-ca.crt -servername "$sni"
        fi
    done <<<"$instances"
    # This host's address in the subnet (weave expose): fabio answers there for every workload.
    exposed=""
    for a in $(ip -4 -o addr show dev weave 2>/dev/null | awk '{ print $4 }'); do
        if in_subnet "${a%/*}" "$subnet"; then exposed=${a%/*}; fi
    done
    # Consul's and Nomad's APIs listen on loopback and the lab address only: a workload's
    # container does not reach them at its host's address in the subnet.
    if [ -n "$exposed" ]; then
        from_probe "$probe" "$me container $paddr ($subnet) -> consul api $exposed:8500" refuse "" "http://$exposed:8500/v1/status/leader"
        from_probe "$probe" "$me container $paddr ($subnet) -> nomad api $exposed:4646" refuse "" "http://$exposed:4646/v1/status/leader"
    fi
    while read -r w wsubnet route sni; do
        [ -n "$w" ] || continue
        expect=refuse
        [ "$wsubnet" != "$subnet" ] || expect=reach
        name="$w.service.$NETLAB_DATACENTER.consul"
        if [ "$sni" = - ]; then
            from_probe "$probe" "$me container $paddr ($subnet) -> $name" "$expect" "$(answers_of "$w")" "http://$name:$NETLAB_PORT/"
        else
            from_probe "$probe" "$me container $paddr ($subnet) -> $name (tls $sni)" "$expect" "$(answers_of "$w")" \
                "https://$name:$NETLAB_PORT$check_path" -cacert /lab-ca.crt -servername "$sni"
        fi
        if [ -z "$exposed" ]; then
            report FAIL "$me container $paddr ($subnet) -> fabio" "this host has no address in $subnet on its weave bridge (weave expose)"
        elif [ "$sni" = - ]; then
            from_probe "$probe" "$me container $paddr ($subnet) -> fabio $exposed:$NETLAB_FABIO_PORT$route" reach \
                "$(answers_of "$w")" "http://$exposed:$NETLAB_FABIO_PORT$route"
        else
            # fabio's TCP+SNI listener from inside the subnet, routed by the server name alone.
            from_probe "$probe" "$me container $paddr ($subnet) -> fabio $exposed:$sni_port (tls $sni)" reach \
                "$(answers_of "$w")" "https://$exposed:$sni_port/" -cacert /lab-ca.crt -servername "$sni"
        fi
    done <<<"$NETLAB_WORKLOADS"
done <<<"$NETLAB_NETWORKS"

if [ "$failed" -gt 0 ]; then
    echo "weave-checks: $failed cell(s) failed on $me" >&2
    exit 1
fi
