# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by commands/toolchain.sh
# Cilium (github.com/cilium/cilium, served by the Go module proxy; vendor/ is not in its zip,
# bpf/ is) through wrappers/cilium, whose replaces stand in for the two modules the proxy
# refuses (see its go.mod.in; sigs.k8s.io/mcs-api/controllers comes from the source mirror).
# Built static as upstream's Makefiles do (-tags osusergo; the operator's generic flavour adds
# ipam_provider_operator; ldflags as Makefile.defs sets them: pkg/version.ciliumVersion is
# "VERSION REVISION DATE", here with "unknown" for the git revision, which the module proxy
# does not tell, and the release commit's time; pkg/envoy.requiredEnvoyVersionSHA from the
# Envoy image ref in upstream's images/cilium/Dockerfile):
#   artifacts/cilium/   cilium-agent, cilium-dbg (the CLI), cilium-health, and
#                       cilium-health-responder (the agent runs it in its health endpoint),
#                       cilium-cni, cilium-mount and cilium-sysctlfix (what upstream's Helm
#                       chart's init containers run on the host: mount cgroup2, sysctl
#                       overrides), cilium-operator-generic; and files/, upstream's files the
#                       agent image takes: bpf/ (the datapath's C sources, without tests, as
#                       upstream's install-bpf copies them), init-container.sh,
#                       install-plugin.sh, cni-uninstall.sh.
#   artifacts/images/cilium.tar (listed in artifacts/images/cilium.txt), built on netlab's
#                       base image from images/k8s/NAME/Dockerfile:
#                       localhost/netlab/cilium:vVERSION (agent, CLI, CNI plugin; clang-19 as
#                       `clang`, which the agent runs to compile its BPF programs),
#                       localhost/netlab/cilium-operator-generic:vVERSION.
cilium_repo=localhost/netlab
cilium_mod=github.com/cilium/cilium
cilium_image_names=(cilium cilium-operator)
# BINARY=PACKAGE (in the module).
cilium_bins=(cilium-agent=daemon cilium-dbg=cilium-dbg cilium-health=cilium-health
    cilium-health-responder=cilium-health/responder cilium-cni=plugins/cilium-cni
    cilium-mount=tools/mount cilium-sysctlfix=tools/sysctlfix cilium-operator-generic=operator)
# Upstream's files the agent image takes (path in the module -> artifacts/cilium/files/NAME).
cilium_files=(images/cilium/init-container.sh plugins/cilium-cni/install-plugin.sh
    plugins/cilium-cni/cni-uninstall.sh)

# The image ref of NAME.
cilium_image_ref() { # NAME
    case $1 in
        cilium) printf '%s/cilium:v%s\n' "$cilium_repo" "$CILIUM_VERSION" ;;
        cilium-operator) printf '%s/cilium-operator-generic:v%s\n' "$cilium_repo" "$CILIUM_VERSION" ;;
        *) die "cilium: no image '$1'" ;;
    esac
}

# What the build context of image NAME gets from artifacts/cilium (besides images/k8s/NAME).
cilium_image_inputs() { # NAME
    case $1 in
        cilium) printf '%s\n' cilium-agent cilium-dbg cilium-health cilium-health-responder cilium-cni \
            cilium-mount cilium-sysctlfix files/bpf files/init-container.sh files/install-plugin.sh files/cni-uninstall.sh ;;
        cilium-operator) printf '%s\n' cilium-operator-generic ;;
        *) die "cilium: no image '$1'" ;;
    esac
}

