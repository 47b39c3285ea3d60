#!/usr/bin/env bash
# Builds netlab's toolchain from the Go module proxy into .toolchain/ (git-ignored), for
# machines without internet that reach a Go proxy (GOPROXY is honoured as set):
#   bin/pulumi, bin/pulumi-language-nodejs, bin/pulumi-resource-pulumi-nodejs,
#   bin/pulumi-resource-{command,docker,kubernetes} (netlab's stand-in plugins),
#   artifacts/{consul,nomad,fabio,fortio,httpbackend}, and the local base image (debootstrap);
# opt-in, for Kubernetes labs: artifacts/kubernetes/*, artifacts/{etcd,coredns,cni,flannel,
#   kube-router,pause}/*, and artifacts/images/*.tar (images built with the local Docker
#   engine from images/k8s/, listed in artifacts/images/images.txt).
# Versions: toolchain/versions.env. Incremental: an artifact is rebuilt only when its
# version or recipe changed. Usage:
#   scripts/toolchain.sh [ARTIFACT …]   default: all but the Kubernetes ones
#   ARTIFACT: pulumi nodejs-host providers base-image consul nomad fabio fortio httpbackend
#             kubernetes etcd coredns cni-plugins flannel kube-router pause kube-images
#             kube (= kubernetes etcd coredns cni-plugins flannel kube-router pause kube-images)
#             all (= the default and kube)
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

command -v go >/dev/null 2>&1 || die "Go is not installed: install Go 1.24 or later (its tarball, or your distribution's golang package if it is that new)"
mkdir -p "$bin" "$artifacts" "$stamps"

# The inputs of an artifact: its versions and every file of its recipe.
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

# Renders wrappers/NAME/go.mod.in (@VAR@ -> value) into a work dir, resolves it, builds PKG → OUT.
build_wrapper() { # NAME OUT PKG [LDFLAGS]
    resolve_wrapper "$1"
    go_build "$@"
}

# Renders wrappers/NAME/go.mod.in (@VAR@ -> value) into a fresh work dir and resolves it.
resolve_wrapper() { # NAME
    local name=$1 work var
    work=$cache/work/$name
    rm -rf "$work"
    mkdir -p "$work"
    cp "$root/toolchain/wrappers/$name/tools.go" "$work/"
    cp "$root/toolchain/wrappers/$name/go.mod.in" "$work/go.mod"
    for var in $(grep -oE '@[A-Z_]+@' "$work/go.mod" | sort -u | tr -d @); do
        [ -n "${!var:-}" ] || die "wrappers/$name/go.mod.in uses @$var@, which toolchain/versions.env does not set"
        sed -i "s|@$var@|${!var}|g" "$work/go.mod"
    done
    log "$name: resolving modules"
    (cd "$work" && go mod tidy -e >"$work/tidy.log" 2>&1) || { tail -20 "$work/tidy.log" >&2; die "$name: go mod tidy failed (is GOPROXY reachable? see $work/tidy.log)"; }
}

# Builds PKG → OUT in the work dir of wrapper NAME (resolved before), static, with LDFLAGS
# and any further go build flags.
go_build() { # NAME OUT PKG [LDFLAGS [FLAG…]]
    local name=$1 out=$2 pkg=$3 ldflags=${4:-} work=$cache/work/$1
    shift 3
    shift "$(($# > 0))"
    log "$name: building $pkg"
    mkdir -p "$(dirname "$out")"
    (cd "$work" && CGO_ENABLED=0 go build -trimpath "$@" -o "$out" -ldflags "-s -w $ldflags" "$pkg" >"$work/build.log" 2>&1) ||
        { tail -20 "$work/build.log" >&2; die "$name: go build of $pkg failed (see $work/build.log)"; }
}

