#!/usr/bin/env bash
# Builds netlab's toolchain into .toolchain/ (git-ignored) from pinned upstream sources, for
# machines that reach package registries but not release downloads:
#   - Go modules through the Go module proxy (GOPROXY is honoured as set);
#   - release archives the proxy refuses from the source mirror: NETLAB_SOURCE_MIRROR is a
#     prefix for GitHub archive URLs (`https://` on a connected machine, a local folder laid out
#     as github.com/OWNER/REPO/archive/…, or a company mirror); default: ../shared/sources
#     beside this checkout when it exists, else https://. Every archive's sha256 is pinned.
# What each target builds and how is in toolchain/recipes/<project>.sh; versions and sha256
# in toolchain/versions.env; netlab's changes to upstream code in toolchain/patches/.
# Incremental: an artifact is rebuilt only when its versions or recipe changed. Usage:
#   commands/toolchain.sh [TARGET …]   default: the `default` group
#   groups:  dev     = pulumi nodejs-host pulumi-command pulumi-docker base-image (the dev stack:
#                      just the hosts)
#            weave-lab = consul nomad fabio fortio httpbackend weave (weave-lab's binaries;
#                      `weave` alone is the target that builds Weave Net)
#            default = dev and weave-lab's binaries
#            kube    = pulumi-kubernetes kubernetes etcd coredns cni-plugins flannel kube-router
#                      pause kube-images calico (calico-node, its CNI plugin, kube-controllers)
#                      cilium (agent, operator, CNI plugin; the agent image carries clang-19)
#                      httpbackend
#            mesh    = linkerd (proxy and policy controller in Rust, control plane and proxy-init
#                      in Go, charts, images) and fortio-image (kube-lab's drills)
#            all     = default, kube and mesh
#   docker-engine: only start the local Docker engine if none answers (commands/lab.sh uses it)
# Progress: a line at least every 30 s while a target builds (what, how long, what is left).
# base-image (debootstrap: network and disk) builds beside the Go builds (CPU).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${NETLAB_TOOLCHAIN_DIR:-$root/.toolchain}
bin=$cache/bin
artifacts=$cache/artifacts
stamps=$cache/stamps
log() { printf '[toolchain] %s\n' "$*" >&2; }
die() { printf '[toolchain] ERROR: %s\n' "$*" >&2; exit 1; }

