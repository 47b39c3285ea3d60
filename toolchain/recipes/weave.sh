# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by commands/toolchain.sh
# Weave Net (rajch/weave, the maintained fork of weaveworks/weave) from its release archive
# (NETLAB_SOURCE_MIRROR; it carries vendor/, so the build needs no module downloads), with
# netlab's patches (toolchain/patches/weave/), built as upstream's reweave/build/Makefile does
# (-X main.version, -tags "osusergo netgo", -mod=vendor):
#   artifacts/weave/   weaver (cgo, linked dynamically against libpcap: a static link fails on
#                      Debian's libpcap.a, which wants libsystemd; needs libpcap-dev to build),
#                      and static, pure Go: weaveutil (also the CNI plugins weave-net and
#                      weave-ipam), weave-npc, kube-utils, sigproxy, weavewait with its variants
#                      weavewait_noop and weavewait_nomcast (weaveexec's /w*); the `weave` script
#                      with its release version stamped in, as upstream's release does; and
#                      files/, upstream's other files the images take (launch scripts, …).
#   artifacts/images/weave.tar (listed in artifacts/images/weave.txt), built from
#                      images/weave/NAME/Dockerfile on netlab's base image:
#                      localhost/netlab/weave:VERSION, …/weaveexec:VERSION, …/weavedb:latest:
#                        what the `weave` script runs when DOCKERHUB_USER=localhost/netlab is
#                        set where it runs (its default is upstream's Docker Hub user, which
#                        cannot be pulled here; IMAGE_VERSION is the stamped VERSION unless
#                        WEAVE_VERSION overrides it); avoid `weave setup`, which always pulls;
#                      localhost/netlab/weave-kube:VERSION, …/weave-npc:VERSION: the Kubernetes
#                        DaemonSet's images.
weave_repo=localhost/netlab
# In build order: weaveexec and weave-kube are built FROM the weave image.
weave_image_names=(weave weaveexec weavedb weave-kube weave-npc)
weave_bins=(weaver weaveutil weave-npc kube-utils sigproxy weavewait weavewait_noop weavewait_nomcast weave)
# Upstream's files the images take, by their path in the archive (kept under artifacts/weave/files).
weave_files=(prog/weaver/weavedata.db prog/weaveexec/symlink prog/weave-kube/init.sh
    prog/weave-kube/launch.sh prog/weave-npc/launch.sh prog/weave-npc/ulogd.conf)

# The image ref of NAME.
weave_image_ref() { # NAME
    case $1 in
        weavedb) printf '%s/weavedb:latest\n' "$weave_repo" ;;
        *) printf '%s/%s:%s\n' "$weave_repo" "$1" "$WEAVE_VERSION" ;;
    esac
}

# What the build context of image NAME gets from artifacts/weave (besides images/weave/NAME).
weave_image_inputs() { # NAME
    case $1 in
        weave) printf '%s\n' weave weaver weaveutil files/prog/weaver/weavedata.db ;;
        weaveexec) printf '%s\n' sigproxy weavewait weavewait_noop weavewait_nomcast files/prog/weaveexec/symlink ;;
        weavedb) ;;
        weave-kube) printf '%s\n' kube-utils files/prog/weave-kube/init.sh files/prog/weave-kube/launch.sh ;;
        weave-npc) printf '%s\n' weave-npc files/prog/weave-npc/launch.sh files/prog/weave-npc/ulogd.conf ;;
        *) die "weave: no image '$1'" ;;
    esac
}

# Builds the binaries from the unpacked, patched source tree SRC into OUT.
weave_build_binaries() { # SRC OUT
    local src=$1 out=$2 v=$WEAVE_VERSION flags=(-mod=vendor -tags "osusergo netgo") ldflags
    ldflags="-X main.version=$v"
    need_go
    # The weaver: cgo for libpcap (gopacket/pcap), linked dynamically.
    log "weave: building ./prog/weaver (cgo, libpcap)"
    [ -f /usr/include/pcap.h ] || [ -f /usr/include/pcap/pcap.h ] || die "weave: libpcap's headers are missing (Debian: apt-get install -y libpcap-dev)"
    (cd "$src" && CGO_ENABLED=1 go build -trimpath "${flags[@]}" -o "$out/weaver" -ldflags "-s -w $ldflags" ./prog/weaver >"$src/build.log" 2>&1) ||
        { tail -20 "$src/build.log" >&2; die "weave: go build of ./prog/weaver failed (see $src/build.log)"; }
    go_build_in "$src" "$out/weaveutil" ./prog/weaveutil \
        "$ldflags -X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=$v" "${flags[@]}"
    local p
    for p in weave-npc kube-utils sigproxy; do
        go_build_in "$src" "$out/$p" "./prog/$p" "$ldflags" "${flags[@]}"
    done
    # weavewait in upstream's three variants: network check with multicast route, without, none.
    go_build_in "$src" "$out/weavewait" ./prog/weavewait "$ldflags" -mod=vendor -tags "osusergo netgo iface mcast"
    go_build_in "$src" "$out/weavewait_nomcast" ./prog/weavewait "$ldflags" -mod=vendor -tags "osusergo netgo iface"
    go_build_in "$src" "$out/weavewait_noop" ./prog/weavewait "$ldflags" -mod=vendor -tags "osusergo netgo"
    # The script, with the release version stamped in as upstream's release does (bin/release):
    # its images are then :VERSION instead of :latest.
    sed "s/^SCRIPT_VERSION=\"unreleased\"\$/SCRIPT_VERSION=\"$v\"/" "$src/weave" >"$out/weave"
    grep -qx "SCRIPT_VERSION=\"$v\"" "$out/weave" || die "weave: cannot stamp SCRIPT_VERSION into the weave script"
    chmod 0755 "$out/weave"
    for p in "${weave_files[@]}"; do
        mkdir -p "$out/files/$(dirname "$p")"
        cp -p "$src/$p" "$out/files/$p" || die "weave: the archive has no $p"
    done
}

# weaveexec and weave-kube are built FROM the weave image.
weave_image_build_args() { # NAME
    if grep -q '^ARG WEAVE_IMAGE' "$root/images/weave/$1/Dockerfile"; then
        printf '%s\n' --build-arg "WEAVE_IMAGE=$(weave_image_ref weave)"
    fi
}

recipe_weave() {
    local v=$WEAVE_VERSION fp work src out=$artifacts/weave p ok=1 outs=()
    # The binaries.
    for p in "${weave_bins[@]}"; do outs+=("$out/$p"); done
    for p in "${weave_files[@]}"; do [ -f "$out/files/$p" ] || ok=; done
    fp=$(fingerprint "${BASH_SOURCE[0]}" "$root/toolchain/patches/weave")
    if [ -n "$ok" ] && up_to_date weave "$fp" "${outs[@]}"; then
        log "weave $v: binaries up to date"
    else
        work=$(fresh_work weave)
        src=$(unpack_source "$work" rajch/weave "refs/tags/v$v" "$WEAVE_SHA256")
        # netlab's fixes to upstream code, each explained in its patch file.
        apply_patches "$src" "$root"/toolchain/patches/weave/*.patch
        mkdir -p "$work/out"
        weave_build_binaries "$src" "$work/out"
        rm -rf "$out"
        mkdir -p "$(dirname "$out")"
        mv "$work/out" "$out"
        stamp weave "$fp"
        rm -rf "$work"
    fi

    # The images (toolchain/lib/images.sh), in build order.
    build_image_set weave weave images/weave "$out" "${BASH_SOURCE[0]}" "${weave_image_names[@]}"
}
