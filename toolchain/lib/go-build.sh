# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by commands/toolchain.sh
# Go builds through wrapper modules (sourced by commands/toolchain.sh): toolchain/wrappers/NAME
# holds a go.mod template (@VAR@ from versions.env) and a tools.go that imports what to build,
# so a release is built from the Go module proxy at exactly the pinned versions.

need_go() {
    command -v go >/dev/null 2>&1 || die "Go is not installed: install Go 1.24 or later (its tarball, or your distribution's golang package if it is that new)"
}

# Renders wrappers/NAME/go.mod.in (@VAR@ -> value) into a fresh work dir and resolves it.
resolve_wrapper() { # NAME
    local name=$1 work var
    need_go
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

# Builds PKG → OUT in DIR (a module), static, with LDFLAGS and any further go build flags.
go_build_in() { # DIR OUT PKG [LDFLAGS [FLAG…]]
    local dir=$1 out=$2 pkg=$3 ldflags=${4:-}
    shift 3
    shift "$(($# > 0))"
    need_go
    log "building $pkg"
    mkdir -p "$(dirname "$out")"
    (cd "$dir" && CGO_ENABLED=0 go build -trimpath "$@" -o "$out" -ldflags "-s -w $ldflags" "$pkg" >"$dir/build.log" 2>&1) ||
        { tail -20 "$dir/build.log" >&2; die "go build of $pkg failed (see $dir/build.log)"; }
}

# Builds PKG → OUT in the work dir of wrapper NAME (resolved before).
go_build() { # NAME OUT PKG [LDFLAGS [FLAG…]]
    local name=$1
    shift
    go_build_in "$cache/work/$name" "$@"
}

# Resolves wrapper NAME, then builds PKG → OUT.
build_wrapper() { # NAME OUT PKG [LDFLAGS]
    resolve_wrapper "$1"
    go_build "$@"
}

# One binary into artifacts/NAME from wrapper NAME, when its inputs changed.
build_artifact() { # NAME PKG [LDFLAGS]
    local name=$1 pkg=$2 ldflags=${3:-} fp out=$artifacts/$1
    fp=$(fingerprint "$root/toolchain/wrappers/$name")
    up_to_date "$name" "$fp" "$out" && { log "$name: up to date"; return; }
    build_wrapper "$name" "$out" "$pkg" "$ldflags"
    stamp "$name" "$fp"
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
