#!/usr/bin/env bash
# Runs `kubeadm init` on the control-plane host with the config netlab rendered, unless this
# host already runs a healthy control plane made from the same config (safe to re-run), and
# prints what the other nodes and the user need:
#   ca-cert-hash=sha256:<hex>
#   admin-kubeconfig-base64=<the admin kubeconfig>
# With NETLAB_ACTION=delete it resets the node (kubeadm reset).
# Inputs (rendered in): NETLAB_CONFIG (kubeadm config; holds the bootstrap token), NETLAB_TIMEOUT, NETLAB_ACTION.
set -euo pipefail

state=/etc/kubernetes/netlab
sock=unix:///run/containerd/containerd.sock
if [ "${NETLAB_ACTION:-create}" = delete ]; then
    kubeadm reset -f --cri-socket "$sock" >/dev/null 2>&1 || true
    rm -rf "$state" /root/.kube /var/lib/etcd
    echo "control plane removed from $(hostname)"
    exit 0
fi

: "${NETLAB_CONFIG:?}"
timeout=${NETLAB_TIMEOUT:-300}
export KUBECONFIG=/etc/kubernetes/admin.conf
mkdir -p "$state"
chmod 0700 "$state"
healthy() { kubectl get --raw /readyz; }

if stamp_matches "$state/config.sha256" "$NETLAB_CONFIG" && [ -f "$KUBECONFIG" ] && healthy >/dev/null 2>&1; then
    echo "control plane on $(hostname) already initialised from this config" >&2
else
    # A half-made or differently configured control plane is reset first.
    if [ -f /etc/kubernetes/manifests/kube-apiserver.yaml ] || [ -f "$KUBECONFIG" ]; then
        kubeadm reset -f --cri-socket "$sock" >/dev/null 2>&1 || true
        rm -rf /var/lib/etcd
    fi
    (umask 077 && printf '%s\n' "$NETLAB_CONFIG" > "$state/kubeadm.yaml")
    if ! kubeadm init --config "$state/kubeadm.yaml" >"$state/init.log" 2>&1; then
        tail -40 "$state/init.log" >&2
        journalctl -u kubelet --no-pager -n 30 >&2 || true
        echo "kubeadm init failed on $(hostname): full log in $state/init.log" >&2
        exit 1
    fi
    stamp_save "$state/config.sha256" "$NETLAB_CONFIG"
fi

wait_until "$timeout" "the API server on $(hostname) to be ready" healthy
mkdir -p /root/.kube
install -m 0600 "$KUBECONFIG" /root/.kube/config
hash=$(openssl x509 -pubkey -in /etc/kubernetes/pki/ca.crt | openssl pkey -pubin -outform der 2>/dev/null | sha256sum | cut -c1-64)
echo "ca-cert-hash=sha256:$hash"
echo "admin-kubeconfig-base64=$(base64 -w0 "$KUBECONFIG")"
