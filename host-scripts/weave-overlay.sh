#!/usr/bin/env bash
# Weave Net on one weave-lab host (seed 002): the router with the other hosts as peers,
# `weave expose` of every subnet in use, one Docker network per extra subnet, and the
# isolation of the subnets on the host's forwarding path. Safe to re-run; it also installs
# itself with a systemd unit that re-applies the host-side parts after a reboot (the router
# restarts with Docker; the exposed addresses and the netlab rules do not survive).
#
# The program installs it as /usr/local/lib/netlab/weave-overlay.sh and runs it from there.
# Actions (NETLAB_ACTION):
#   create   load the images, write /usr/local/bin/weave (upstream's script with netlab's
#            settings), launch the router if it is not running with this launch spec, then
#            reapply; prints the host's data path as one JSON line.
#   reapply  (the unit, and the end of create) peers, exposes, networks, isolation.
#   delete   everything above undone: networks, `weave reset`, rules, CNI files left by
#            `weave launch`, the unit, the wrapper, the images netlab loaded.
#
# Inputs (rendered in): NETLAB_VERSION, NETLAB_IMAGES_TAR, NETLAB_IMAGE_REFS (space-separated),
# NETLAB_PEERS (the other hosts' addresses, space-separated), NETLAB_IPALLOC_RANGE,
# NETLAB_DEFAULT_SUBNET, NETLAB_SUBNETS (extra subnets, space-separated, may be empty),
# NETLAB_MTU (empty: Weave's choice), NETLAB_PASSWORD (empty: no encryption),
# NETLAB_PRIVILEGE_ARGS (empty: upstream's --privileged; see the toolchain's weave patch 0002),
# NETLAB_EXPECT_PEERS (how many peers the router must see), NETLAB_TIMEOUT.
set -euo pipefail

action=${NETLAB_ACTION:-create}
lib=/usr/local/lib/netlab
self=$lib/weave-overlay.sh
wrapper=/usr/local/bin/weave
upstream=$lib/weave
state=/var/lib/netlab/weave
chain=NETLAB-WEAVE-ISOLATION
# Docker networks netlab creates for the extra subnets carry this label.
net_label=netlab.weave-subnet

log() { echo "[weave $(hostname)] $*" >&2; }

# The Docker network of an extra subnet: 10.32.1.0/24 -> weave-10.32.1.0-24.
net_name() { printf 'weave-%s\n' "${1//\//-}"; }

# Removes every jump to the isolation chain (from DOCKER-USER, or FORWARD where an older
# netlab put it).
remove_jumps() {
    local from
    for from in DOCKER-USER FORWARD; do
        while iptables -C "$from" -j "$chain" 2>/dev/null; do iptables -D "$from" -j "$chain"; done
    done
}

remove_isolation() {
    remove_jumps
    if iptables -S "$chain" >/dev/null 2>&1; then
        iptables -F "$chain"
        iptables -X "$chain"
    fi
}

if [ "$action" = delete ]; then
    # The jobs are stopped before this runs, unless the host that runs the Nomad CLI could not
    # be reached (stopped by hand): then their containers are still on the Weave networks,
    # and they cannot outlive the overlay.
    nets=$(docker network ls -q --filter "label=$net_label" 2>/dev/null || true)
    for n in $nets $(docker network ls -q --filter name=^weave$ 2>/dev/null || true); do
        attached=$(docker network inspect -f '{{range $id, $c := .Containers}}{{$id}} {{end}}' "$n" 2>/dev/null || true)
        if [ -n "${attached// /}" ]; then
            log "removing containers still on network $n: $attached"
            # shellcheck disable=SC2086
            docker rm -f $attached >/dev/null
        fi
    done
    for n in $nets; do
        docker network rm "$n" >/dev/null
    done
    if [ -x "$wrapper" ] && [ -x "$upstream" ]; then
        "$wrapper" reset --force >/dev/null
    fi
    remove_isolation
    # `weave reset` leaves its iptables canary chains, its socket directory and what
    # `weave launch` installed for CNI.
    for t in filter nat mangle; do
        if iptables -t "$t" -S WEAVE-CANARY >/dev/null 2>&1; then
            iptables -t "$t" -F WEAVE-CANARY
            iptables -t "$t" -X WEAVE-CANARY
        fi
    done
    rm -rf /var/run/weave
    rm -f /opt/cni/bin/weave-net /opt/cni/bin/weave-ipam /opt/cni/bin/weave-plugin-* /etc/cni/net.d/10-weave.conflist
    rmdir /opt/cni/bin /opt/cni /etc/cni/net.d /etc/cni 2>/dev/null || true
    # Docker made docker_gwbridge for the containers on Weave's networks (they have no gateway).
    if docker network inspect docker_gwbridge >/dev/null 2>&1 &&
        [ "$(docker network inspect -f '{{len .Containers}}' docker_gwbridge)" = 0 ]; then
        docker network rm docker_gwbridge >/dev/null
    fi
    remove_unit netlab-weave-overlay.service
    for ref in ${NETLAB_IMAGE_REFS:-}; do
        docker image rm "$ref" >/dev/null 2>&1 || true
    done
    rm -rf "$state" "$self" "$wrapper"
    echo "weave removed from $(hostname)"
    exit 0
