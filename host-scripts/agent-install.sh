#!/usr/bin/env bash
# Installs and starts an agent (consul, nomad, fabio) under systemd from a config and a unit
# rendered by the program (lib/agents.ts, lib/fabio.ts). Needs the binary in /usr/local/bin
# (HostArtifacts puts it there). Safe to re-run: rewrites files and restarts only when they
# changed. Inputs (rendered in): NETLAB_AGENT, NETLAB_USER (root or a system user to create),
# NETLAB_CONFIG (agent config), NETLAB_CONFIG_FILE (its name in /etc/<agent>.d; default
# <agent>.hcl), NETLAB_UNIT (systemd unit), NETLAB_HEALTH (a command
# that succeeds once the agent answers), NETLAB_VALIDATE (optional: a command that checks
# the written config before the agent is restarted).
set -euo pipefail

: "${NETLAB_AGENT:?}" "${NETLAB_USER:?}" "${NETLAB_CONFIG:?}" "${NETLAB_UNIT:?}" "${NETLAB_HEALTH:?}"
agent=$NETLAB_AGENT
[ -x "/usr/local/bin/$agent" ] || { echo "$agent: /usr/local/bin/$agent is missing" >&2; exit 1; }

if [ "$NETLAB_USER" != root ] && ! id -u "$NETLAB_USER" >/dev/null 2>&1; then
    useradd --system --home-dir "/var/lib/$agent" --shell /usr/sbin/nologin "$NETLAB_USER"
fi
install -d -o "$NETLAB_USER" -g "$NETLAB_USER" -m 0750 "/var/lib/$agent"
install -d -o root -g "$NETLAB_USER" -m 0750 "/etc/$agent.d"

changed=false
config_file="/etc/$agent.d/${NETLAB_CONFIG_FILE:-$agent.hcl}"
if write_if_changed "$config_file" 0640 "root:$NETLAB_USER" <<<"$NETLAB_CONFIG"; then
    changed=true
fi
if write_if_changed "/etc/systemd/system/$agent.service" 0644 root:root <<<"$NETLAB_UNIT"; then
    changed=true
fi

if [ -n "${NETLAB_VALIDATE:-}" ] && ! out=$(bash -c "$NETLAB_VALIDATE" 2>&1); then
    printf '%s\n' "$out" >&2
    echo "$agent: the config written to /etc/$agent.d does not validate ($NETLAB_VALIDATE)" >&2
    exit 1
fi
systemctl daemon-reload
systemctl enable "$agent.service" >/dev/null 2>&1
if [ "$changed" = true ]; then
    systemctl restart "$agent.service"
else
    systemctl start "$agent.service"
fi
if ! try_until 60 "$agent on $(hostname) to answer ($NETLAB_HEALTH)" bash -c "$NETLAB_HEALTH"; then
    journalctl -u "$agent" --no-pager -n 40 >&2 || true
    die "$agent: the agent on $(hostname) does not answer ($NETLAB_HEALTH)${tried_output:+: $tried_output}"
fi
echo "$agent $(hostname): running, config $(sha256sum "$config_file" | cut -c1-12)"