build_pulumi() {
    local fp out=$bin/pulumi
    fp=$(fingerprint "$root/toolchain/wrappers/pulumi")
    up_to_date pulumi "$fp" "$out" && { log "pulumi v$PULUMI_VERSION: up to date"; return; }
    build_wrapper pulumi "$out" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
        "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION"
    stamp pulumi "$fp"
    log "pulumi: $("$out" version)"
}

build_nodejs_host() {
    local fp out=$bin/pulumi-language-nodejs shim=$root/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs
    fp=$(fingerprint "$root/toolchain/wrappers/nodejs-host")
    if ! up_to_date nodejs-host "$fp" "$out"; then
        build_wrapper nodejs-host "$out" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs \
            "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_NODEJS_HOST_SDK"
        stamp nodejs-host "$fp"
    else
        log "pulumi-language-nodejs (sdk v$PULUMI_NODEJS_HOST_SDK): up to date"
    fi
    # Dynamic providers: the launcher script ships in the npm package.
    [ -f "$shim" ] || die "$shim is missing: run npm ci first"
    install -m 0755 "$shim" "$bin/pulumi-resource-pulumi-nodejs"
}

build_providers() {
    local p version fp out
    for p in command docker kubernetes; do
        case $p in
            command) version=$COMMAND_PROVIDER_VERSION ;;
            docker) version=$DOCKER_PROVIDER_VERSION ;;
            kubernetes) version=$KUBERNETES_PROVIDER_VERSION ;;
        esac
        out=$bin/pulumi-resource-$p
        if [ ! -f "$root/toolchain/providers/$p/go.mod" ]; then
            log "pulumi-resource-$p: skipped (toolchain/providers/$p has no go.mod yet)"
            continue
        fi
        fp=$(fingerprint "$root/toolchain/providers/$p")
        if up_to_date "provider-$p" "$fp" "$out"; then
            log "pulumi-resource-$p: up to date"
            continue
        fi
        log "pulumi-resource-$p: building netlab's stand-in plugin (reports v$version)"
        (cd "$root/toolchain/providers/$p" && CGO_ENABLED=0 go build -trimpath -o "$out" -ldflags "-s -w -X main.Version=$version" . ) ||
            die "pulumi-resource-$p: go build failed in toolchain/providers/$p"
        stamp "provider-$p" "$fp"
    done
}

build_artifact() { # NAME PKG VERSION-FLAG… (binary goes to artifacts/NAME)
    local name=$1 pkg=$2 ldflags=${3:-} fp out=$artifacts/$1
    fp=$(fingerprint "$root/toolchain/wrappers/$name")
    up_to_date "$name" "$fp" "$out" && { log "$name: up to date"; return; }
    build_wrapper "$name" "$out" "$pkg" "$ldflags"
    stamp "$name" "$fp"
}

# The lab's sample service, from this repo (standard library only: no proxy needed).
build_httpbackend() {
    local fp out=$artifacts/httpbackend
    fp=$(fingerprint "$root/workloads/httpbackend")
    up_to_date httpbackend "$fp" "$out" && { log "httpbackend: up to date"; return; }
    (cd "$root/workloads/httpbackend" && CGO_ENABLED=0 go build -trimpath -o "$out" -ldflags "-s -w" .) ||
        die "httpbackend: go build failed in workloads/httpbackend"
    stamp httpbackend "$fp"
}

build_kubernetes() {
    local fp cmd outs=() v="v$KUBERNETES_VERSION" flags
    local cmds=(kubeadm kubectl kubelet kube-apiserver kube-controller-manager kube-scheduler kube-proxy)
    for cmd in "${cmds[@]}"; do outs+=("$artifacts/kubernetes/$cmd"); done
    fp=$(fingerprint "$root/toolchain/wrappers/kubernetes")
    up_to_date kubernetes "$fp" "${outs[@]}" && { log "kubernetes $v: up to date"; return; }
    mkdir -p "$artifacts/kubernetes"
    flags="-X k8s.io/component-base/version.gitVersion=$v -X k8s.io/component-base/version.gitTreeState=clean"
    flags+=" -X k8s.io/client-go/pkg/version.gitVersion=$v"
    build_wrapper kubernetes "$artifacts/kubernetes/kubeadm" k8s.io/kubernetes/cmd/kubeadm "$flags"
    for cmd in "${cmds[@]:1}"; do
        go_build kubernetes "$artifacts/kubernetes/$cmd" "k8s.io/kubernetes/cmd/$cmd" "$flags"
    done
    stamp kubernetes "$fp"
}

