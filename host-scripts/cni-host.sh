#!/usr/bin/env bash
# Readies this host for a CNI: imports the CNI's image tarball into containerd (k8s.io
# namespace), checks that it provided every image the CNI's tarball holds, and prints the
# interface that carries the lab network and its MTU, from which the program derives the pod MTU:
#   iface=<name> mtu=<bytes>
# Safe to re-run. Inputs (rendered in): NETLAB_ADDRESS (this host's lab address),
# NETLAB_IMAGE_TAR (path on this host), NETLAB_IMAGES (the refs it must provide, space-separated).
set -euo pipefail

: "${NETLAB_ADDRESS:?}" "${NETLAB_IMAGE_TAR:?}" "${NETLAB_IMAGES:?}"
[ -f "$NETLAB_IMAGE_TAR" ] || { echo "cni-host: $NETLAB_IMAGE_TAR is missing on $(hostname)" >&2; exit 1; }
ctr -n k8s.io images import "$NETLAB_IMAGE_TAR" >/dev/null
have=$(ctr -n k8s.io images ls -q)
for image in $NETLAB_IMAGES; do
    grep -xF "$image" >/dev/null <<<"$have" ||
        { echo "cni-host: $NETLAB_IMAGE_TAR did not provide $image on $(hostname)" >&2; exit 1; }
done
iface=$(ip -o -4 addr show | awk -v a="$NETLAB_ADDRESS" '{ split($4, p, "/"); if (p[1] == a) { print $2; exit } }')
[ -n "$iface" ] || { echo "cni-host: no interface of $(hostname) holds $NETLAB_ADDRESS" >&2; exit 1; }
echo "iface=$iface mtu=$(cat "/sys/class/net/$iface/mtu")"
