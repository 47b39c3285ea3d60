# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by scripts/toolchain.sh
# kube-router: its "build date" is the release's commit time, so that rebuilds are identical.
# gobgp v3.14.0, which it requires, is missing from the checksum database: skip the lookup
# for it (the proxy still serves it; go.sum records what was fetched).
recipe_kube_router() {
    local fp date mod=github.com/cloudnativelabs/kube-router
    fp=$(fingerprint "$root/toolchain/wrappers/kube-router")
    up_to_date kube-router "$fp" "$artifacts/kube-router/kube-router" && { log "kube-router: up to date"; return; }
    date=$(cd / && go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' "$mod@v$KUBE_ROUTER_VERSION") ||
        die "kube-router: cannot look up $mod@v$KUBE_ROUTER_VERSION (is GOPROXY reachable?)"
    GONOSUMDB=${GONOSUMDB:+$GONOSUMDB,}github.com/osrg/gobgp build_wrapped kube-router kube-router \
        "-X $mod/pkg/version.Version=v$KUBE_ROUTER_VERSION -X $mod/pkg/version.BuildDate=$date" \
        kube-router=$mod/cmd/kube-router
}