# Builds wrapper NAME into artifacts/DIR: each SPEC is BINARY=PACKAGE, all linked with LDFLAGS.
build_wrapped() { # NAME DIR LDFLAGS SPEC…
    local name=$1 dir=$artifacts/$2 ldflags=$3 fp spec outs=() resolved=
    shift 3
    for spec in "$@"; do outs+=("$dir/${spec%%=*}"); done
    fp=$(fingerprint "$root/toolchain/wrappers/$name")
    up_to_date "$name" "$fp" "${outs[@]}" && { log "$name: up to date"; return; }
    for spec in "$@"; do
        if [ -z "$resolved" ]; then
            build_wrapper "$name" "$dir/${spec%%=*}" "${spec#*=}" "$ldflags"
            resolved=1
        else
            go_build "$name" "$dir/${spec%%=*}" "${spec#*=}" "$ldflags"
        fi
    done
    stamp "$name" "$fp"
}

# etcd and etcdctl (their version is a constant of go.etcd.io/etcd/api/v3/version).
build_etcd() {
    build_wrapped etcd etcd "" etcd=go.etcd.io/etcd/server/v3 etcdctl=go.etcd.io/etcd/etcdctl/v3
}

# CoreDNS with its default plugin set (its version is the constant coremain.CoreVersion).
build_coredns() {
    build_wrapped coredns coredns "" coredns=github.com/coredns/coredns
}

# The CNI plugins the lab's nodes get in /opt/cni/bin: four from CNI_PLUGINS_VERSION, and
# flannel's meta-plugin from CNI_FLANNEL_PLUGIN_VERSION (nested wrapper cni-plugins/flannel).
build_cni_plugins() {
    local dir=$artifacts/cni fp p outs=() bv=github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion
    local pkg=github.com/containernetworking/plugins/plugins
    for p in bridge host-local loopback portmap flannel; do outs+=("$dir/$p"); done
    fp=$(fingerprint "$root/toolchain/wrappers/cni-plugins")
    up_to_date cni-plugins "$fp" "${outs[@]}" && { log "cni-plugins: up to date"; return; }
    build_wrapper cni-plugins "$dir/bridge" "$pkg/main/bridge" "-X $bv=v$CNI_PLUGINS_VERSION"
    go_build cni-plugins "$dir/host-local" "$pkg/ipam/host-local" "-X $bv=v$CNI_PLUGINS_VERSION"
    go_build cni-plugins "$dir/loopback" "$pkg/main/loopback" "-X $bv=v$CNI_PLUGINS_VERSION"
    go_build cni-plugins "$dir/portmap" "$pkg/meta/portmap" "-X $bv=v$CNI_PLUGINS_VERSION"
    build_wrapper cni-plugins/flannel "$dir/flannel" "$pkg/meta/flannel" "-X $bv=v$CNI_FLANNEL_PLUGIN_VERSION"
    stamp cni-plugins "$fp"
}

