#!/usr/bin/env bash
# Seed 001's HTTPS path on this host: the TLS server names of the lab's HTTPS workloads
# (NETLAB_NAMES, space-separated: every netlab:workloads[].tls.sni, and canary.<sni> for
# isolated canaries) resolve to this host's own fabio, whose TCP+SNI listener routes them, and
# the stack's lab CA is at /etc/netlab/lab-ca.crt, so that on any host
#   curl --cacert /etc/netlab/lab-ca.crt https://mysite-sni-1.com:9996/
# reaches the workload. The names go into /etc/hosts as lines ending in "# netlab-sni" (in
# place: Docker bind-mounts it into its hosts). Docker writes /etc/hosts anew when a host
# starts, so the program installs this script as /usr/local/lib/netlab/fabio-sni.sh with a unit
# (netlab-fabio-sni.service) that runs it again at every boot. Safe to re-run.
# NETLAB_ACTION=delete removes the names, the CA file, the unit and the script.
# Inputs (rendered in): NETLAB_NAMES, NETLAB_CA (PEM), NETLAB_CA_FILE (where it goes),
# NETLAB_ACTION (create or delete).
set -euo pipefail

: "${NETLAB_CA_FILE:?}"
action=${NETLAB_ACTION:-create}
self=/usr/local/lib/netlab/fabio-sni.sh
ca=$NETLAB_CA_FILE
mark="# netlab-sni"

# /etc/hosts without netlab's names, then the given lines; written only when that changes it.
set_hosts() { # LINES
    local want
    want=$({ grep -v -- " $mark\$" /etc/hosts || true; [ -z "$1" ] || printf '%s\n' "$1"; })
    [ "$want" = "$(cat /etc/hosts)" ] || printf '%s\n' "$want" > /etc/hosts
}

if [ "$action" = delete ]; then
    remove_unit netlab-fabio-sni.service
    set_hosts ""
    rm -f "$ca" "$self"
    echo "$(hostname): TLS server names and lab CA removed"
    exit 0
fi
: "${NETLAB_NAMES:?}" "${NETLAB_CA:?}"

install -d -m 0755 "$(dirname "$ca")"
write_if_changed "$ca" <<<"$NETLAB_CA" || true
lines=""
for n in $NETLAB_NAMES; do
    lines+="127.0.0.1 $n $mark"$'\n'
done
set_hosts "${lines%$'\n'}"

# The unit that puts the names back at boot (this script, installed by the program as $self).
if [ -f "$self" ]; then
    install_unit netlab-fabio-sni.service <<EOF
[Unit]
Description=netlab: the lab's TLS server names to this host's fabio (host-scripts/fabio-sni.sh)
After=network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/bash $self

[Install]
WantedBy=multi-user.target
EOF
fi

for n in $NETLAB_NAMES; do
    [ "$(getent hosts "$n" | awk '{ print $1 }')" = 127.0.0.1 ] ||
        { echo "fabio-sni: $n does not resolve to 127.0.0.1 on $(hostname)" >&2; exit 1; }
done
echo "$(hostname): $NETLAB_NAMES -> fabio at 127.0.0.1; lab CA at $ca"
