# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by commands/toolchain.sh
# flanneld, static: on amd64 upstream links the UDP backend's C proxy (cgo). The build uses a
# copy of flannel's module (a replace in the work dir) in which the proxy's files are dropped
# and wrappers/flannel/udp_network_nocgo.go stands in for udp_network_amd64.go, so choosing
# the "udp" backend reports an error instead; every other backend is untouched.
recipe_flannel() {
    local fp out=$artifacts/flannel/flanneld mod=github.com/flannel-io/flannel work=$cache/work/flannel dir udp
    fp=$(fingerprint "$root/toolchain/wrappers/flannel")
    up_to_date flannel "$fp" "$out" && { log "flannel: up to date"; return; }
    resolve_wrapper flannel
    dir=$(cd "$work" && go list -m -f '{{.Dir}}' "$mod") || die "flannel: cannot locate $mod in the module cache"
    [ -f "$dir/pkg/backend/udp/udp_network_amd64.go" ] || die "flannel: $mod has no pkg/backend/udp/udp_network_amd64.go: update recipe_flannel"
    log "flannel: building from a copy without the UDP backend's C proxy"
    cp -R "$dir" "$work/flannel-src"
    chmod -R u+w "$work/flannel-src"
    udp=$work/flannel-src/pkg/backend/udp
    rm -f "$udp/cproxy_amd64.go" "$udp/proxy_amd64.c" "$udp/proxy_amd64.h"
    cp "$root/toolchain/wrappers/flannel/udp_network_nocgo.go" "$udp/udp_network_amd64.go"
    (cd "$work" && go mod edit -replace "$mod=./flannel-src") || die "flannel: go mod edit failed in $work"
    go_build flannel "$out" "$mod" "-X $mod/pkg/version.Version=v$FLANNEL_VERSION"
    stamp flannel "$fp"
}
