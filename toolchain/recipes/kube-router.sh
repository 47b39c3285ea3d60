# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by commands/toolchain.sh
# kube-router 2.x from its release archive (NETLAB_SOURCE_MIRROR: the module proxy refuses its
# /v2 module after v2.1.0). Its go.mod pins a pseudo-version of vishvananda/netlink that the
# proxy refuses as well: the build replaces it with that commit's archive, from the mirror.
# Static, as upstream's Makefile builds it; the version is stamped in (there is no build date:
# the archive does not carry the release's commit time).
recipe_kube_router() {
    local fp work src netlink out=$artifacts/kube-router/kube-router mod=github.com/cloudnativelabs/kube-router/v2
    fp=$(fingerprint "${BASH_SOURCE[0]}")
    up_to_date kube-router "$fp" "$out" && { log "kube-router: up to date"; return; }
    work=$(fresh_work kube-router)
    src=$(unpack_source "$work" cloudnativelabs/kube-router "refs/tags/v$KUBE_ROUTER_VERSION" "$KUBE_ROUTER_SHA256")
    netlink=$(unpack_source "$work" vishvananda/netlink "$KUBE_ROUTER_NETLINK_COMMIT" "$KUBE_ROUTER_NETLINK_SHA256")
    grep -q "github.com/vishvananda/netlink v[^ ]*-${KUBE_ROUTER_NETLINK_COMMIT:0:12}\$" "$src/go.mod" ||
        die "kube-router: its go.mod no longer pins vishvananda/netlink at ${KUBE_ROUTER_NETLINK_COMMIT:0:12}: update KUBE_ROUTER_NETLINK_* in toolchain/versions.env"
    (cd "$src" && go mod edit -replace "github.com/vishvananda/netlink=$netlink") || die "kube-router: go mod edit failed in $src"
    # The replaced module is not in go.sum: let the build record it (the proxy serves everything else).
    (cd "$src" && go mod download -x >"$work/download.log" 2>&1 && go mod tidy -e >>"$work/download.log" 2>&1) ||
        { tail -20 "$work/download.log" >&2; die "kube-router: resolving modules failed (see $work/download.log)"; }
    go_build_in "$src" "$out" ./cmd/kube-router "-X $mod/pkg/version.Version=v$KUBE_ROUTER_VERSION"
    stamp kube-router "$fp"
    rm -rf "$work"
}