fi

: "${NETLAB_VERSION:?}" "${NETLAB_IPALLOC_RANGE:?}" "${NETLAB_DEFAULT_SUBNET:?}" "${NETLAB_EXPECT_PEERS:?}"
timeout=${NETLAB_TIMEOUT:-120}
read -ra subnets <<<"${NETLAB_SUBNETS:-}"

# Upstream's script (pushed by the program) behind a wrapper with the settings netlab runs it
# with, so `weave status` and the seed's commands work on the host as they are.
write_wrapper() {
    [ -x "$upstream" ] || { log "$upstream is missing (the program pushes it)"; exit 1; }
    cat > "$wrapper.netlab-tmp" <<EOF
#!/bin/sh
# netlab: Weave Net's weave script ($upstream, $NETLAB_VERSION) with netlab's settings:
# images from the local engine (loaded by netlab, never pulled), no version check, sleeve
# when this kernel has no fast datapath, and Weave's containers in the host's capability form.
export DOCKERHUB_USER=localhost/netlab WEAVE_VERSION=$NETLAB_VERSION CHECKPOINT_DISABLE=1
$(if [ -f "$state/no-fastdp" ]; then echo "export WEAVE_NO_FASTDP=1"; fi)
$(if [ -n "${NETLAB_PRIVILEGE_ARGS:-}" ]; then printf 'export WEAVE_PRIVILEGE_ARGS=%q\n' "$NETLAB_PRIVILEGE_ARGS"; fi)
$(if [ -n "${NETLAB_PRIVILEGE_ARGS:-}" ]; then echo "export WEAVE_DOCKER_ARGS='-v /proc:/host/proc'"; fi)
exec $upstream "\$@"
EOF
    chmod 0755 "$wrapper.netlab-tmp"
    mv -f "$wrapper.netlab-tmp" "$wrapper"
}

running() { [ "$(docker inspect -f '{{.State.Running}}' weave 2>/dev/null)" = true ]; }

launch_router() {
    if docker inspect weave >/dev/null 2>&1; then
        "$wrapper" stop >/dev/null 2>&1 || true
        docker rm -f weave >/dev/null 2>&1 || true
    fi
    # shellcheck disable=SC2086
    "$wrapper" "${launch[@]}" ${NETLAB_PEERS:-} >/dev/null 2>"$state/launch.err"
}

# Prints why the router does not use the fast datapath, if its log says it does not.
fastdp_refused() {
    local logs
    logs=$(docker logs weave 2>&1 || true)
    if grep -q 'Bridge type is bridge$' <<<"$logs"; then
        sed -n 's/.*Skipping bridge creation of "bridged_fastdp" due to: [: ]*//p' <<<"$logs" | head -1
    elif grep -q 'Existing bridge type "bridge" is different than requested "bridged_fastdp"' <<<"$logs"; then
        echo "a sleeve bridge is already there"
    else
        return 1
    fi
}

wait_router() {
    if ! try_until "$timeout" "the router to answer" "$wrapper" status; then
        docker logs --tail 20 weave >&2 || true
        die "the router does not answer after ${timeout}s"
    fi
}

