# shellcheck shell=bash disable=SC2154,SC2034  # root, cache, bin, artifacts, stamps: set by commands/toolchain.sh; replaced_image: read by its caller
# Image builds with the local Docker engine, shared by the image recipes (sourced by
# commands/toolchain.sh): build one image from a prepared context, save images into a tarball,
# write the list of what a tarball holds.

# Builds REF from the context folder CTX (build args as given), logging into LOGF. Sets
# `replaced_image` to the id REF had before when the build changed it (else empty), for the
# caller to drop once nothing built from it needs it.
docker_build_image() { # REF CTX LOGF [BUILD-ARG…]
    local ref=$1 ctx=$2 logf=$3 old new
    shift 3
    await_base_image
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

# The base image every netlab image with a package layer builds FROM (images/base).
netlab_base_image=${NETLAB_BASE_IMAGE:-netlab/debian:bookworm}

# Builds image set SET when its inputs changed: the images of one tarball,
# artifacts/images/SET.tar, listed in artifacts/images/SET.txt ("SET.tar REF" lines), each
# built from IMAGES/NAME/Dockerfile (IMAGES: a folder below the repo, e.g. images/k8s) in a
# context of that folder, images/netlab-apt-install, and the image's inputs from SRC. The
# recipe describes its images with three functions whose names start with PREFIX:
#   PREFIX_image_ref NAME           the image's ref;
#   PREFIX_image_inputs NAME        one line per input, "PATH [DEST]": a file or folder below
#                                   SRC, put into the context as DEST (default: its base name);
#   PREFIX_image_build_args NAME    (optional) more docker build flags, one per line.
# BASE_IMAGE is passed to every Dockerfile that declares it. The stamp covers the versions,
# RECIPE, netlab-apt-install, the base image, and each image's files and inputs (sha256);
# the images a rebuild replaces are dropped, last built first.
build_image_set() { # SET PREFIX IMAGES SRC RECIPE NAME…
    local set=$1 fn=$2 images=$root/$3 src=$4 recipe=$5 name p dest ifp base_id ctx work i
    local tar=$artifacts/images/$1.tar list=$artifacts/images/$1.txt refs=() manifest='' replaced=() args=() replaced_image
    local apt_install=$root/images/netlab-apt-install
    shift 5
    recipe_base_image
    base_id=$(docker image inspect -f '{{.Id}}' "$netlab_base_image") || die "base image $netlab_base_image is missing"
    ifp=$({
        cat "$root/toolchain/versions.env" "$recipe" "$apt_install"
        printf '%s\n' "$base_id"
        for name in "$@"; do
            [ -f "$images/$name/Dockerfile" ] || die "${images#"$root/"}/$name/Dockerfile is missing"
            "${fn}_image_ref" "$name"
            find "$images/$name" -type f -print0 | sort -z | xargs -0 cat
            while read -r p dest; do
                printf '%s %s\n' "$p" "${dest:-}"
                [ -e "$src/$p" ] || die "$set: $src/$p (an input of image $name) is missing"
                (cd "$src" && find "$p" -type f -print0 | sort -z | xargs -0 sha256sum)
            done < <("${fn}_image_inputs" "$name")
        done
    } | sha256sum | cut -c1-16)
    for name in "$@"; do
        refs+=("$("${fn}_image_ref" "$name")")
        manifest+="$set.tar ${refs[${#refs[@]} - 1]}"$'\n'
    done
    if [ "$(cat "$stamps/images-$set" 2>/dev/null)" = "$ifp" ] && [ -s "$tar" ]; then
        log "$set: images up to date ($tar)"
    else
        work=$(fresh_work "images-$set")
        for name in "$@"; do
            ctx=$work/$name
            mkdir -p "$ctx"
            cp -R "$images/$name/." "$ctx/"
            cp -p "$apt_install" "$ctx/"
            while read -r p dest; do
                dest=${dest:-${p##*/}}
                mkdir -p "$(dirname "$ctx/$dest")"
                cp -a "$src/$p" "$ctx/$dest"
            done < <("${fn}_image_inputs" "$name")
            args=()
            if grep -q '^ARG BASE_IMAGE' "$ctx/Dockerfile"; then args+=(--build-arg "BASE_IMAGE=$netlab_base_image"); fi
            if declare -F "${fn}_image_build_args" >/dev/null; then
                while read -r p; do args+=("$p"); done < <("${fn}_image_build_args" "$name")
            fi
            docker_build_image "$("${fn}_image_ref" "$name")" "$ctx" "$cache/work/images/$set-$name.log" "${args[@]}"
            if [ -n "$replaced_image" ]; then replaced+=("$replaced_image"); fi
        done
        rm -rf "$work"
        # (Refused, harmlessly, while something else still uses one.)
        for ((i = ${#replaced[@]} - 1; i >= 0; i--)); do docker rmi "${replaced[i]}" >/dev/null 2>&1 || true; done
        save_image_tarball "$tar" "${refs[@]}"
        stamp "images-$set" "$ifp"
    fi
    write_image_list "$list" "$manifest"
}
