#!/usr/bin/env bash
# Joins this host to the cluster with `kubeadm join` (the config carries the bootstrap token
# and the CA hash), unless it already is a node of it (safe to re-run). With
# NETLAB_ACTION=delete it resets the node (kubeadm reset); the control plane forgets it
# through the kube-node-forget step.
# Inputs (rendered in): NETLAB_CONFIG (JoinConfiguration; holds the token), NETLAB_ACTION.
set -euo pipefail

state=/etc/kubernetes/netlab
sock=unix:///run/containerd/containerd.sock
if [ "${NETLAB_ACTION:-create}" = delete ]; then
    kubeadm reset -f --cri-socket "$sock" >/dev/null 2>&1 || true
    rm -rf "$state"
    echo "$(hostname) left the cluster"
    exit 0
fi

: "${NETLAB_CONFIG:?}"
mkdir -p "$state"
chmod 0700 "$state"
if stamp_matches "$state/config.sha256" "$NETLAB_CONFIG" && [ -f /etc/kubernetes/kubelet.conf ] &&
    systemctl is-active -q kubelet; then
    echo "$(hostname) already joined"
    exit 0
fi
if [ -f /etc/kubernetes/kubelet.conf ]; then
    kubeadm reset -f --cri-socket "$sock" >/dev/null 2>&1 || true
fi
(umask 077 && printf '%s\n' "$NETLAB_CONFIG" > "$state/kubeadm.yaml")
if ! kubeadm join --config "$state/kubeadm.yaml" >"$state/join.log" 2>&1; then
    tail -40 "$state/join.log" >&2
    journalctl -u kubelet --no-pager -n 30 >&2 || true
    echo "kubeadm join failed on $(hostname): full log in $state/join.log" >&2
    exit 1
fi
stamp_save "$state/config.sha256" "$NETLAB_CONFIG"
echo "$(hostname) joined"
