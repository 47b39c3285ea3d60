#!/usr/bin/env bash
# Builds the httpbackend image on this host from the binary HostArtifacts put there: FROM
# scratch, so nothing is pulled and no registry is involved. Safe to re-run (the build is
# skipped when the image already holds this binary). With NETLAB_ACTION=delete it removes
# the image. Inputs (rendered in): NETLAB_BINARY, NETLAB_IMAGE, NETLAB_ACTION.
set -euo pipefail

: "${NETLAB_BINARY:?}" "${NETLAB_IMAGE:?}"
if [ "${NETLAB_ACTION:-create}" = delete ]; then
    docker image rm -f "$NETLAB_IMAGE" >/dev/null 2>&1 || true
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
echo "$NETLAB_IMAGE on $(hostname): binary $(printf '%s' "$digest" | cut -c1-12)"