# flanneld, static: on amd64 upstream links the UDP backend's C proxy (cgo). The build uses a
# copy of flannel's module (a replace in the work dir) in which the proxy's files are dropped
# and wrappers/flannel/udp_network_nocgo.go stands in for udp_network_amd64.go, so choosing
# the "udp" backend reports an error instead; every other backend is untouched.
build_flannel() {
    local fp out=$artifacts/flannel/flanneld mod=github.com/flannel-io/flannel work=$cache/work/flannel dir udp
    fp=$(fingerprint "$root/toolchain/wrappers/flannel")
    up_to_date flannel "$fp" "$out" && { log "flannel: up to date"; return; }
    resolve_wrapper flannel
    dir=$(cd "$work" && go list -m -f '{{.Dir}}' "$mod") || die "flannel: cannot locate $mod in the module cache"
    [ -f "$dir/pkg/backend/udp/udp_network_amd64.go" ] || die "flannel: $mod has no pkg/backend/udp/udp_network_amd64.go: update build_flannel"
    log "flannel: building from a copy without the UDP backend's C proxy"
    cp -R "$dir" "$work/flannel-src"
    chmod -R u+w "$work/flannel-src"
    udp=$work/flannel-src/pkg/backend/udp
    rm -f "$udp/cproxy_amd64.go" "$udp/proxy_amd64.c" "$udp/proxy_amd64.h"
    cp "$root/toolchain/wrappers/flannel/udp_network_nocgo.go" "$udp/udp_network_amd64.go"
    (cd "$work" && go mod edit -replace "$mod=./flannel-src") || die "flannel: go mod edit failed in $work"
    go_build flannel "$out" "$mod" "-X $mod/pkg/version.Version=v$FLANNEL_VERSION"
    stamp flannel "$fp"
}

# kube-router: its "build date" is the release's commit time, so that rebuilds are identical.
# gobgp v3.14.0, which it requires, is missing from the checksum database: skip the lookup
# for it (the proxy still serves it; go.sum records what was fetched).
build_kube_router() {
    local fp date mod=github.com/cloudnativelabs/kube-router
    fp=$(fingerprint "$root/toolchain/wrappers/kube-router")
    up_to_date kube-router "$fp" "$artifacts/kube-router/kube-router" && { log "kube-router: up to date"; return; }
    date=$(cd / && go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' "$mod@v$KUBE_ROUTER_VERSION") ||
        die "kube-router: cannot look up $mod@v$KUBE_ROUTER_VERSION (is GOPROXY reachable?)"
    GONOSUMDB=${GONOSUMDB:+$GONOSUMDB,}github.com/osrg/gobgp build_wrapped kube-router kube-router \
        "-X $mod/pkg/version.Version=v$KUBE_ROUTER_VERSION -X $mod/pkg/version.BuildDate=$date" \
        kube-router=$mod/cmd/kube-router
}

# netlab's own pause program (the pod sandbox's PID 1), from this repo: standard library only.
build_pause() {
    local fp out=$artifacts/pause/pause
    fp=$(fingerprint "$root/toolchain/pause")
    up_to_date pause "$fp" "$out" && { log "pause $PAUSE_VERSION: up to date"; return; }
    mkdir -p "$artifacts/pause"
    (cd "$root/toolchain/pause" && CGO_ENABLED=0 go build -trimpath -o "$out" -ldflags "-s -w -X main.Version=$PAUSE_VERSION" .) ||
        die "pause: go build failed in toolchain/pause"
    stamp pause "$fp"
}

ensure_docker() {
    command -v docker >/dev/null 2>&1 || die "the docker CLI is missing (Debian: apt-get install -y docker.io)"
    docker info >/dev/null 2>&1 && return
    if ! command -v dockerd >/dev/null 2>&1 || [ "$(id -u)" -ne 0 ]; then
        die "no Docker engine answers and this script cannot start one: start Docker (systemctl start docker, or dockerd as root)"
    fi
    log "no Docker engine answers: starting dockerd (log: $cache/dockerd.log)"
    nohup dockerd >"$cache/dockerd.log" 2>&1 &
    local i
    for i in $(seq 1 30); do
        docker info >/dev/null 2>&1 && return
        sleep 1
        [ "$i" -lt 30 ] || die "dockerd did not answer within 30 s (see $cache/dockerd.log)"
    done
}

build_base_image() {
    ensure_docker
    bash "$root/images/base/build-base-image.sh"
}

# --- Kubernetes images: built from images/k8s/NAME/Dockerfile with the binaries above, saved
# with `docker save` into artifacts/images/*.tar and listed in artifacts/images/images.txt.
image_repo=localhost/netlab
base_image=${NETLAB_BASE_IMAGE:-netlab/debian:bookworm}
tmpdirs=()
cleanup() { [ "${#tmpdirs[@]}" -eq 0 ] || rm -rf "${tmpdirs[@]}"; }
trap cleanup EXIT

# Sets image_ref and image_bins (the files its build context gets) for image NAME.
image_spec() { # NAME
    case $1 in
        kube-apiserver | kube-controller-manager | kube-scheduler | kube-proxy)
            image_ref=$image_repo/$1:v$KUBERNETES_VERSION image_bins=("$artifacts/kubernetes/$1") ;;
        etcd) image_ref=$image_repo/etcd:v$ETCD_VERSION image_bins=("$artifacts/etcd/etcd" "$artifacts/etcd/etcdctl") ;;
        coredns) image_ref=$image_repo/coredns:v$COREDNS_VERSION image_bins=("$artifacts/coredns/coredns") ;;
        pause) image_ref=$image_repo/pause:$PAUSE_VERSION image_bins=("$artifacts/pause/pause") ;;
        flannel) image_ref=$image_repo/flannel:v$FLANNEL_VERSION image_bins=("$artifacts/flannel/flanneld") ;;
        kube-router) image_ref=$image_repo/kube-router:v$KUBE_ROUTER_VERSION image_bins=("$artifacts/kube-router/kube-router") ;;
        *) die "no image spec for '$1'" ;;
    esac
}