reapply() {
    wait_router
    # Peers: `connect --replace` sets the list without a restart.
    # shellcheck disable=SC2086
    "$wrapper" connect --replace ${NETLAB_PEERS:-} >/dev/null
    local s n
    for s in "$NETLAB_DEFAULT_SUBNET" "${subnets[@]}"; do
        # An address comes from Weave's IPAM, which waits for a quorum of the peers.
        timeout "$timeout" "$wrapper" expose "net:$s" >/dev/null ||
            { log "weave expose net:$s: no address within ${timeout}s (are the other hosts' routers up? weave status ipam)"; exit 1; }
    done
    for s in "${subnets[@]}"; do
        n=$(net_name "$s")
        if ! docker network inspect "$n" >/dev/null 2>&1; then
            docker network create --driver weavemesh --ipam-driver weavemesh --subnet "$s" \
                --label "$net_label=$s" "$n" >/dev/null
        fi
    done
    # Subnets no longer in use: their networks go (they are empty by now), their addresses hidden.
    for n in $(docker network ls --filter "label=$net_label" --format '{{.Name}}'); do
        s=$(docker network inspect -f "{{index .Labels \"$net_label\"}}" "$n")
        if [[ " ${subnets[*]} " != *" $s "* ]]; then
            docker network rm "$n" >/dev/null
            "$wrapper" hide "net:$s" >/dev/null || true
        fi
    done
    # Isolation on the forwarding path: with several subnets exposed and forwarding on, the
    # host routes from one subnet to the other (a container's default route leads to the
    # host through docker_gwbridge). Nothing may be forwarded into a subnet from outside it;
    # the host's own traffic (OUTPUT) still reaches every subnet, and traffic inside a subnet
    # is bridged with its source in the subnet.
    iptables -N "$chain" 2>/dev/null || iptables -F "$chain"
    for s in "$NETLAB_DEFAULT_SUBNET" "${subnets[@]}"; do
        iptables -A "$chain" -o weave -d "$s" ! -s "$s" -j REJECT --reject-with icmp-admin-prohibited \
            -m comment --comment "netlab: only $s reaches $s"
    done
    # Jumped to first from FORWARD and first from DOCKER-USER. Both Weave and Docker insert
    # ACCEPT rules at the top of FORWARD (Weave when its router starts, e.g. after a reboot:
    # then WEAVE-EXPOSE accepts anything for an exposed subnet; Docker when it makes a network,
    # e.g. docker_gwbridge for the first container on a Weave network, and it puts its
    # DOCKER-USER jump back on top then). The router is up when this runs, and whatever
    # Docker does later leaves DOCKER-USER first.
    iptables -N DOCKER-USER 2>/dev/null || true
    if [ "$(iptables -S DOCKER-USER | sed -n 2p)" != "-A DOCKER-USER -j $chain" ] ||
        [ "$(iptables -S FORWARD | sed -n 2p)" != "-A FORWARD -j $chain" ]; then
        remove_jumps
        iptables -I DOCKER-USER 1 -j "$chain"
        iptables -I FORWARD 1 -j "$chain"
    fi
}

if [ "$action" = reapply ]; then
    reapply
    exit 0
fi

install -d -m 0700 "$state"
# The images, when one of them is missing.
for ref in ${NETLAB_IMAGE_REFS:-}; do
    if ! docker image inspect "$ref" >/dev/null 2>&1; then
        log "loading $NETLAB_IMAGES_TAR"
        docker load -i "${NETLAB_IMAGES_TAR:?}" >/dev/null
        break
    fi
done

# The launch: what it depends on. A change of any of it relaunches the router (the program
# replaces this step then, so the step's delete has reset the host first).
spec=$(printf '%s\n' "$NETLAB_VERSION" "$NETLAB_IPALLOC_RANGE" "$NETLAB_DEFAULT_SUBNET" "${NETLAB_MTU:-}" \
    "${NETLAB_PASSWORD:-}" "${NETLAB_PRIVILEGE_ARGS:-}" | sha256sum | cut -d' ' -f1)
