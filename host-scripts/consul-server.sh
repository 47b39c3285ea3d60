#!/usr/bin/env bash
# Installs and starts a Consul server agent under systemd (seed 002: three servers,
# bootstrap-expect, UI, DNS on 8600, client API on 0.0.0.0), joined to its peers by
# retry-join and gossip-encrypted. Needs /usr/local/bin/consul (HostArtifacts puts it
# there). Safe to re-run: rewrites the config and restarts only when it changed.
# Inputs (rendered in): NETLAB_NODE, NETLAB_BIND, NETLAB_PEERS (space-separated lab
# addresses of the other servers), NETLAB_EXPECT, NETLAB_DC, NETLAB_GOSSIP_KEY.
set -euo pipefail

: "${NETLAB_NODE:?}" "${NETLAB_BIND:?}" "${NETLAB_EXPECT:?}" "${NETLAB_DC:?}" "${NETLAB_GOSSIP_KEY:?}"
peers=${NETLAB_PEERS:-}
[ -x /usr/local/bin/consul ] || { echo "consul-server: /usr/local/bin/consul is missing" >&2; exit 1; }

id -u consul >/dev/null 2>&1 || useradd --system --home-dir /var/lib/consul --shell /usr/sbin/nologin consul
install -d -o consul -g consul -m 0750 /var/lib/consul
install -d -o root -g consul -m 0750 /etc/consul.d

join=""
for p in $peers; do
    join+="\"$p\", "
done
config=$(cat <<HCL
# Written by netlab (host-scripts/consul-server.sh).
node_name        = "$NETLAB_NODE"
datacenter       = "$NETLAB_DC"
data_dir         = "/var/lib/consul"
server           = true
bootstrap_expect = $NETLAB_EXPECT
bind_addr        = "$NETLAB_BIND"
advertise_addr   = "$NETLAB_BIND"
client_addr      = "0.0.0.0"
retry_join       = [${join%, }]
encrypt          = "$NETLAB_GOSSIP_KEY"
ui_config {
  enabled = true
}
ports {
  dns = 8600
}
HCL
)
unit=$(cat <<'UNIT'
[Unit]
Description=Consul agent (netlab)
Wants=network-online.target
After=network-online.target

[Service]
User=consul
Group=consul
ExecStart=/usr/local/bin/consul agent -config-dir=/etc/consul.d
ExecReload=/bin/kill -HUP $MAINPID
KillSignal=SIGINT
Restart=on-failure
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
UNIT
)

changed=false
write_if_changed() { # FILE MODE OWNER:GROUP CONTENT
    if [ ! -f "$1" ] || [ "$(cat "$1")" != "$4" ]; then
        printf '%s\n' "$4" > "$1.netlab-tmp"
        chmod "$2" "$1.netlab-tmp"
        chown "$3" "$1.netlab-tmp"
        mv -f "$1.netlab-tmp" "$1"
        changed=true
    fi
}
write_if_changed /etc/consul.d/consul.hcl 0640 root:consul "$config"
write_if_changed /etc/systemd/system/consul.service 0644 root:root "$unit"
consul validate /etc/consul.d >/dev/null

systemctl daemon-reload
systemctl enable consul.service >/dev/null 2>&1
if [ "$changed" = true ]; then
    systemctl restart consul.service
else
    systemctl start consul.service
fi
for _ in $(seq 1 30); do
    consul info >/dev/null 2>&1 && break
    sleep 1
done
consul info >/dev/null 2>&1 || { journalctl -u consul --no-pager -n 30 >&2 || true; echo "consul-server: the agent on $NETLAB_NODE does not answer" >&2; exit 1; }
echo "consul $NETLAB_NODE: agent running, config $(sha256sum /etc/consul.d/consul.hcl | cut -c1-12)"
