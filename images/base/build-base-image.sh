#!/usr/bin/env bash
# Build the local base image netlab/debian:bookworm from Debian packages.
#
# No container registry is needed: the root file system is made with
#   debootstrap --variant=minbase bookworm <tmpdir> <mirror>
# and imported with `docker import`. The image is built only when missing.
#
# Environment:
#   NETLAB_DEBIAN_MIRROR  Debian mirror URL (e.g. http://<host>/debian). When unset,
#                         it is read from the host's apt sources
#                         (/etc/apt/sources.list and /etc/apt/sources.list.d/*.list,
#                         one-line format, and *.sources, deb822 "URIs:" format).
#   NETLAB_BASE_IMAGE     image name to create (default netlab/debian:bookworm).
#   NETLAB_REBUILD=1      rebuild even if the image exists.
set -euo pipefail

readonly SUITE=bookworm
IMAGE="${NETLAB_BASE_IMAGE:-netlab/debian:${SUITE}}"

log() { printf '[build-base-image] %s\n' "$*" >&2; }
die() { printf '[build-base-image] ERROR: %s\n' "$*" >&2; exit 1; }

# Print the URI of the first enabled "deb" source whose suites contain $SUITE exactly;
# fall back to the first "deb" URI ending in /debian. Prints nothing when none is found.
mirror_from_apt_sources() {
  local files=() f
  [[ -f /etc/apt/sources.list ]] && files+=(/etc/apt/sources.list)
  for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] && files+=("$f")
  done
  ((${#files[@]})) || return 0
  awk -v suite="$SUITE" '
    function flush() {
      # end of a deb822 stanza
      if (st_types ~ /(^| )deb( |$)/ && tolower(st_enabled) != "no") consider(st_uris, st_suites)
      st_types = ""; st_uris = ""; st_suites = ""; st_enabled = ""
    }
    function consider(uris, suites,   u, s, nu, ns, i, j) {
      nu = split(uris, u, /[ \t]+/); ns = split(suites, s, /[ \t]+/)
      for (i = 1; i <= nu; i++) {
        if (u[i] == "") continue
        for (j = 1; j <= ns; j++) if (s[j] == suite && exact == "") exact = u[i]
        if (fallback == "" && u[i] ~ /\/debian\/?$/) fallback = u[i]
      }
    }
    FNR == 1 { flush(); deb822 = (FILENAME ~ /\.sources$/) }
    {
      line = $0; sub(/#.*/, "", line)
      if (deb822) {
        if (line ~ /^[ \t]*$/) { if ($0 !~ /^[ \t]*#/) flush(); next }
        if (match(line, /^[A-Za-z-]+:/)) {
          key = tolower(substr(line, 1, RLENGTH - 1)); val = substr(line, RLENGTH + 1)
          gsub(/^[ \t]+|[ \t]+$/, "", val)
          if (key == "types") st_types = val
          else if (key == "uris") st_uris = val
          else if (key == "suites") st_suites = val
          else if (key == "enabled") st_enabled = val
        }
        next
      }
      # one-line format: deb [options] uri suite [component...]
      gsub(/\[[^]]*\]/, " ", line)
      n = split(line, w, /[ \t]+/)
      k = 1; while (k <= n && w[k] == "") k++
      if (w[k] != "deb") next
      consider(w[k + 1], w[k + 2])
    }
    END {
      flush()
      if (exact != "") print exact; else if (fallback != "") print fallback
    }
  ' "${files[@]}"
}

# --- preconditions ---------------------------------------------------------
command -v docker >/dev/null 2>&1 ||
  die "the docker CLI is not installed (Debian: apt-get install -y docker.io)"
if ! docker info >/dev/null 2>&1; then
  die "no Docker engine answers ('docker info' failed). Start one, e.g.
  systemctl start docker            (on a host with systemd), or
  nohup dockerd >/var/log/dockerd.log 2>&1 &   (as root, without systemd),
then re-run this script."
fi

if [[ "${NETLAB_REBUILD:-0}" != 1 ]] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "image $IMAGE already exists; nothing to do (NETLAB_REBUILD=1 forces a rebuild)"
  exit 0
fi

[[ $(id -u) -eq 0 ]] || die "debootstrap must run as root (try: sudo $0)"
command -v debootstrap >/dev/null 2>&1 ||
  die "debootstrap is not installed (Debian: apt-get install -y debootstrap)"

mirror="${NETLAB_DEBIAN_MIRROR:-}"
if [[ -z "$mirror" ]]; then
  mirror="$(mirror_from_apt_sources)"
  [[ -n "$mirror" ]] || die "no Debian mirror found in /etc/apt/sources.list or /etc/apt/sources.list.d/*.{list,sources}; set NETLAB_DEBIAN_MIRROR=http://<mirror>/debian"
  log "mirror (from apt sources): $mirror"
else
  log "mirror (from NETLAB_DEBIAN_MIRROR): $mirror"
fi

# --- build -------------------------------------------------------------------
workdir="$(mktemp -d /tmp/netlab-base.XXXXXX)"
cleanup() {
  # debootstrap may leave mounts (proc, sys) behind when interrupted
  local m
  if [[ -d "$workdir" ]]; then
    while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(
      awk -v d="$workdir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r)
    rm -rf --one-file-system "$workdir"
  fi
}
trap cleanup EXIT
rootfs="$workdir/rootfs"

start=$SECONDS
log "debootstrap --variant=minbase $SUITE into $rootfs ..."
if ! debootstrap --variant=minbase "$SUITE" "$rootfs" "$mirror" >"$workdir/debootstrap.log" 2>&1; then
  tail -n 30 "$workdir/debootstrap.log" >&2 || true
  [[ -f "$rootfs/debootstrap/debootstrap.log" ]] && tail -n 30 "$rootfs/debootstrap/debootstrap.log" >&2
  die "debootstrap failed (mirror: $mirror)"
fi

# Make the tree smaller and image-friendly.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
  "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/log/*.log "$rootfs"/tmp/* "$rootfs"/var/tmp/*
: >"$rootfs/etc/machine-id" 2>/dev/null || true

log "importing as $IMAGE ..."
tar --numeric-owner -C "$rootfs" -c . |
  docker import \
    --change 'CMD ["/bin/bash"]' \
    --change 'LABEL netlab.role=base' \
    --change "LABEL netlab.debian.suite=$SUITE" \
    - "$IMAGE" >/dev/null
log "built $IMAGE in $((SECONDS - start))s ($(docker image inspect -f '{{.Size}}' "$IMAGE") bytes)"
