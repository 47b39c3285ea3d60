#!/usr/bin/env bash
# Prepares this host to be a kubeadm node: containerd as the CRI runtime (cgroupfs driver,
# netlab's pause image, CNI from /opt/cni/bin), the kernel settings Kubernetes expects, the
# Kubernetes images imported into containerd's k8s.io namespace (no registry is pulled
# from), and the kubelet unit that kubeadm drives. Safe to re-run; with NETLAB_ACTION=delete
# it runs `kubeadm reset` and removes what it added.
# Inputs (rendered in): NETLAB_PAUSE_IMAGE, NETLAB_IMAGE_TARS (space-separated paths on this
# host), NETLAB_CGROUP_ROOT (the kubelet's --cgroup-root, made here), NETLAB_NODE_IP (this
# host's lab address), NETLAB_RESOLV_CONF (the resolv.conf the kubelet gives pods), NETLAB_ACTION.
set -euo pipefail

: "${NETLAB_PAUSE_IMAGE:?}" "${NETLAB_CGROUP_ROOT:?}" "${NETLAB_NODE_IP:?}" "${NETLAB_RESOLV_CONF:?}"
relay_unit=/etc/systemd/system/netlab-dns-relay.service
action=${NETLAB_ACTION:-create}
unit=/etc/systemd/system/kubelet.service
# The kubelet's cgroup root in every hierarchy (cgroup v1: one per controller; v2: one tree).
# Hosts that are containers share the machine's cgroup tree, so it must also go on delete.
cgroup_dirs() {
    if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
        echo "/sys/fs/cgroup$NETLAB_CGROUP_ROOT"
    else
        # Every mounted hierarchy (not the empty directories a read-only tmpfs may hold too).
        # (mountinfo: the file system type follows the "-" that ends the optional fields.)
        awk '{ t = ""; for (i = 7; i < NF; i++) if ($i == "-") { t = $(i + 1); break }
               if (t == "cgroup" || t == "cgroup2") print $5 }' /proc/self/mountinfo | sort -u |
            while read -r m; do echo "$m$NETLAB_CGROUP_ROOT"; done
    fi
}

if [ "$action" = delete ]; then
    if command -v kubeadm >/dev/null 2>&1; then
        kubeadm reset -f --cri-socket unix:///run/containerd/containerd.sock >/dev/null 2>&1 || true
    fi
    systemctl disable --now kubelet netlab-dns-relay >/dev/null 2>&1 || true
    rm -f "$relay_unit" "$NETLAB_RESOLV_CONF"
    for d in $(cgroup_dirs); do
        if [ -d "$d" ]; then
            find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
        fi
    done
    # The kubelet bind-mounts its own directory (and pod volumes under it): unmount, deepest first.
    awk '$5 == "/var/lib/kubelet" || index($5, "/var/lib/kubelet/") == 1 { print $5 }' /proc/self/mountinfo | sort -r |
        while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
    rm -f "$unit" /etc/sysctl.d/90-netlab-kubernetes.conf /etc/tmpfiles.d/netlab-kmsg.conf
    rm -rf /etc/systemd/system/kubelet.service.d /var/lib/kubelet /etc/kubernetes /var/lib/etcd /root/.kube
    if [ -f /etc/containerd/config.toml.netlab-orig ]; then
        mv -f /etc/containerd/config.toml.netlab-orig /etc/containerd/config.toml
        systemctl restart containerd || true
    fi
    systemctl daemon-reload
    echo "kubernetes node removed from $(hostname)"
    exit 0
fi