# Resolves wrappers/cilium and builds the binaries and files into OUT.
cilium_build_binaries() { # OUT
    local out=$1 src mcs dir date envoy ldflags spec name pkg tags f
    # sigs.k8s.io/mcs-api/controllers from the mirror, where wrappers/cilium/go.mod.in points.
    src=$(fresh_work cilium-mcs-api)
    src=$(unpack_source "$src" kubernetes-sigs/mcs-api "refs/tags/controllers/v$MCS_API_CONTROLLERS_VERSION" "$MCS_API_CONTROLLERS_SHA256")
    [ -f "$src/controllers/go.mod" ] || die "cilium: the mcs-api archive has no controllers/go.mod"
    mcs=$cache/work/cilium-mcs-api-controllers
    rm -rf "$mcs"
    mv "$src/controllers" "$mcs"
    rm -rf "$cache/work/cilium-mcs-api"
    resolve_wrapper cilium
    dir=$(cd "$cache/work/cilium" && go list -m -f '{{.Dir}}' "$cilium_mod") || die "cilium: cannot locate $cilium_mod in the module cache"
    date=$(cd "$cache/work/cilium" && go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' "$cilium_mod") ||
        die "cilium: cannot look up the release time of $cilium_mod"
    # As Makefile.defs derives CILIUM_ENVOY_SHA from the Envoy image ref.
    envoy=$(sed -nE 's/^ARG CILIUM_ENVOY_IMAGE=([^ ]*)/\1/p' "$dir/images/cilium/Dockerfile" | head -n 1 |
        sed -E 's/[^/]*\/[^:]*:(.*-)?([^:@]*).*/\2/p;d')
    [ -n "$envoy" ] || die "cilium: no CILIUM_ENVOY_IMAGE in $dir/images/cilium/Dockerfile"
    ldflags="-X '$cilium_mod/pkg/version.ciliumVersion=$CILIUM_VERSION unknown $date' -X $cilium_mod/pkg/envoy.requiredEnvoyVersionSHA=$envoy"
    log "cilium: building $CILIUM_VERSION (a long build: the agent and the operator are large)"
    for spec in "${cilium_bins[@]}"; do
        name=${spec%%=*} pkg=${spec#*=} tags=osusergo
        [ "$name" != cilium-operator-generic ] || tags+=,ipam_provider_operator
        go_build cilium "$out/$name" "$cilium_mod/$pkg" "$ldflags" -tags "$tags"
    done
    # The datapath's sources where the agent looks for them (--lib-dir/bpf), as upstream's
    # install-bpf copies them (Makefile.defs' BPF_SRCFILES_IGNORE left out).
    mkdir -p "$out/files"
    tar -C "$dir" --exclude=bpf/.gitignore --exclude=bpf/tests --exclude=bpf/complexity-tests \
        --exclude=bpf/custom --exclude=bpf/Makefile --exclude=bpf/Makefile.bpf -cf - bpf |
        tar -C "$out/files" --no-same-owner -xf - || die "cilium: cannot copy $dir/bpf"
    [ -f "$out/files/bpf/bpf_lxc.c" ] || die "cilium: $dir/bpf has no bpf_lxc.c"
    chmod -R u+w,go-w "$out/files/bpf"
    for f in "${cilium_files[@]}"; do
        cp "$dir/$f" "$out/files/" || die "cilium: the module has no $f"
        chmod 0755 "$out/files/${f##*/}"
    done
    rm -rf "$mcs"
}

recipe_cilium() {
    local v=$CILIUM_VERSION fp work out=$artifacts/cilium p ok=1 outs=() spec
    # The binaries and files.
    for spec in "${cilium_bins[@]}"; do outs+=("$out/${spec%%=*}"); done
    for p in bpf/bpf_lxc.c "${cilium_files[@]##*/}"; do [ -f "$out/files/$p" ] || ok=; done
    fp=$(fingerprint "${BASH_SOURCE[0]}" "$root/toolchain/wrappers/cilium")
    if [ -n "$ok" ] && up_to_date cilium "$fp" "${outs[@]}"; then
        log "cilium $v: binaries up to date"
    else
        work=$(fresh_work cilium-out)
        cilium_build_binaries "$work"
        rm -rf "$out"
        mkdir -p "$(dirname "$out")"
        mv "$work" "$out"
        stamp cilium "$fp"
    fi

    # The images (toolchain/lib/images.sh).
    build_image_set cilium cilium images/k8s "$out" "${BASH_SOURCE[0]}" "${cilium_image_names[@]}"
}
