# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by commands/toolchain.sh
# The CNI plugins the lab's nodes get in /opt/cni/bin: four from containernetworking/plugins
# CNI_PLUGINS_VERSION (wrapper cni-plugins), and flannel's meta-plugin from flannel-io/cni-plugin
# CNI_FLANNEL_PLUGIN_VERSION, the one today's flannel releases ship, from its release archive
# (NETLAB_SOURCE_MIRROR: the module proxy refuses it), static with upstream's build tags.
recipe_cni_plugins() {
    local dir=$artifacts/cni fp p outs=() work src bv=github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion
    local pkg=github.com/containernetworking/plugins/plugins
    for p in bridge host-local loopback portmap flannel; do outs+=("$dir/$p"); done
    fp=$(fingerprint "$root/toolchain/wrappers/cni-plugins" "${BASH_SOURCE[0]}")
    up_to_date cni-plugins "$fp" "${outs[@]}" && { log "cni-plugins: up to date"; return; }
    build_wrapper cni-plugins "$dir/bridge" "$pkg/main/bridge" "-X $bv=v$CNI_PLUGINS_VERSION"
    go_build cni-plugins "$dir/host-local" "$pkg/ipam/host-local" "-X $bv=v$CNI_PLUGINS_VERSION"
    go_build cni-plugins "$dir/loopback" "$pkg/main/loopback" "-X $bv=v$CNI_PLUGINS_VERSION"
    go_build cni-plugins "$dir/portmap" "$pkg/meta/portmap" "-X $bv=v$CNI_PLUGINS_VERSION"
    work=$(fresh_work cni-flannel)
    src=$(unpack_source "$work" flannel-io/cni-plugin "refs/tags/v$CNI_FLANNEL_PLUGIN_VERSION" "$CNI_FLANNEL_PLUGIN_SHA256")
    go_build_in "$src" "$dir/flannel" . "-X main.Version=v$CNI_FLANNEL_PLUGIN_VERSION -X main.Program=flannel" \
        -tags "netgo osusergo no_stage static_build"
    rm -rf "$work"
    stamp cni-plugins "$fp"
}