# containerd: the CRI plugin on, cgroupfs (as kubelet is told), the pause image netlab built.
mkdir -p /etc/containerd /opt/cni/bin /etc/cni/net.d
[ -f /etc/containerd/config.toml.netlab-orig ] || cp /etc/containerd/config.toml /etc/containerd/config.toml.netlab-orig 2>/dev/null || true
# Without CAP_SYS_RESOURCE (hosts that are containers run without it) no process here may
# lower an OOM score below containerd's, and runc fails every pod that asks (-998 for
# critical pods) with "can't get final child's PID": containerd then clamps the request.
restrict_oom=false
capbnd=$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)
if (( ((16#$capbnd) >> 24 & 1) == 0 )); then
    restrict_oom=true
fi
config=$(cat <<TOML
version = 2

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "$NETLAB_PAUSE_IMAGE"
    restrict_oom_score_adj = $restrict_oom
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/opt/cni/bin"
      conf_dir = "/etc/cni/net.d"
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = false
TOML
)
if [ "$(cat /etc/containerd/config.toml 2>/dev/null)" != "$config" ]; then
    printf '%s\n' "$config" > /etc/containerd/config.toml
    systemctl restart containerd
fi
wait_until 30 "containerd on $(hostname) to answer" ctr version

for d in $(cgroup_dirs); do
    mkdir -p "$d"
done

# The kernel settings kubeadm checks; /dev/kmsg (the kubelet's OOM watcher reads it) is not
# in a container's /dev, so systemd-tmpfiles makes it at every boot.
cat > /etc/sysctl.d/90-netlab-kubernetes.conf <<'SYSCTL'
net.ipv4.ip_forward = 1
net.bridge.bridge-nf-call-iptables = 1
net.bridge.bridge-nf-call-ip6tables = 1
SYSCTL
sysctl -q -w net.ipv4.ip_forward=1
if [ -d /proc/sys/net/bridge ]; then
    sysctl -q -w net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1
fi
printf 'c! /dev/kmsg 0600 - - - 1:11\n' > /etc/tmpfiles.d/netlab-kmsg.conf
[ -e /dev/kmsg ] || mknod -m 0600 /dev/kmsg c 1 11

# The resolver pods get (CoreDNS forwards to it). A host whose resolvers are all on loopback
# (Docker's embedded DNS at 127.0.0.11, systemd-resolved) cannot hand them to pods: they
# would ask their own loopback. A relay on the lab address forwards to the first one.
mkdir -p "$(dirname "$NETLAB_RESOLV_CONF")"
upstream=$(awk '$1 == "nameserver" { print $2 }' /etc/resolv.conf)
if [ -n "$upstream" ] && ! grep -vqE '^127\.' <<<"$upstream"; then
    first=$(head -1 <<<"$upstream")
    cat > "$relay_unit" <<UNIT
[Unit]
Description=netlab: relays DNS from $NETLAB_NODE_IP:53 to this host's loopback resolver $first, for pods
After=network-online.target

[Service]
ExecStart=/bin/sh -c 'socat UDP4-RECVFROM:53,bind=$NETLAB_NODE_IP,fork UDP4-SENDTO:$first:53 & exec socat TCP4-LISTEN:53,bind=$NETLAB_NODE_IP,fork,reuseaddr TCP4:$first:53'
Restart=always

[Install]
WantedBy=multi-user.target
UNIT
    systemctl daemon-reload
    systemctl enable netlab-dns-relay >/dev/null 2>&1
    systemctl restart netlab-dns-relay
    printf 'nameserver %s\n' "$NETLAB_NODE_IP" > "$NETLAB_RESOLV_CONF"
else
    grep -vE '^nameserver[[:space:]]+127\.' /etc/resolv.conf > "$NETLAB_RESOLV_CONF"
fi

# The images kubeadm and the CNIs run, from the tarballs pushed to this host.
for tar in ${NETLAB_IMAGE_TARS:-}; do
    [ -f "$tar" ] || { echo "kube-node: image tarball $tar is missing on $(hostname)" >&2; exit 1; }
    ctr -n k8s.io images import --all-platforms "$tar" >/dev/null
done
ctr -n k8s.io images ls -q | grep -xF "$NETLAB_PAUSE_IMAGE" >/dev/null ||
    { echo "kube-node: $NETLAB_PAUSE_IMAGE is not in containerd on $(hostname)" >&2; exit 1; }

# Two shared mounts of their own (a host that is a container starts with every mount private,
# where a host machine's systemd makes them shared), here for this run and before every kubelet
# start (ExecStartPre) for the runs after a host restart:
#   - the BPF file system at /sys/fs/bpf: cilium pins its BPF objects there and mounts it into
#     its pods with Bidirectional propagation, which containerd allows only from a shared mount;
#   - /run/netns, where containerd keeps the pods' network namespaces: cilium mounts it into
#     its agent with HostToContainer propagation; from a private mount the agent holds copies
#     of the namespaces of the pods that ran before it, and containerd can then never remove
#     them ("unlinkat /var/run/netns/cni-…: device or resource busy": those pods stay
#     Terminating).
mounts='mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf; mount --make-shared /sys/fs/bpf; mkdir -p /run/netns; mountpoint -q /run/netns || mount --bind /run/netns /run/netns; mount --make-shared /run/netns'
sh -c "$mounts"

# The kubelet unit kubeadm expects: its flags come from the files kubeadm writes.
cat > "$unit" <<UNIT
[Unit]
Description=kubelet: the Kubernetes node agent (netlab)
Wants=containerd.service
After=containerd.service network-online.target

[Service]
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
Environment=KUBELET_KUBECONFIG_ARGS="--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment=KUBELET_CONFIG_ARGS="--config=/var/lib/kubelet/config.yaml"
ExecStartPre=/bin/sh -c '$mounts'
ExecStart=/usr/local/bin/kubelet \$KUBELET_KUBECONFIG_ARGS \$KUBELET_CONFIG_ARGS \$KUBELET_KUBEADM_ARGS
Restart=always
RestartSec=2
StartLimitInterval=0

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable kubelet >/dev/null 2>&1
echo "$(hostname): containerd $(ctr version 2>/dev/null | awk '/Version:/ && !v { v = $2 } END { print v }'), kubelet $(/usr/local/bin/kubelet --version | awk '{print $2}'), $(ctr -n k8s.io images ls -q | grep -c .) images"
