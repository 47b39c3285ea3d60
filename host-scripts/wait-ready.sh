#!/usr/bin/env bash
# Readiness gate, run on each lab host over SSH before any other step: waits until systemd
# has finished booting and (when NETLAB_NEED_DOCKER=true) the Docker engine answers, then
# prints one line describing the host. Read-only, so safe to re-run.
# Inputs (rendered in by lib/scripts.ts): NETLAB_HOST, NETLAB_TIMEOUT, NETLAB_NEED_DOCKER.
set -euo pipefail

: "${NETLAB_HOST:?rendered by the program}"
timeout=${NETLAB_TIMEOUT:-180}
need_docker=${NETLAB_NEED_DOCKER:-true}

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    sudo -n true 2>/dev/null || { echo "$NETLAB_HOST: user $(id -un) is not root and has no password-less sudo" >&2; exit 1; }
    sudo_cmd=(sudo -n)
fi

deadline=$((SECONDS + timeout))
state=unknown
booted() {
    state=$(systemctl is-system-running 2>/dev/null || true)
    case "$state" in
        running|degraded) ;;
        *) return 1 ;;
    esac
}
if ! try_until "$timeout" "systemd on $NETLAB_HOST to finish booting" booted; then
    log "$NETLAB_HOST: systemd is '$state' after ${timeout}s"
    systemctl list-jobs >&2 || true
    exit 1
fi

docker_version=none
docker_answers() { docker_version=$("${sudo_cmd[@]}" docker version --format '{{.Server.Version}}'); }
# (Within the same deadline.)
if [ "$need_docker" = true ] && ! try_until "$((deadline - SECONDS))" "the Docker engine on $NETLAB_HOST" docker_answers; then
    log "$NETLAB_HOST: the Docker engine did not answer within ${timeout}s"
    "${sudo_cmd[@]}" systemctl status docker --no-pager >&2 || true
    exit 1
fi

echo "host=$NETLAB_HOST hostname=$(hostname) systemd=$state docker=$docker_version kernel=$(uname -r)"
