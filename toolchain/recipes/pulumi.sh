# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by commands/toolchain.sh
# The Pulumi CLI and its Node.js language host (pulumi/pulumi), from the Go module proxy.

# The CLI: pkg/v3 at PULUMI_VERSION (later releases are not served whole).
recipe_pulumi() {
    local fp out=$bin/pulumi
    fp=$(fingerprint "$root/toolchain/wrappers/pulumi")
    up_to_date pulumi "$fp" "$out" && { log "pulumi v$PULUMI_VERSION: up to date"; return; }
    build_wrapper pulumi "$out" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
        "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION"
    stamp pulumi "$fp"
    log "pulumi: $("$out" version)"
}

# The Node.js language host: sdk/v3 PULUMI_NODEJS_HOST_SDK is the last release that carries it.
recipe_nodejs_host() {
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
