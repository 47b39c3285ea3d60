# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by commands/toolchain.sh
# The local Docker engine the image targets need (sourced by commands/toolchain.sh).

# Starts dockerd (as root) when no engine answers, else says how to start one.
ensure_docker() {
    command -v docker >/dev/null 2>&1 || die "the docker CLI is missing (Debian: apt-get install -y docker.io)"
    docker info >/dev/null 2>&1 && return
    if ! command -v dockerd >/dev/null 2>&1 || [ "$(id -u)" -ne 0 ]; then
        die "no Docker engine answers and this script cannot start one: start Docker (systemctl start docker, or dockerd as root)"
    fi
    log "no Docker engine answers: starting dockerd (log: $cache/dockerd.log)"
    nohup dockerd >"$cache/dockerd.log" 2>&1 &
    local i
    for i in $(seq 1 30); do
        docker info >/dev/null 2>&1 && return
        sleep 1
        [ "$i" -lt 30 ] || die "dockerd did not answer within 30 s (see $cache/dockerd.log)"
    done
}

# Target docker-engine: just the engine (commands/lab.sh runs it before a docker-mode lab).
recipe_docker_engine() {
    ensure_docker
}
