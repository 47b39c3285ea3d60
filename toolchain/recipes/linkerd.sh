# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by commands/toolchain.sh
# Linkerd (the mesh of kube-lab, `netlab:mesh: linkerd`) from its release archives, as
# upstream's Dockerfile.controller and Dockerfile.proxy build it, on netlab's Debian base:
#   linkerd-proxy    artifacts/linkerd/linkerd2-proxy: the data plane (Rust; linkerd2-proxy
#                    release/vLINKERD_PROXY_VERSION, the version this Linkerd release pins).
#   linkerd-policy   artifacts/linkerd/linkerd-policy-controller (Rust; the linkerd2 workspace).
#   linkerd          the two above, then controller (destination, identity, proxy-injector,
#                    sp-validator: one Go binary, `-tags prod`), linkerd2-proxy-identity (Go),
#                    linkerd2-proxy-init (Go, linkerd2-proxy-init), the Helm charts
#                    (charts/linkerd-crds, which carries the Gateway API CRDs at the version
#                    Linkerd expects, and charts/linkerd-control-plane with its partials), and
#                    artifacts/images/linkerd.tar (listed in linkerd.txt):
#                      localhost/netlab/linkerd-controller:LINKERD_VERSION  controller + policy controller
#                      localhost/netlab/linkerd-proxy:LINKERD_VERSION       proxy, proxy-identity,
#                                                                           proxy-init, iptables
# Not built: linkerd-await (the chart's proxy.await; netlab turns it off and waits for pods
# itself), the network validator (only for the linkerd-cni plugin), the CLI and viz.
# Rust: with RUST_TOOLCHAIN through rustup (upstream pins 1.90.0, not installed here), crates
# from the crates registry; each Cargo.lock's git dependencies (kubert, from git tags) come from
# the commit archives of those tags in the source mirror. Cargo's target folders stay in
# .toolchain/cargo-target, so a rebuild compiles only what changed.
linkerd_repo=localhost/netlab
linkerd_out=$artifacts/linkerd
linkerd_image_names=(linkerd-controller linkerd-proxy)

need_cargo() {
    command -v cargo >/dev/null 2>&1 || die "cargo is not installed: install rustup, then rustup toolchain install $RUST_TOOLCHAIN"
    rustup run "$RUST_TOOLCHAIN" rustc --version >/dev/null 2>&1 ||
        die "Rust $RUST_TOOLCHAIN is not installed: rustup toolchain install $RUST_TOOLCHAIN (toolchain/versions.env RUST_TOOLCHAIN)"
}

