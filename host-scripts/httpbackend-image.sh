#!/usr/bin/env bash
# Builds the httpbackend image on this host from the binary HostArtifacts put there: FROM
# scratch, so nothing is pulled and no registry is involved. Safe to re-run (the build is
# skipped when the image already holds this binary). With NETLAB_CONTAINERD=1 the image is
# also imported into containerd's k8s.io namespace, where the kubelet finds it. With
# NETLAB_ACTION=delete it removes the image.
# Inputs (rendered in): NETLAB_BINARY, NETLAB_IMAGE, NETLAB_CONTAINERD, NETLAB_ACTION.
set -euo pipefail

: "${NETLAB_BINARY:?}" "${NETLAB_IMAGE:?}"
containerd=${NETLAB_CONTAINERD:-0}
if [ "${NETLAB_ACTION:-create}" = delete ]; then
    docker image rm -f "$NETLAB_IMAGE" >/dev/null 2>&1 || true
    if [ "$containerd" = 1 ] && command -v ctr >/dev/null 2>&1; then
        ctr -n k8s.io images rm "$NETLAB_IMAGE" >/dev/null 2>&1 || true
    fi
    echo "$NETLAB_IMAGE removed from $(hostname)"
    exit 0
fi
[ -x "$NETLAB_BINARY" ] || { echo "httpbackend-image: $NETLAB_BINARY is missing" >&2; exit 1; }
digest=$(sha256sum "$NETLAB_BINARY" | cut -c1-64)
if [ "$(docker image inspect -f '{{index .Config.Labels "netlab.binary"}}' "$NETLAB_IMAGE" 2>/dev/null || true)" != "$digest" ]; then
    ctx=$(mktemp -d)
    trap 'rm -rf "$ctx"' EXIT
    cp "$NETLAB_BINARY" "$ctx/httpbackend"
    cat > "$ctx/Dockerfile" <<DOCKERFILE
FROM scratch
COPY httpbackend /httpbackend
EXPOSE 8081
LABEL netlab.binary=$digest
ENTRYPOINT ["/httpbackend"]
DOCKERFILE
    docker build -q -t "$NETLAB_IMAGE" "$ctx" >/dev/null
fi
if [ "$containerd" = 1 ]; then
    docker save "$NETLAB_IMAGE" | ctr -n k8s.io images import - >/dev/null
    ctr -n k8s.io images ls -q | grep -xF "$NETLAB_IMAGE" >/dev/null ||
        { echo "httpbackend-image: $NETLAB_IMAGE did not reach containerd on $(hostname)" >&2; exit 1; }
fi
echo "$NETLAB_IMAGE on $(hostname): binary $(printf '%s' "$digest" | cut -c1-12)"
