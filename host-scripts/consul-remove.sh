#!/usr/bin/env bash
# Stops and removes the Consul agent netlab installed: unit, config, data, user.
# Safe to re-run (and on a host where it was never installed).
set -euo pipefail

systemctl disable --now consul.service >/dev/null 2>&1 || true
rm -f /etc/systemd/system/consul.service
systemctl daemon-reload
rm -rf /etc/consul.d /var/lib/consul
if id -u consul >/dev/null 2>&1; then
    userdel consul
fi
echo "consul removed from $(hostname)"
