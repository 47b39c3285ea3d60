# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by commands/toolchain.sh
# Kubernetes images: built from images/k8s/NAME/Dockerfile with the binaries of the kube targets
# (toolchain/lib/images.sh build_image_set), in three tarballs, each listed beside it:
# artifacts/images/kubernetes.tar (the control plane, kube-proxy, etcd, CoreDNS, pause),
# flannel.tar and kube-router.tar.
image_repo=localhost/netlab

# Sets image_ref and image_bins (the binaries its build context gets) for image NAME.
image_spec() { # NAME
    case $1 in
        kube-apiserver | kube-controller-manager | kube-scheduler | kube-proxy)
            image_ref=$image_repo/$1:v$KUBERNETES_VERSION image_bins=("kubernetes/$1") ;;
        etcd) image_ref=$image_repo/etcd:v$ETCD_VERSION image_bins=(etcd/etcd etcd/etcdctl) ;;
        coredns) image_ref=$image_repo/coredns:v$COREDNS_VERSION image_bins=(coredns/coredns) ;;
        pause) image_ref=$image_repo/pause:$PAUSE_VERSION image_bins=(pause/pause) ;;
        flannel) image_ref=$image_repo/flannel:v$FLANNEL_VERSION image_bins=(flannel/flanneld) ;;
        kube-router) image_ref=$image_repo/kube-router:v$KUBE_ROUTER_VERSION image_bins=(kube-router/kube-router) ;;
        *) die "no image spec for '$1'" ;;
    esac
}
kube_image_ref() { # NAME
    image_spec "$1"
    printf '%s\n' "$image_ref"
}
# The binaries, below artifacts/.
kube_image_inputs() { # NAME
    image_spec "$1"
    printf '%s\n' "${image_bins[@]}"
}

recipe_kube_images() {
    # The binaries and the base image first (each is a no-op when up to date).
    recipe_kubernetes
    recipe_etcd
    recipe_coredns
    recipe_flannel
    recipe_kube_router
    recipe_pause
    # Earlier toolchains listed all three tarballs in one file.
    rm -f "$artifacts/images/images.txt"
    build_image_set kubernetes kube images/k8s "$artifacts" "${BASH_SOURCE[0]}" \
        kube-apiserver kube-controller-manager kube-scheduler kube-proxy etcd coredns pause
    build_image_set flannel kube images/k8s "$artifacts" "${BASH_SOURCE[0]}" flannel
    build_image_set kube-router kube images/k8s "$artifacts" "${BASH_SOURCE[0]}" kube-router
}
