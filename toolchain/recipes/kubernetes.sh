# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by commands/toolchain.sh
# Kubernetes (k8s.io/kubernetes and its staging modules) from the Go module proxy.
recipe_kubernetes() {
    local fp cmd outs=() v="v$KUBERNETES_VERSION" flags
    local cmds=(kubeadm kubectl kubelet kube-apiserver kube-controller-manager kube-scheduler kube-proxy)
    for cmd in "${cmds[@]}"; do outs+=("$artifacts/kubernetes/$cmd"); done
    fp=$(fingerprint "$root/toolchain/wrappers/kubernetes")
    up_to_date kubernetes "$fp" "${outs[@]}" && { log "kubernetes $v: up to date"; return; }
    mkdir -p "$artifacts/kubernetes"
    flags="-X k8s.io/component-base/version.gitVersion=$v -X k8s.io/component-base/version.gitTreeState=clean"
    flags+=" -X k8s.io/client-go/pkg/version.gitVersion=$v"
    build_wrapper kubernetes "$artifacts/kubernetes/kubeadm" k8s.io/kubernetes/cmd/kubeadm "$flags"
    for cmd in "${cmds[@]:1}"; do
        go_build kubernetes "$artifacts/kubernetes/$cmd" "k8s.io/kubernetes/cmd/$cmd" "$flags"
    done
    stamp kubernetes "$fp"
}
