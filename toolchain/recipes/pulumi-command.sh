# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by commands/toolchain.sh
# Pulumi's command provider plugin (pulumi/pulumi-command) from its release archive; its Go
# dependencies come from the module proxy. The version matches @pulumi/command in package.json.
recipe_pulumi_command() {
    local v=$PULUMI_COMMAND_VERSION fp work src out
    out=$cache/plugins/pulumi-resource-command-v$v
    fp=$(fingerprint "${BASH_SOURCE[0]}")
    if ! up_to_date pulumi-command "$fp" "$out"; then
        work=$(fresh_work pulumi-command)
        src=$(unpack_source "$work" pulumi/pulumi-command "refs/tags/v$v" "$PULUMI_COMMAND_SHA256")
        go_build_in "$src/provider" "$out" ./cmd/pulumi-resource-command \
            "-X github.com/pulumi/pulumi-command/provider/pkg/version.Version=$v"
        stamp pulumi-command "$fp"
        rm -rf "$work"
    fi
    install_plugin command "$v" "$out"
}