# shellcheck source=SCRIPTDIR/../toolchain/versions.env
. "$root/toolchain/versions.env"
KUBERNETES_STAGING_VERSION=0.${KUBERNETES_VERSION#*.}
export KUBERNETES_STAGING_VERSION
if [ -z "${NETLAB_SOURCE_MIRROR:-}" ]; then
    if [ -d "$root/../shared/sources/github.com" ]; then NETLAB_SOURCE_MIRROR=$(cd "$root/../shared/sources" && pwd); else NETLAB_SOURCE_MIRROR=https://; fi
fi

mkdir -p "$bin" "$artifacts" "$stamps"

# The inputs of an artifact: its versions and every file of its recipe (files or folders).
fingerprint() {
    { cat "$root/toolchain/versions.env"; for f in "$@"; do find "$f" -type f -print0 | sort -z | xargs -0 cat; done; } | sha256sum | cut -c1-16
}
up_to_date() { # NAME FINGERPRINT OUTPUT…
    local name=$1 fp=$2 out
    shift 2
    [ "$(cat "$stamps/$name" 2>/dev/null)" = "$fp" ] || return 1
    for out in "$@"; do [ -x "$out" ] || return 1; done
}
stamp() { printf '%s\n' "$2" > "$stamps/$1"; }

# A clean work folder for NAME under .toolchain/work.
fresh_work() { # NAME
    rm -rf "$cache/work/$1"
    mkdir -p "$cache/work/$1"
    printf '%s\n' "$cache/work/$1"
}

# Fetches github.com/OWNER/REPO/archive/REF.tar.gz from NETLAB_SOURCE_MIRROR into
# .toolchain/sources (kept), checks its pinned sha256, unpacks it into DIR and prints the path
# of its one top folder.
unpack_source() { # DIR OWNER/REPO REF SHA256
    local dir=$1 rel=github.com/$2/archive/$3.tar.gz sha=$4 file top
    file=$cache/sources/$rel
    if [ ! -f "$file" ] || ! printf '%s  %s\n' "$sha" "$file" | sha256sum -c --quiet - >/dev/null 2>&1; then
        mkdir -p "$(dirname "$file")"
        log "fetching $rel from $NETLAB_SOURCE_MIRROR"
        case $NETLAB_SOURCE_MIRROR in
            http://* | https://*) curl -fsSL --retry 3 -o "$file.part" "${NETLAB_SOURCE_MIRROR%/}/$rel" ||
                die "cannot download $rel from $NETLAB_SOURCE_MIRROR (set NETLAB_SOURCE_MIRROR to a mirror that has it)" ;;
            *) cp "$NETLAB_SOURCE_MIRROR/$rel" "$file.part" 2>/dev/null ||
                die "$NETLAB_SOURCE_MIRROR has no $rel (set NETLAB_SOURCE_MIRROR to a mirror that has it)" ;;
        esac
        printf '%s  %s\n' "$sha" "$file.part" | sha256sum -c --quiet - >/dev/null 2>&1 ||
            die "$rel: sha256 $(sha256sum "$file.part" | cut -d' ' -f1) is not the pinned $sha (toolchain/versions.env)"
        mv -f "$file.part" "$file"
    fi
    top=$(tar -tzf "$file" | head -n 1)
    top=${top%%/*}
    tar -xzf "$file" -C "$dir" || die "cannot unpack $file"
    printf '%s\n' "$dir/$top"
}

# Applies PATCH files to the source tree DIR (-p1), failing loudly when one does not apply.
apply_patches() { # DIR PATCH…
    local dir=$1 p
    shift
    for p in "$@"; do
        patch -d "$dir" -p1 --forward --quiet <"$p" >/dev/null || die "patch $p does not apply to $dir"
    done
}

for f in "$root"/toolchain/lib/*.sh "$root"/toolchain/recipes/*.sh; do
    # shellcheck source=/dev/null
    . "$f"
done

dev_targets=(pulumi nodejs-host pulumi-command pulumi-docker base-image)
weave_lab_targets=(consul nomad fabio fortio httpbackend weave)
default_targets=("${dev_targets[@]}" "${weave_lab_targets[@]}")
kube_targets=(pulumi-kubernetes kubernetes etcd coredns cni-plugins flannel kube-router pause kube-images calico cilium httpbackend)
mesh_targets=(linkerd fortio-image)
targets=()
[ "$#" -gt 0 ] || set -- default
for t in "$@"; do
    case $t in
        dev) targets+=("${dev_targets[@]}") ;;
        weave-lab) targets+=("${weave_lab_targets[@]}") ;;
        default) targets+=("${default_targets[@]}") ;;
        kube) targets+=("${kube_targets[@]}") ;;
        mesh) targets+=("${mesh_targets[@]}") ;;
        all) targets+=("${default_targets[@]}" "${kube_targets[@]}" "${mesh_targets[@]}") ;;
        *) targets+=("$t") ;;
    esac
done
# Each target once, in the order first named.
declare -A seen=()
unique=()
for t in "${targets[@]}"; do
    [ -n "${seen[$t]:-}" ] && continue
    seen[$t]=1
    unique+=("$t")
done
targets=("${unique[@]}")
for t in "${targets[@]}"; do
    declare -F "recipe_${t//-/_}" >/dev/null ||
        die "unknown target '$t' (${default_targets[*]} ${kube_targets[*]} ${mesh_targets[*]} linkerd-proxy linkerd-policy, or a group: dev weave-lab default kube mesh all)"
done

# A line every NETLAB_PROGRESS_SECONDS (30) while TARGET runs: elapsed, and what is left.
# The ticker runs while its token file exists (no signals: it ends within a second of
# progress_stop, by itself, and never outlives this script by more than that).
progress_token=
progress_start() { # TARGET LEFT…
    local what=$1 started=$SECONDS every=${NETLAB_PROGRESS_SECONDS:-30} token
    shift
    local left=${*:-nothing}
    progress_stop
    token=$(mktemp "$cache/.progress.XXXXXX")
    progress_token=$token
    (
        trap - EXIT
        next=$((started + every))
        while [ -f "$token" ] && kill -0 "$$" 2>/dev/null; do
            sleep 1
            if [ -f "$token" ] && [ "$SECONDS" -ge "$next" ]; then
                log "$what: building, $(((SECONDS - started) / 60))m$(((SECONDS - started) % 60))s so far; then: $left"
                next=$((next + every))
            fi
        done
    ) &
    disown $!
}
progress_stop() {
    [ -n "$progress_token" ] || return 0
    rm -f "$progress_token"
    progress_token=
}

# The base image is built beside the rest (its own log, its exit status in a file). An image
# build waits for it (docker_build_image calls await_base_image), and so does the end.
base_pid=
base_rc=$cache/base-image.rc
await_base_image() {
    [ -n "$base_pid" ] || return 0
    progress_start "base-image" "the remaining targets"
    while kill -0 "$base_pid" 2>/dev/null; do sleep 0.2; done
    progress_stop
    base_pid=
    local rc=1
    [ ! -f "$base_rc" ] || read -r rc <"$base_rc"
    [ "$rc" = 0 ] || { tail -20 "$cache/base-image.log" >&2; die "base-image failed (see $cache/base-image.log)"; }
}
if [ "${#targets[@]}" -gt 1 ] && [ -n "${seen[base-image]:-}" ]; then
    log "base-image: building beside the other targets (log: $cache/base-image.log)"
    rm -f "$base_rc"
    (
        trap - EXIT
        start=$SECONDS rc=0
        recipe_base_image >"$cache/base-image.log" 2>&1 || rc=$?
        echo "$rc" >"$base_rc"
        [ "$rc" -ne 0 ] || log "base-image: $((SECONDS - start)) s"
    ) &
    base_pid=$!
    disown "$base_pid" # polled (kill -0) with its status in a file, never waited for
fi
trap 'progress_stop; [ -z "$base_pid" ] || kill "$base_pid" 2>/dev/null || true' EXIT
total=${#targets[@]}
i=0
for t in "${targets[@]}"; do
    i=$((i + 1))
    [ "$t" = base-image ] && [ -n "$base_pid" ] && continue
    start=$SECONDS
    left=()
    for l in "${targets[@]:i}"; do [ "$l" = base-image ] && [ -n "$base_pid" ] || left+=("$l"); done
    progress_start "$t ($i of $total)" "${left[@]}"
    "recipe_${t//-/_}"
    progress_stop
    log "$t: $((SECONDS - start)) s"
done
await_base_image
log "done: put $bin on PATH (commands/lab.sh does it for you)"
