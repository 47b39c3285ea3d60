#!/usr/bin/env bash
# Copies one file from the machine running Pulumi to a lab host (air-gapped artifacts:
# binaries built by commands/toolchain.sh instead of upstream downloads), installs it
# atomically and checks its sha256 on the host. With NETLAB_ACTION=delete it removes it.
# Safe to re-run. Inputs (environment, set by components/artifacts.ts):
#   docker hosts: NETLAB_CONTAINER (the host's container, reached with `docker exec`);
#   ssh hosts: NETLAB_SSH_HOST NETLAB_SSH_PORT NETLAB_SSH_USER NETLAB_SSH_KEY (the private key itself)
#   NETLAB_SSH_KNOWN_HOSTS (the host's pinned key as a known_hosts line: checked, never learned);
#   NETLAB_SRC (local file) NETLAB_DEST (absolute path on the host) NETLAB_SHA256 NETLAB_MODE (e.g. 0755)
set -euo pipefail

: "${NETLAB_DEST:?}"
action=${NETLAB_ACTION:-create}
sudo_prefix=""
dest_q=$(printf '%q' "$NETLAB_DEST")
if [ -n "${NETLAB_CONTAINER:-}" ]; then
    where=$NETLAB_CONTAINER
    # Runs a command line on the host; it is composed (and quoted) here, on purpose.
    remote() { docker exec -i "$NETLAB_CONTAINER" sh -c "$1"; }
    reachable() { [ "$(docker inspect -f '{{.State.Running}}' "$NETLAB_CONTAINER" 2>/dev/null)" = true ]; }
else
    : "${NETLAB_SSH_HOST:?}" "${NETLAB_SSH_PORT:?}" "${NETLAB_SSH_USER:?}" "${NETLAB_SSH_KEY:?}" "${NETLAB_SSH_KNOWN_HOSTS:?}"
    keydir=$(mktemp -d)
    trap 'rm -rf "$keydir"' EXIT
    printf '%s\n' "$NETLAB_SSH_KEY" > "$keydir/key"
    chmod 600 "$keydir/key"
    printf '%s\n' "$NETLAB_SSH_KNOWN_HOSTS" > "$keydir/known_hosts"
    ssh_opts=(-i "$keydir/key" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes
        -o UserKnownHostsFile="$keydir/known_hosts" -o LogLevel=ERROR -o ConnectTimeout=15 -p "$NETLAB_SSH_PORT")
    target="$NETLAB_SSH_USER@$NETLAB_SSH_HOST"
    where=$NETLAB_SSH_HOST:$NETLAB_SSH_PORT
    [ "$NETLAB_SSH_USER" = root ] || sudo_prefix="sudo -n"
    remote() {
        # shellcheck disable=SC2029
        ssh "${ssh_opts[@]}" "$target" "$1"
    }
    reachable() { remote true 2>/dev/null; }
fi

if [ "$action" = delete ]; then
    # The host may already be gone (its container destroyed): nothing left to remove then.
    if reachable; then
        remote "$sudo_prefix rm -f $dest_q"
    fi
    exit 0
fi

: "${NETLAB_SRC:?}" "${NETLAB_SHA256:?}"
mode=${NETLAB_MODE:-0755}
[ -f "$NETLAB_SRC" ] || { echo "push-artifact: $NETLAB_SRC does not exist (build it with: npm run toolchain)" >&2; exit 1; }
tmp_q=$(printf '%q' "$NETLAB_DEST.netlab-tmp")
remote "set -e; $sudo_prefix install -d \"\$(dirname $dest_q)\"; $sudo_prefix tee $tmp_q >/dev/null; $sudo_prefix chmod $mode $tmp_q; $sudo_prefix mv -f $tmp_q $dest_q" < "$NETLAB_SRC"
got=$(remote "$sudo_prefix sha256sum $dest_q" | cut -d' ' -f1)
if [ "$got" != "$NETLAB_SHA256" ]; then
    echo "push-artifact: $NETLAB_DEST on $where has sha256 $got, expected $NETLAB_SHA256" >&2
    exit 1
fi
echo "$NETLAB_DEST sha256=$got"