# Builds image NAME from a temporary context: its images/k8s/NAME files and its binaries.
build_image() { # NAME
    local name=$1 ctx old new args=() logf=$cache/work/images/$1.log
    image_spec "$name"
    ctx=$(mktemp -d "${TMPDIR:-/tmp}/netlab-image.XXXXXX")
    tmpdirs+=("$ctx")
    cp -R "$root/images/k8s/$name/." "$ctx/"
    cp -p "${image_bins[@]}" "$ctx/"
    grep -q '^ARG BASE_IMAGE' "$ctx/Dockerfile" && args+=(--build-arg "BASE_IMAGE=$base_image")
    old=$(docker image inspect -f '{{.Id}}' "$image_ref" 2>/dev/null || true)
    log "kube-images: building $image_ref"
    mkdir -p "$(dirname "$logf")"
    docker build "${args[@]}" -t "$image_ref" "$ctx" >"$logf" 2>&1 ||
        { tail -20 "$logf" >&2; die "kube-images: docker build of $image_ref failed (see $logf)"; }
    rm -rf "$ctx"
    new=$(docker image inspect -f '{{.Id}}' "$image_ref")
    # Drop the image this one replaces (refused, harmlessly, if something else still uses it).
    if [ -n "$old" ] && [ "$old" != "$new" ]; then docker rmi "$old" >/dev/null 2>&1 || true; fi
}

