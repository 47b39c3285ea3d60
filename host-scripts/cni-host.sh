#!/usr/bin/env bash
# Readies this host for a CNI: makes the folders it keeps its state in (its pods mount them
# with hostPath type Directory: after a swap's cleanup, a kubelet retrying the old agent
# cannot make them again), imports the CNI's image tarballs into containerd (k8s.io
# namespace), checks that they provided every image the CNI needs, and prints the
# interface that carries the lab network and its MTU, from which the program derives the pod MTU:
#   iface=<name> mtu=<bytes>
# Safe to re-run. Inputs (rendered in): NETLAB_ADDRESS (this host's lab address),
# NETLAB_IMAGE_TARS (paths on this host, space-separated), NETLAB_IMAGES (the refs they must
# provide, space-separated), NETLAB_STATE_DIRS (space-separated, may be empty).
set -euo pipefail

: "${NETLAB_ADDRESS:?}" "${NETLAB_IMAGE_TARS:?}" "${NETLAB_IMAGES:?}"
for dir in ${NETLAB_STATE_DIRS:-}; do
    mkdir -p "$dir"
done
import_images "$NETLAB_IMAGE_TARS" "$NETLAB_IMAGES"
iface=$(ip -o -4 addr show | awk -v a="$NETLAB_ADDRESS" '{ split($4, p, "/"); if (p[1] == a) { print $2; exit } }')
[ -n "$iface" ] || die "no interface of $(hostname) holds $NETLAB_ADDRESS"
echo "iface=$iface mtu=$(cat "/sys/class/net/$iface/mtu")"