# Makes the git dependencies of the Cargo workspace SRC resolve from OWNER/REPO's archive of
# COMMIT (the mirror): every git source in its Cargo.lock must be that repository at that
# commit. Each crate is packaged from the archive's workspace (`cargo package`, which writes the
# manifest out whole) into a directory source, and SRC/.cargo/config.toml replaces each git
# source with it, so `--locked` builds go on using the lock file as it is.
cargo_git_from_mirror() { # SRC WORK OWNER/REPO COMMIT SHA256
    local src=$1 work=$2 repo=$3 commit=$4 sha=$5 lock=$1/Cargo.lock ws vendor sources crates git_deps c n s q tag
    sources=$(sed -nE 's/^source = "(git\+[^"]*)"$/\1/p' "$lock" | sort -u)
    [ -n "$sources" ] || return 0
    if printf '%s\n' "$sources" | grep -vq "^git+https://github.com/$repo.git?[^#]*#$commit\$"; then
        die "linkerd: $lock takes git dependencies other than $repo at $commit: update the LINKERD_*KUBERT_* pins in toolchain/versions.env"
    fi
    mkdir -p "$work/git-src" "$work/git-pkg"
    vendor=$work/git-crates
    rm -rf "$vendor"
    mkdir -p "$vendor"
    ws=$(unpack_source "$work/git-src" "$repo" "$commit" "$sha")
    crates=$(awk '/^name = /{n=$3} /^source = "git\+/{gsub(/"/, "", n); print n}' "$lock" | sort -u)
    for c in $crates; do
        (cd "$ws" && CARGO_TARGET_DIR=$work/git-pkg RUSTUP_TOOLCHAIN=$RUST_TOOLCHAIN cargo package --quiet --no-verify --allow-dirty -p "$c" \
            >>"$work/git-package.log" 2>&1) || { tail -20 "$work/git-package.log" >&2; die "linkerd: cannot package $c from $repo@$commit"; }
    done
    for c in "$work"/git-pkg/package/*.crate; do
        tar -xzf "$c" -C "$vendor" || die "linkerd: cannot unpack $c"
    done
    # `cargo package` turns a crate's path dependencies on its sibling crates into registry
    # dependencies; point them back at the git source the lock file names for that sibling.
    git_deps=$(awk '/^name = /{n=$3} /^source = "git\+/{gsub(/"/, "", n); s=$3; gsub(/"/, "", s); sub(/#.*/, "", s); print n, s}' "$lock" | sort -u)
    for c in "$vendor"/*/; do
        while read -r n s; do
            q=${s#*\?tag=}
            sed -i -E "/^\[(.*\.)?dependencies\.$n\]\$/a git = \"https://github.com/$repo.git\"\ntag = \"${q//%2F//}\"" "$c/Cargo.toml"
        done <<<"$git_deps"
        # Git dependencies carry no checksum in Cargo.lock, so the directory source has none.
        printf '{"files":{},"package":null}\n' >"$c.cargo-checksum.json"
    done
    mkdir -p "$src/.cargo"
    {
        printf '# Written by toolchain/recipes/linkerd.sh: git dependencies from the source mirror.\n'
        for c in $sources; do
            q=${c#*\?}
            q=${q%%#*}
            tag=$(printf '%s' "${q#tag=}" | sed 's/%2F/\//g')
            [ "$q" != "${q#tag=}" ] || die "linkerd: $lock pins a git source by something other than a tag: $c"
            printf '[source."%s"]\ngit = "https://github.com/%s.git"\ntag = "%s"\nreplace-with = "netlab-mirror-git"\n' "${c%%#*}" "$repo" "$tag"
        done
        printf '[source.netlab-mirror-git]\ndirectory = "%s"\n' "$vendor"
    } >"$src/.cargo/config.toml"
}

# Builds PACKAGE of the Cargo workspace SRC, release, into OUT; Cargo's target folder is
# .toolchain/cargo-target/NAME. Extra environment (profile overrides) as NAME=VALUE words.
cargo_build_release() { # NAME SRC PACKAGE OUT [VAR=VALUE…]
    local name=$1 src=$2 pkg=$3 out=$4 target=$cache/cargo-target/$1 log=$cache/work/$1.log
    shift 4
    need_cargo
    mkdir -p "$target" "$(dirname "$out")"
    log "$name: fetching crates"
    (cd "$src" && RUSTUP_TOOLCHAIN=$RUST_TOOLCHAIN cargo fetch --locked >"$log" 2>&1) ||
        { tail -20 "$log" >&2; die "$name: cargo fetch failed (is the crates registry reachable? see $log)"; }
    log "$name: compiling $pkg (a long build cold: see toolchain/recipes/linkerd.sh)"
    # As upstream's Dockerfiles: tokio_unstable (the proxy's runtime metrics), no incremental.
    (cd "$src" && env RUSTUP_TOOLCHAIN="$RUST_TOOLCHAIN" CARGO_INCREMENTAL=0 RUSTFLAGS="--cfg tokio_unstable" \
        CARGO_TARGET_DIR="$target" "$@" cargo build --frozen --release --package="$pkg" >>"$log" 2>&1) ||
        { tail -30 "$log" >&2; die "$name: cargo build of $pkg failed (see $log)"; }
    install -m 0755 "$target/release/$pkg" "$out.part"
    strip "$out.part" 2>/dev/null || true
    mv -f "$out.part" "$out"
}

recipe_linkerd_proxy() {
    local fp work src out=$linkerd_out/linkerd2-proxy
    fp=$(fingerprint "${BASH_SOURCE[0]}")
    up_to_date linkerd-proxy "$fp" "$out" && { log "linkerd-proxy: up to date"; return; }
    # A fixed work folder (not fresh_work's): Cargo keeps its build of the workspace's own
    # crates only while their paths stay the same.
    work=$cache/work/linkerd2-proxy
    rm -rf "$work/src" "$work/git-src" "$work/git-pkg"
    mkdir -p "$work/src"
    src=$(unpack_source "$work/src" linkerd/linkerd2-proxy "refs/tags/release/v$LINKERD_PROXY_VERSION" "$LINKERD_PROXY_SHA256")
    cargo_git_from_mirror "$src" "$work" linkerd/linkerd-kubert "$LINKERD_PROXY_KUBERT_COMMIT" "$LINKERD_PROXY_KUBERT_SHA256"
    # Upstream's release profile links with fat LTO and keeps line tables, then strips them;
    # thin LTO without debug info makes the same binary in far less time on a lab machine.
    cargo_build_release linkerd2-proxy "$src" linkerd2-proxy "$out" CARGO_PROFILE_RELEASE_LTO=thin CARGO_PROFILE_RELEASE_DEBUG=0
    stamp linkerd-proxy "$fp"
}

# The linkerd2 release archive unpacked into the fixed work folder NAME; prints its path.
linkerd_source() { # NAME
    local work=$cache/work/$1
    rm -rf "$work/src" "$work/git-src" "$work/git-pkg"
    mkdir -p "$work/src"
    unpack_source "$work/src" linkerd/linkerd2 "refs/tags/$LINKERD_VERSION" "$LINKERD_SHA256"
}

recipe_linkerd_policy() {
    local fp src out=$linkerd_out/linkerd-policy-controller
    fp=$(fingerprint "${BASH_SOURCE[0]}")
    up_to_date linkerd-policy "$fp" "$out" && { log "linkerd-policy: up to date"; return; }
    src=$(linkerd_source linkerd-policy)
    cargo_git_from_mirror "$src" "$cache/work/linkerd-policy" linkerd/linkerd-kubert "$LINKERD_KUBERT_COMMIT" "$LINKERD_KUBERT_SHA256"
    cargo_build_release linkerd-policy "$src" linkerd-policy-controller "$out"
    stamp linkerd-policy "$fp"
}

# The Go binaries and the charts, into OUT.
linkerd_build_go() { # OUT
    local out=$1 src init work=$cache/work/linkerd-go
    src=$(linkerd_source linkerd-go)
    # The version the binaries report (upstream sets it at run time: LINKERD_CONTAINER_VERSION_OVERRIDE).
    go_build_in "$src" "$out/controller" ./controller/cmd "-X github.com/linkerd/linkerd2/pkg/version.Version=$LINKERD_VERSION" -tags prod -mod=readonly
    go_build_in "$src" "$out/linkerd2-proxy-identity" ./proxy-identity "-X github.com/linkerd/linkerd2/pkg/version.Version=$LINKERD_VERSION" -mod=readonly
    init=$(unpack_source "$work" linkerd/linkerd2-proxy-init "refs/tags/proxy-init/v$LINKERD_PROXY_INIT_VERSION" "$LINKERD_PROXY_INIT_SHA256")
    go_build_in "$init" "$out/linkerd2-proxy-init" ./proxy-init "" -mod=readonly
    # The charts: each takes its `partials` dependency (file://../partials) from its charts/
    # folder, as `helm dependency build` would put it there.
    mkdir -p "$out/charts"
    for c in linkerd-crds linkerd-control-plane; do
        cp -r "$src/charts/$c" "$out/charts/"
        mkdir -p "$out/charts/$c/charts"
        cp -r "$src/charts/partials" "$out/charts/$c/charts/partials"
    done
    cp "$src/LICENSE" "$out/LICENSE"
    printf '%s\n' "$LINKERD_VERSION" >"$out/VERSION"
    rm -rf "$work" "$cache/work/linkerd-go"
}

linkerd_image_ref() { # NAME
    case $1 in
        linkerd-controller | linkerd-proxy) printf '%s/%s:%s\n' "$linkerd_repo" "$1" "$LINKERD_VERSION" ;;
        *) die "linkerd: no image '$1'" ;;
    esac
}
linkerd_image_inputs() { # NAME
    case $1 in
        linkerd-controller) printf '%s\n' controller linkerd-policy-controller LICENSE ;;
        linkerd-proxy) printf '%s\n' linkerd2-proxy linkerd2-proxy-identity linkerd2-proxy-init LICENSE ;;
        *) die "linkerd: no image '$1'" ;;
    esac
}
linkerd_image_build_args() { # NAME
    printf '%s\n' --build-arg "LINKERD_VERSION=$LINKERD_VERSION"
}

recipe_linkerd() {
    local fp work out=$linkerd_out f ok=1 go_bins=(controller linkerd2-proxy-identity linkerd2-proxy-init)
    recipe_linkerd_proxy
    recipe_linkerd_policy
    fp=$(fingerprint "${BASH_SOURCE[0]}")
    for f in charts/linkerd-crds/charts/partials/Chart.yaml charts/linkerd-control-plane/charts/partials/Chart.yaml LICENSE; do
        [ -f "$out/$f" ] || ok=
    done
    if [ -n "$ok" ] && up_to_date linkerd "$fp" "${go_bins[@]/#/$out/}"; then
        log "linkerd $LINKERD_VERSION: control plane binaries and charts up to date"
    else
        log "linkerd: building $LINKERD_VERSION's Go binaries"
        work=$(fresh_work linkerd-go-out)
        linkerd_build_go "$work"
        rm -rf "${go_bins[@]/#/$out/}" "$out/charts"
        mkdir -p "$out"
        (cd "$work" && cp -r . "$out/")
        rm -rf "$work"
        stamp linkerd "$fp"
    fi
    build_image_set linkerd linkerd images/k8s "$out" "${BASH_SOURCE[0]}" "${linkerd_image_names[@]}"
}
