#!/usr/bin/env bash
# Makes this host resolve *.consul through the local Consul agent (DNS on 8600) while every
# other name still goes where it went before:
#   - with systemd-resolved: a drop-in sending only the ~consul domain to 127.0.0.1:8600;
#   - without it: Consul recurses to the host's original name servers, /etc/resolv.conf
#     points at 127.0.0.1, and iptables redirects 127.0.0.1:53 to Consul's 8600.
# Safe to re-run. A restart loses the redirect and Docker rewrites /etc/resolv.conf, so the
# program installs this script as /usr/local/lib/netlab/consul-dns.sh with a systemd unit
# (netlab-consul-dns.service) that runs it again at every boot, after Consul.
# NETLAB_ACTION=delete restores what it changed and removes the unit and the script.
set -euo pipefail

# Inputs (rendered in): NETLAB_ACTION (create or delete; default create), NETLAB_TIMEOUT
# (seconds to wait for *.consul to resolve; default 30; the unit waits longer: after a
# restart of every host the servers elect a leader first).
action=${NETLAB_ACTION:-create}
timeout=${NETLAB_TIMEOUT:-30}
orig=/etc/resolv.conf.netlab-orig
dropin=/etc/systemd/resolved.conf.d/netlab-consul.conf
recursors=/etc/consul.d/netlab-dns.hcl
self=/usr/local/lib/netlab/consul-dns.sh

redirect() { # -A|-D|-C PROTO
    iptables -t nat "$1" OUTPUT -d 127.0.0.1/32 -p "$2" --dport 53 -j REDIRECT --to-ports 8600 \
        -m comment --comment netlab-consul-dns
}

if [ "$action" = delete ]; then
    remove_unit netlab-consul-dns.service
    rm -f "$self"
    if [ -f "$dropin" ]; then
        rm -f "$dropin"
        systemctl restart systemd-resolved
    fi
    for proto in udp tcp; do
        while redirect -C "$proto" 2>/dev/null; do redirect -D "$proto"; done
    done
    if [ -f "$orig" ]; then
        cat "$orig" > /etc/resolv.conf   # in place: it may be a bind mount
        rm -f "$orig"
    fi
    rm -f "$recursors"
    echo "consul DNS removed from $(hostname)"
    exit 0
fi

if systemctl is-active --quiet systemd-resolved; then
    install -d /etc/systemd/resolved.conf.d
    if write_if_changed "$dropin" <<<$'[Resolve]\nDNS=127.0.0.1:8600\nDNSSEC=false\nDomains=~consul'; then
        systemctl restart systemd-resolved
    fi
else
    [ -f "$orig" ] || cp /etc/resolv.conf "$orig"
    upstream=$(awk '$1 == "nameserver" && $2 != "127.0.0.1" { printf "%s\"%s\"", sep, $2; sep = ", " }' "$orig")
    [ -n "$upstream" ] || die "no upstream name server in $orig"
    if write_if_changed "$recursors" 0640 root:consul <<<"recursors = [$upstream]"; then
        systemctl restart consul
    fi
    for proto in udp tcp; do
        redirect -C "$proto" 2>/dev/null || redirect -A "$proto"
    done
    { echo "nameserver 127.0.0.1"; grep -v '^nameserver' "$orig" || true; } > /etc/resolv.conf.netlab-new
    cat /etc/resolv.conf.netlab-new > /etc/resolv.conf   # in place: it may be a bind mount
    rm -f /etc/resolv.conf.netlab-new
fi

# The unit that puts it back at boot (this script, installed by the program as $self).
if [ -f "$self" ]; then
    install_unit netlab-consul-dns.service <<EOF
[Unit]
Description=netlab: *.consul through the local Consul agent (host-scripts/consul-dns.sh)
After=consul.service network-online.target
Wants=consul.service

[Service]
Type=oneshot
RemainAfterExit=yes
Environment=NETLAB_TIMEOUT=300
ExecStart=/bin/bash $self

[Install]
WantedBy=multi-user.target
EOF
fi

wait_until "$timeout" "consul.service.consul to resolve on $(hostname)" getent hosts consul.service.consul
echo "$(hostname): *.consul via Consul, consul.service.consul -> $(getent hosts consul.service.consul | awk '{print $1}' | sort | tr '\n' ' ')"
