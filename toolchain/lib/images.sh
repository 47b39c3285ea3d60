# shellcheck shell=bash disable=SC2154,SC2034  # root, cache, bin, artifacts, stamps: set by scripts/toolchain.sh; replaced_image: read by its caller
# Image builds with the local Docker engine, shared by the image recipes (sourced by
# scripts/toolchain.sh): build one image from a prepared context, save images into a tarball,
# write the list of what a tarball holds.

# Builds REF from the context folder CTX (build args as given), logging into LOGF. Sets
# `replaced_image` to the id REF had before when the build changed it (else empty), for the
# caller to drop once nothing built from it needs it.
docker_build_image() { # REF CTX LOGF [BUILD-ARG…]
    local ref=$1 ctx=$2 logf=$3 old new
    shift 3
    old=$(docker image inspect -f '{{.Id}}' "$ref" 2>/dev/null || true)
    log "building image $ref"
    mkdir -p "$(dirname "$logf")"
    docker build "$@" -t "$ref" "$ctx" >"$logf" 2>&1 ||
        { tail -20 "$logf" >&2; die "docker build of $ref failed (see $logf)"; }
    new=$(docker image inspect -f '{{.Id}}' "$ref")
    replaced_image=
    if [ -n "$old" ] && [ "$old" != "$new" ]; then replaced_image=$old; fi
}

# Saves REF… into the tarball TAR, atomically.
save_image_tarball() { # TAR REF…
    local tar=$1
    shift
    mkdir -p "$(dirname "$tar")"
    log "saving $* into $tar"
    docker save -o "$tar.part" "$@" || die "docker save into $tar failed"
    chmod 0644 "$tar.part"
    mv -f "$tar.part" "$tar"
}

# Writes CONTENT to the image list LIST when it differs (one "TARBALL REF" line per image).
write_image_list() { # LIST CONTENT
    if [ "$(cat "$1" 2>/dev/null)"$'\n' != "$2" ]; then
        printf '%s' "$2" >"$1.part"
        mv -f "$1.part" "$1"
    fi
}
