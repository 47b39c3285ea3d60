# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by scripts/toolchain.sh
# Kubernetes images: built from images/k8s/NAME/Dockerfile with the binaries of the kube targets, saved
# with `docker save` into artifacts/images/*.tar and listed in artifacts/images/images.txt.
image_repo=localhost/netlab
base_image=${NETLAB_BASE_IMAGE:-netlab/debian:bookworm}
tmpdirs=()
cleanup() { [ "${#tmpdirs[@]}" -eq 0 ] || rm -rf "${tmpdirs[@]}"; }
trap cleanup EXIT

# Sets image_ref and image_bins (the files its build context gets) for image NAME.
image_spec() { # NAME
    case $1 in
        kube-apiserver | kube-controller-manager | kube-scheduler | kube-proxy)
            image_ref=$image_repo/$1:v$KUBERNETES_VERSION image_bins=("$artifacts/kubernetes/$1") ;;
        etcd) image_ref=$image_repo/etcd:v$ETCD_VERSION image_bins=("$artifacts/etcd/etcd" "$artifacts/etcd/etcdctl") ;;
        coredns) image_ref=$image_repo/coredns:v$COREDNS_VERSION image_bins=("$artifacts/coredns/coredns") ;;
        pause) image_ref=$image_repo/pause:$PAUSE_VERSION image_bins=("$artifacts/pause/pause") ;;
        flannel) image_ref=$image_repo/flannel:v$FLANNEL_VERSION image_bins=("$artifacts/flannel/flanneld") ;;
        kube-router) image_ref=$image_repo/kube-router:v$KUBE_ROUTER_VERSION image_bins=("$artifacts/kube-router/kube-router") ;;
        *) die "no image spec for '$1'" ;;
    esac
}

# Builds image NAME from a temporary context: its images/k8s/NAME files and its binaries.
build_image() { # NAME
    local name=$1 ctx args=() replaced_image
    image_spec "$name"
    ctx=$(mktemp -d "${TMPDIR:-/tmp}/netlab-image.XXXXXX")
    tmpdirs+=("$ctx")
    cp -R "$root/images/k8s/$name/." "$ctx/"
    cp -p "${image_bins[@]}" "$ctx/"
    grep -q '^ARG BASE_IMAGE' "$ctx/Dockerfile" && args+=(--build-arg "BASE_IMAGE=$base_image")
    docker_build_image "$image_ref" "$ctx" "$cache/work/images/$name.log" "${args[@]}"
    rm -rf "$ctx"
    # Drop the image this one replaces (refused, harmlessly, if something else still uses it).
    if [ -n "$replaced_image" ]; then docker rmi "$replaced_image" >/dev/null 2>&1 || true; fi
}

# Builds the images of one tarball and saves them into artifacts/images/TARBALL.tar; the
# stamp covers the versions, the base image, and each image's files and binaries (sha256).
save_images() { # TARBALL NAME…
    local tarball=$1 tar=$artifacts/images/$1.tar fp name refs=() base_id
    shift
    base_id=$(docker image inspect -f '{{.Id}}' "$base_image") || die "base image $base_image is missing"
    fp=$({
        cat "$root/toolchain/versions.env"
        printf '%s\n' "$base_id" "$image_repo" "$*"
        for name in "$@"; do
            [ -f "$root/images/k8s/$name/Dockerfile" ] || die "images/k8s/$name/Dockerfile is missing"
            image_spec "$name"
            printf '%s\n' "$name" "$image_ref"
            find "$root/images/k8s/$name" -type f -print0 | sort -z | xargs -0 cat
            sha256sum "${image_bins[@]}" | cut -d' ' -f1
        done
    } | sha256sum | cut -c1-16)
    for name in "$@"; do
        image_spec "$name"
        refs+=("$image_ref")
        manifest+="$tarball.tar $image_ref"$'\n'
    done
    if [ "$(cat "$stamps/images-$tarball" 2>/dev/null)" = "$fp" ] && [ -s "$tar" ]; then
        log "kube-images: $tarball.tar up to date"
        return
    fi
    for name in "$@"; do build_image "$name"; done
    save_image_tarball "$tar" "${refs[@]}"
    stamp "images-$tarball" "$fp"
}

recipe_kube_images() {
    local manifest='' list=$artifacts/images/images.txt
    # The binaries and the base image first (each is a no-op when up to date).
    recipe_kubernetes
    recipe_etcd
    recipe_coredns
    recipe_flannel
    recipe_kube_router
    recipe_pause
    recipe_base_image
    save_images kubernetes kube-apiserver kube-controller-manager kube-scheduler kube-proxy etcd coredns pause
    save_images flannel flannel
    save_images kube-router kube-router
    write_image_list "$list" "$manifest"
}
