#!/usr/bin/env bash
# Builds netlab's toolchain from the Go module proxy into .toolchain/ (git-ignored), for
# machines without internet that reach a Go proxy (GOPROXY is honoured as set):
#   bin/pulumi, bin/pulumi-language-nodejs, bin/pulumi-resource-pulumi-nodejs,
#   bin/pulumi-resource-command, bin/pulumi-resource-docker (netlab's stand-in plugins),
#   artifacts/{consul,nomad,fabio,fortio,httpbackend}, and the local base image (debootstrap).
# Versions: toolchain/versions.env. Incremental: an artifact is rebuilt only when its
# version or recipe changed. Usage:
#   scripts/toolchain.sh [ARTIFACT …]   default: all but kubernetes
#   ARTIFACT: pulumi nodejs-host providers base-image consul nomad fabio fortio httpbackend kubernetes all
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
    local name=$1 out=$2 pkg=$3 ldflags=${4:-} work var
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
    log "$name: building $pkg"
    (cd "$work" && CGO_ENABLED=0 go build -trimpath -o "$out" -ldflags "-s -w $ldflags" "$pkg" >"$work/build.log" 2>&1) ||
        { tail -20 "$work/build.log" >&2; die "$name: go build failed (see $work/build.log)"; }
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
    for p in command docker; do
        case $p in command) version=$COMMAND_PROVIDER_VERSION ;; docker) version=$DOCKER_PROVIDER_VERSION ;; esac
        out=$bin/pulumi-resource-$p
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
        log "kubernetes: building $cmd"
        (cd "$cache/work/kubernetes" && CGO_ENABLED=0 go build -trimpath -o "$artifacts/kubernetes/$cmd" -ldflags "-s -w $flags" "k8s.io/kubernetes/cmd/$cmd") ||
            die "kubernetes: go build of $cmd failed"
    done
    stamp kubernetes "$fp"
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

targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(pulumi nodejs-host providers base-image consul nomad fabio fortio httpbackend)
[ "${targets[*]}" != all ] || targets=(pulumi nodejs-host providers base-image consul nomad fabio fortio httpbackend kubernetes)
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
        *) die "unknown artifact '$t' (pulumi nodejs-host providers base-image consul nomad fabio fortio httpbackend kubernetes all)" ;;
    esac
    log "$t: $((SECONDS - start)) s"
done
log "done: put $bin on PATH (scripts/lab.sh does it for you)"
