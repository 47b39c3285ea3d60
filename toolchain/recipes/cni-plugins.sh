# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by scripts/toolchain.sh
# The CNI plugins the lab's nodes get in /opt/cni/bin: four from CNI_PLUGINS_VERSION, and
# flannel's meta-plugin from CNI_FLANNEL_PLUGIN_VERSION (nested wrapper cni-plugins/flannel).
recipe_cni_plugins() {
    local dir=$artifacts/cni fp p outs=() bv=github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion
    local pkg=github.com/containernetworking/plugins/plugins
    for p in bridge host-local loopback portmap flannel; do outs+=("$dir/$p"); done
    fp=$(fingerprint "$root/toolchain/wrappers/cni-plugins")
    up_to_date cni-plugins "$fp" "${outs[@]}" && { log "cni-plugins: up to date"; return; }
    build_wrapper cni-plugins "$dir/bridge" "$pkg/main/bridge" "-X $bv=v$CNI_PLUGINS_VERSION"
    go_build cni-plugins "$dir/host-local" "$pkg/ipam/host-local" "-X $bv=v$CNI_PLUGINS_VERSION"
    go_build cni-plugins "$dir/loopback" "$pkg/main/loopback" "-X $bv=v$CNI_PLUGINS_VERSION"
    go_build cni-plugins "$dir/portmap" "$pkg/meta/portmap" "-X $bv=v$CNI_PLUGINS_VERSION"
    build_wrapper cni-plugins/flannel "$dir/flannel" "$pkg/meta/flannel" "-X $bv=v$CNI_FLANNEL_PLUGIN_VERSION"
    stamp cni-plugins "$fp"
}
