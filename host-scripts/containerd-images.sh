#!/usr/bin/env bash
# Imports image tarballs that HostArtifacts put on this host into containerd's k8s.io
# namespace (where the kubelet finds them: no registry in the lab) and checks that they
# provided every image expected. With NETLAB_ACTION=delete it removes those images. Safe to
# re-run. Inputs (rendered in): NETLAB_IMAGE_TARS (paths on this host, space-separated),
# NETLAB_IMAGES (refs, space-separated), NETLAB_ACTION.
set -euo pipefail

: "${NETLAB_IMAGES:?}"
if [ "${NETLAB_ACTION:-create}" = delete ]; then
    if command -v ctr >/dev/null 2>&1; then
        for image in $NETLAB_IMAGES; do
            ctr -n k8s.io images rm "$image" >/dev/null 2>&1 || true
        done
    fi
    echo "images removed from $(hostname): $NETLAB_IMAGES"
    exit 0
fi
: "${NETLAB_IMAGE_TARS:?}"
import_images "$NETLAB_IMAGE_TARS" "$NETLAB_IMAGES"
echo "$(hostname): $NETLAB_IMAGES"
