# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by commands/toolchain.sh
# Calico (the projectcalico/calico monorepo) from its release archive (NETLAB_SOURCE_MIRROR;
# the Go module proxy refuses it, its dependencies it serves), built as upstream's Makefiles
# do (lib.Makefile's LDFLAGS: -X pkg/buildinfo.Version/BuildDate/GitRevision; no build tags;
# the non-FIPS builds):
#   artifacts/libbpf/  libbpf (libbpf/libbpf, release archive from the mirror) as upstream's
#                      felix/Makefile builds it (make -C src BUILD_STATIC_ONLY=1 OBJDIR=ARCH):
#                      src/ARCH/libbpf.a and the headers calico-node's cgo code includes (src/*.h,
#                      some of them libbpf-internal, and include/uapi), laid out as upstream's
#                      felix/bpf-gpl/libbpf; needs libelf-dev and zlib1g-dev.
#   artifacts/calico/  calico-node (node/cmd/calico-node: felix, startup, allocate-tunnel-addrs,
#                      …; cgo, libbpf linked statically, libelf and zlib dynamically, as
#                      node/Makefile's CGO_CFLAGS/CGO_LDFLAGS do: without cgo felix panics at
#                      start in the libbpf stub; with cgo felix/bpf/filter links libpcap too,
#                      dynamically: needs libpcap-dev to build, libpcap0.8 to run); static, pure Go: cni/calico (cni-plugin/cmd/
#                      calico, the CNI plugin) with its hard link cni/calico-ipam (cmd/calico/
#                      main.go picks the routine from os.Args[0]: calico or calico-ipam, nothing
#                      else), cni/install (cni-plugin/cmd/install, the CNI installer: a binary of
#                      its own, as in upstream's calico/cni image), kube-controllers and check-status
#                      (kube-controllers/cmd/…); install and check-status also get
#                      -X main.VERSION, which their source says the build fills in and
#                      lib.Makefile does not. files/: upstream's node/filesystem files the image
#                      takes (runit services, rc.local, felix.cfg) and the licenses.
#   artifacts/images/calico.tar (listed in artifacts/images/calico.txt), built from
#                      images/k8s/NAME/Dockerfile on netlab's base image:
#                      localhost/netlab/calico-node:vVERSION: calico-node (iptables mode, VXLAN,
#                        no BIRD/confd, no BPF objects) and the CNI binaries in /opt/cni/bin, so
#                        it also serves the install-cni init container (/opt/cni/bin/install);
#                      localhost/netlab/calico-kube-controllers:vVERSION.
calico_repo=localhost/netlab
calico_image_names=(calico-node calico-kube-controllers)
calico_bins=(calico-node cni/calico cni/calico-ipam cni/install kube-controllers check-status)
# Upstream's node/filesystem files the calico-node image takes, by their path below it: the
# runit start-up (start_runit runs rc.local, which runs `calico-node -startup` and enables the
# services) and the services of a VXLAN or policy-only node; BIRD, BIRD6, confd and the BGP
# daemon are not built, so their services are left out.
calico_node_files=(etc/calico/felix.cfg etc/rc.local sbin/start_runit
    etc/service/available/felix/run etc/service/available/felix/log/run
    etc/service/available/allocate-tunnel-addrs/run etc/service/available/allocate-tunnel-addrs/log/run
    etc/service/available/monitor-addresses/run etc/service/available/monitor-addresses/log/run
    etc/service/available/node-status-reporter/run etc/service/available/node-status-reporter/log/run
    etc/service/available/cni/run etc/service/available/cni/log/run
    etc/service/available/complete-startup/run)

# The commit of the release tag (the source mirror's README: the archive does not carry it),
# for buildinfo.GitRevision; '<unknown>' is what upstream's lib.Makefile puts there when it
# builds from a release tarball.
calico_git_revision() {
    case $CALICO_VERSION in
        3.31.7) printf '%s\n' 94bd1d5b0e04459d4d1c83653e0335a9201248b8 ;;
        *) printf '%s\n' '<unknown>' ;;
    esac
}