# Builds the images of one tarball and saves them into artifacts/images/TARBALL.tar; the
# stamp covers the versions, the base image, and each image's files and binaries (sha256).
save_images() { # TARBALL NAME…
    local tarball=$1 tar=$artifacts/images/$1.tar fp name refs=() base_id
    shift
    base_id=$(docker image inspect -f '{{.Id}}' "$base_image") || die "base image $base_image is missing"
    fp=$({
        cat "$root/toolchain/versions.env"
        printf '%s\n' "$base_id" "$image_repo" "$*"
        for name in "$@"; do
            [ -f "$root/images/k8s/$name/Dockerfile" ] || die "images/k8s/$name/Dockerfile is missing"
            image_spec "$name"
            printf '%s\n' "$name" "$image_ref"
            find "$root/images/k8s/$name" -type f -print0 | sort -z | xargs -0 cat
            sha256sum "${image_bins[@]}" | cut -d' ' -f1
        done
    } | sha256sum | cut -c1-16)
    for name in "$@"; do
        image_spec "$name"
        refs+=("$image_ref")
        manifest+="$tarball.tar $image_ref"$'\n'
    done
    if [ "$(cat "$stamps/images-$tarball" 2>/dev/null)" = "$fp" ] && [ -s "$tar" ]; then
        log "kube-images: $tarball.tar up to date"
        return
    fi
    for name in "$@"; do build_image "$name"; done
    mkdir -p "$artifacts/images"
    log "kube-images: saving ${refs[*]} into $tar"
    docker save -o "$tar.part" "${refs[@]}" || die "kube-images: docker save into $tar failed"
    chmod 0644 "$tar.part"
    mv -f "$tar.part" "$tar"
    stamp "images-$tarball" "$fp"
}

build_kube_images() {
    local manifest='' list=$artifacts/images/images.txt
    # The binaries and the base image first (each is a no-op when up to date).
    build_kubernetes
    build_etcd
    build_coredns
    build_flannel
    build_kube_router
    build_pause
    build_base_image
    save_images kubernetes kube-apiserver kube-controller-manager kube-scheduler kube-proxy etcd coredns pause
    save_images flannel flannel
    save_images kube-router kube-router
    if [ "$(cat "$list" 2>/dev/null)"$'\n' != "$manifest" ]; then
        printf '%s' "$manifest" >"$list.part"
        mv -f "$list.part" "$list"
    fi
}

default_targets=(pulumi nodejs-host providers base-image consul nomad fabio fortio httpbackend)
kube_targets=(kubernetes etcd coredns cni-plugins flannel kube-router pause kube-images)
targets=()
[ "$#" -gt 0 ] || set -- "${default_targets[@]}"
for t in "$@"; do
    case $t in
        kube) targets+=("${kube_targets[@]}") ;;
        all) targets+=("${default_targets[@]}" "${kube_targets[@]}") ;;
        *) targets+=("$t") ;;
    esac
done
for t in "${targets[@]}"; do
    start=$SECONDS
    case $t in
        pulumi) build_pulumi ;;
        nodejs-host) build_nodejs_host ;;
        providers) build_providers ;;
        base-image) build_base_image ;;
        consul) build_artifact consul github.com/hashicorp/consul "-X github.com/hashicorp/consul/version.Version=$CONSUL_VERSION -X github.com/hashicorp/consul/version.VersionPrerelease=" ;;
        nomad) build_artifact nomad github.com/hashicorp/nomad "-X github.com/hashicorp/nomad/version.Version=$NOMAD_VERSION -X github.com/hashicorp/nomad/version.VersionPrerelease=" ;;
        fabio) GONOSUMDB=${GONOSUMDB:+$GONOSUMDB,}github.com/fabiolb/fabio build_artifact fabio github.com/fabiolb/fabio ;;
        fortio) build_artifact fortio fortio.org/fortio ;;
        httpbackend) build_httpbackend ;;
        kubernetes) build_kubernetes ;;
        etcd) build_etcd ;;
        coredns) build_coredns ;;
        cni-plugins) build_cni_plugins ;;
        flannel) build_flannel ;;
        kube-router) build_kube_router ;;
        pause) build_pause ;;
        kube-images) build_kube_images ;;
        *) die "unknown artifact '$t' (pulumi nodejs-host providers base-image consul nomad fabio fortio httpbackend kubernetes etcd coredns cni-plugins flannel kube-router pause kube-images kube all)" ;;
    esac
    log "$t: $((SECONDS - start)) s"
done
log "done: put $bin on PATH (scripts/lab.sh does it for you)"