write_wrapper
if ! running || [ "$(cat "$state/launch.spec" 2>/dev/null || true)" != "$spec" ]; then
    launch=(launch --no-dns --ipalloc-range "$NETLAB_IPALLOC_RANGE" --ipalloc-default-subnet "$NETLAB_DEFAULT_SUBNET")
    [ -z "${NETLAB_PRIVILEGE_ARGS:-}" ] || launch+=(--proc-path /host/proc)
    export WEAVE_MTU=${NETLAB_MTU:-} WEAVE_PASSWORD=${NETLAB_PASSWORD:-}
    [ -n "$WEAVE_MTU" ] || unset WEAVE_MTU
    [ -n "$WEAVE_PASSWORD" ] || unset WEAVE_PASSWORD
    log "launching the router (peers: ${NETLAB_PEERS:-none})"
    ok=true
    launch_router || ok=false
    # Weave tries the fast datapath first. Where the kernel has none (no openvswitch) it
    # falls back to sleeve, but a restarted router (a reboot) would try fastdp again and
    # refuse the existing plain bridge: relaunch once with --no-fastdp, remembered here.
    if [ ! -f "$state/no-fastdp" ] && why=$(fastdp_refused); then
        printf 'no fast datapath (%s)\n' "$why" > "$state/no-fastdp"
        log "$(cat "$state/no-fastdp"): relaunching with --no-fastdp"
        write_wrapper
        ok=true
        launch_router || ok=false
    fi
    if ! $ok; then
        docker logs --tail 15 weave >&2 || true
        cat "$state/launch.err" >&2 || true
        log "weave launch failed"
        exit 1
    fi
    wait_router
    unset WEAVE_MTU WEAVE_PASSWORD
    printf '%s\n' "$spec" > "$state/launch.spec"
fi
reapply

# The unit that reapplies after a reboot: this script, installed by the program as $self.
install_unit netlab-weave-overlay.service <<EOF
[Unit]
Description=netlab: Weave exposes, subnet networks and isolation rules (host-scripts/weave-overlay.sh)
After=docker.service
Requires=docker.service

[Service]
Type=oneshot
RemainAfterExit=yes
Environment=NETLAB_ACTION=reapply
ExecStart=/bin/bash $self

[Install]
WantedBy=multi-user.target
EOF

# The data path: wait until the router is connected to every peer, then report it.
conns=0
connected() {
    conns=$("$wrapper" status connections 2>/dev/null | grep -c ' established ' || true)
    [ "$conns" -ge $((NETLAB_EXPECT_PEERS - 1)) ]
}
if ! try_until "$timeout" "connections to $((NETLAB_EXPECT_PEERS - 1)) peers" connected; then
    "$wrapper" status connections >&2 || true
    die "$conns of $((NETLAB_EXPECT_PEERS - 1)) peers connected after ${timeout}s"
fi
# (`weave status` answers through `docker run -t`: CRLF line ends.)
encryption=$("$wrapper" status | tr -d '\r' | awk '$1 == "Encryption:" { print $2 }')
"$wrapper" status connections | tr -d '\r' | awk -v host="$(hostname)" -v enc="$encryption" -v why="$(cat "$state/no-fastdp" 2>/dev/null || true)" '
    $3 == "established" {
        # -> 192.168.56.5:6783  established sleeve 3a:54:...(u3) mtu=1438
        # -> 192.168.56.5:6783  established encrypted   sleeve 3a:54:...(u3) encrypted=truemtu=1414
        # (encrypted: Weave prints its two flags run together; the encryption is reported apart)
        mode = ""; peer = ""; mtu = "null"
        for (i = 4; i <= NF; i++) {
            if (match($i, /mtu=[0-9]+/)) { mtu = substr($i, RSTART + 4, RLENGTH - 4) }
            else if ($i ~ /[(].*[)]$/) { peer = $i; sub(/^.*[(]/, "", peer); sub(/[)]$/, "", peer) }
            else if ($i != "encrypted" && $i !~ /^encrypted=/) { mode = mode (mode == "" ? "" : " ") $i }
        }
        conns = conns sep sprintf("{\"peer\":\"%s\",\"mode\":\"%s\",\"mtu\":%s}", peer, mode, mtu); sep = ","
    }
    END { printf "{\"host\":\"%s\",\"encryption\":\"%s\",\"fastdp\":\"%s\",\"connections\":[%s]}\n", host, enc, why, conns }'