# The Go architecture; felix's cgo directives name a libbpf folder for amd64 and arm64 only.
calico_arch() {
    local arch
    need_go
    arch=$(go env GOARCH)
    case $arch in
        amd64 | arm64) printf '%s\n' "$arch" ;;
        *) die "calico: calico-node links libbpf with cgo on amd64 and arm64 only (GOARCH=$arch)" ;;
    esac
}

# The image ref of NAME.
calico_image_ref() { # NAME
    printf '%s/%s:v%s\n' "$calico_repo" "$1" "$CALICO_VERSION"
}

# What the build context of image NAME gets from artifacts/calico (besides images/k8s/NAME),
# files or folders ("PATH [DEST]", toolchain/lib/images.sh: by default under their base name).
calico_image_inputs() { # NAME
    case $1 in
        calico-node) printf '%s\n' calico-node cni files/node files/licenses ;;
        calico-kube-controllers) printf '%s\n' kube-controllers check-status 'files/licenses/LICENSE licenses/LICENSE' ;;
        *) die "calico: no image '$1'" ;;
    esac
}

# libbpf into OUT, laid out as upstream's felix/bpf-gpl/libbpf (what the cgo directives of
# felix/bpf/libbpf/libbpf.go and node/Makefile's CGO flags point at).
calico_build_libbpf() { # OUT ARCH
    local out=$1 arch=$2 work src
    if [ ! -f /usr/include/libelf.h ] || [ ! -f /usr/include/gelf.h ]; then
        die "libbpf: libelf's headers are missing (Debian: apt-get install -y libelf-dev)"
    fi
    [ -f /usr/include/zlib.h ] || die "libbpf: zlib's headers are missing (Debian: apt-get install -y zlib1g-dev)"
    if ! command -v make >/dev/null 2>&1 || ! command -v cc >/dev/null 2>&1; then
        die "libbpf: make and a C compiler are needed (Debian: apt-get install -y build-essential)"
    fi
    work=$(fresh_work libbpf)
    src=$(unpack_source "$work" libbpf/libbpf "refs/tags/v$LIBBPF_VERSION" "$LIBBPF_SHA256")
    log "libbpf $LIBBPF_VERSION: building libbpf.a"
    # OBJDIR first, as felix/Makefile does (a parallel make races to create it).
    mkdir -p "$src/src/$arch"
    make -C "$src/src" -j"$(nproc)" BUILD_STATIC_ONLY=1 OBJDIR="$arch" >"$work/build.log" 2>&1 ||
        { tail -20 "$work/build.log" >&2; die "libbpf: make failed (see $work/build.log)"; }
    mkdir -p "$work/out/src/$arch" "$work/out/include"
    cp -p "$src"/src/*.h "$work/out/src/"
    cp -p "$src/src/$arch/libbpf.a" "$work/out/src/$arch/"
    cp -pR "$src/include/uapi" "$work/out/include/"
    cp -p "$src"/LICENSE* "$work/out/"
    rm -rf "$out"
    mkdir -p "$(dirname "$out")"
    mv "$work/out" "$out"
    rm -rf "$work"
}

# Builds the binaries from the unpacked (patched) source tree SRC into OUT, with libbpf from LIBBPF.
calico_build_binaries() { # SRC OUT LIBBPF ARCH
    local src=$1 out=$2 libbpf=$3 arch=$4 v=v$CALICO_VERSION ldflags p lb
    local bi=github.com/projectcalico/calico/pkg/buildinfo
    ldflags="-X $bi.Version=$v -X $bi.BuildDate=$(date -u +'%FT%T%z') -X '$bi.GitRevision=$(calico_git_revision)'"
    need_go
    [ -f /usr/include/pcap.h ] || [ -f /usr/include/pcap/pcap.h ] ||
        die "calico: libpcap's headers are missing (Debian: apt-get install -y libpcap-dev)"
    # calico-node: cgo against libbpf where upstream has it (felix/bpf-gpl/libbpf), with
    # node/Makefile's flags; the folder holds libbpf.a only, so libbpf is linked statically.
    lb=$src/felix/bpf-gpl/libbpf
    rm -rf "$lb"
    cp -pR "$libbpf" "$lb"
    log "calico: building ./node/cmd/calico-node (cgo, libbpf $LIBBPF_VERSION)"
    (cd "$src" && CGO_ENABLED=1 CGO_CFLAGS="-O2 -g -I$lb/src -I$src/felix/bpf-gpl" \
        CGO_LDFLAGS="-L$lb/src/$arch -lbpf -lelf -lz" \
        go build -trimpath -buildvcs=false -o "$out/calico-node" -ldflags "-s -w $ldflags" ./node/cmd/calico-node \
        >"$src/build-calico-node.log" 2>&1) ||
        { tail -20 "$src/build-calico-node.log" >&2; die "calico: go build of ./node/cmd/calico-node failed (see $src/build-calico-node.log)"; }
    go_build_in "$src" "$out/cni/calico" ./cni-plugin/cmd/calico "$ldflags" -buildvcs=false
    ln -f "$out/cni/calico" "$out/cni/calico-ipam"
    go_build_in "$src" "$out/cni/install" ./cni-plugin/cmd/install "$ldflags -X main.VERSION=$v" -buildvcs=false
    go_build_in "$src" "$out/kube-controllers" ./kube-controllers/cmd/kube-controllers "$ldflags" -buildvcs=false
    go_build_in "$src" "$out/check-status" ./kube-controllers/cmd/check-status "$ldflags -X main.VERSION=$v" -buildvcs=false
    for p in "${calico_node_files[@]}"; do
        mkdir -p "$out/files/node/$(dirname "$p")"
        cp -p "$src/node/filesystem/$p" "$out/files/node/$p" || die "calico: the archive has no node/filesystem/$p"
    done
    mkdir -p "$out/files/licenses/libbpf"
    cp -p "$src/LICENSE.md" "$out/files/licenses/LICENSE"
    cp -p "$libbpf"/LICENSE* "$out/files/licenses/libbpf/"
}

recipe_calico() {
    local v=$CALICO_VERSION fp work src out=$artifacts/calico libbpf=$artifacts/libbpf arch p ok=1 outs=() inputs=()
    arch=$(calico_arch)
    inputs=("${BASH_SOURCE[0]}")
    if [ -d "$root/toolchain/patches/calico" ]; then inputs+=("$root/toolchain/patches/calico"); fi

    # libbpf, static.
    fp=$(fingerprint "${BASH_SOURCE[0]}")
    if up_to_date libbpf "$fp" "$libbpf/src/$arch" && [ -f "$libbpf/src/$arch/libbpf.a" ]; then
        log "libbpf $LIBBPF_VERSION: up to date"
    else
        calico_build_libbpf "$libbpf" "$arch"
        stamp libbpf "$fp"
    fi

    # The binaries (their fingerprint covers libbpf's: the same versions and recipe).
    for p in "${calico_bins[@]}"; do outs+=("$out/$p"); done
    for p in "${calico_node_files[@]}"; do [ -f "$out/files/node/$p" ] || ok=; done
    [ -f "$out/files/licenses/LICENSE" ] || ok=
    fp=$(fingerprint "${inputs[@]}")
    if [ -n "$ok" ] && up_to_date calico "$fp" "${outs[@]}"; then
        log "calico $v: binaries up to date"
    else
        work=$(fresh_work calico)
        src=$(unpack_source "$work" projectcalico/calico "refs/tags/v$v" "$CALICO_SHA256")
        # netlab's fixes to upstream code, if any, each explained in its patch file.
        if [ -d "$root/toolchain/patches/calico" ]; then apply_patches "$src" "$root"/toolchain/patches/calico/*.patch; fi
        mkdir -p "$work/out"
        calico_build_binaries "$src" "$work/out" "$libbpf" "$arch"
        rm -rf "$out"
        mkdir -p "$(dirname "$out")"
        mv "$work/out" "$out"
        stamp calico "$fp"
        rm -rf "$work"
    fi

    # The images (toolchain/lib/images.sh).
    build_image_set calico calico images/k8s "$out" "${BASH_SOURCE[0]}" "${calico_image_names[@]}"
}
