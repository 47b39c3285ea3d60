#!/usr/bin/env bash
# Stops and removes an agent netlab installed with agent-install.sh: unit, config, data and
# its system user. Safe to re-run, and on a host where it was never installed.
# Inputs (rendered in): NETLAB_AGENT, NETLAB_USER.
set -euo pipefail

: "${NETLAB_AGENT:?}" "${NETLAB_USER:?}"
agent=$NETLAB_AGENT
systemctl disable --now "$agent.service" >/dev/null 2>&1 || true
rm -f "/etc/systemd/system/$agent.service"
systemctl daemon-reload
# Nomad leaves task mounts under its data dir: unmount them before removing it.
if [ -d "/var/lib/$agent" ]; then
    grep -o " /var/lib/$agent/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
fi
rm -rf "/etc/$agent.d" "/var/lib/$agent"
if [ "$NETLAB_USER" != root ] && id -u "$NETLAB_USER" >/dev/null 2>&1; then
    userdel "$NETLAB_USER"
fi
echo "$agent removed from $(hostname)"
