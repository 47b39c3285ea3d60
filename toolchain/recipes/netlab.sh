# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by commands/toolchain.sh
# netlab's own parts: the sample service, the pod sandbox's pause program, the base image.

# The lab's sample service, from this repo (standard library only: no proxy needed).
recipe_httpbackend() {
    local fp out=$artifacts/httpbackend
    fp=$(fingerprint "$root/workloads/httpbackend")
    up_to_date httpbackend "$fp" "$out" && { log "httpbackend: up to date"; return; }
    need_go
    (cd "$root/workloads/httpbackend" && CGO_ENABLED=0 go build -trimpath -o "$out" -ldflags "-s -w" .) ||
        die "httpbackend: go build failed in workloads/httpbackend"
    stamp httpbackend "$fp"
}

# netlab's own pause program (the pod sandbox's PID 1), from this repo: standard library only.
recipe_pause() {
    local fp out=$artifacts/pause/pause
    fp=$(fingerprint "$root/toolchain/pause")
    up_to_date pause "$fp" "$out" && { log "pause $PAUSE_VERSION: up to date"; return; }
    mkdir -p "$artifacts/pause"
    need_go
    (cd "$root/toolchain/pause" && CGO_ENABLED=0 go build -trimpath -o "$out" -ldflags "-s -w -X main.Version=$PAUSE_VERSION" .) ||
        die "pause: go build failed in toolchain/pause"
    stamp pause "$fp"
}

# The local base image (debootstrap from the Debian mirror; built once, kept).
recipe_base_image() {
    ensure_docker
    bash "$root/images/base/build-base-image.sh"
}
