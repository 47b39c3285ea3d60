# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by commands/toolchain.sh
# Pulumi's docker provider plugin (pulumi/pulumi-docker), as its Makefile builds it: the
# Terraform provider it bridges (kreuzwerker/terraform-provider-docker, its `upstream` git
# submodule, which release archives leave out) is put in place and pulumi-docker's own
# patches/ are applied to it, then netlab's (toolchain/patches/terraform-provider-docker/).
# The version matches @pulumi/docker in package.json.
recipe_pulumi_docker() {
    local v=$PULUMI_DOCKER_VERSION fp work src upstream bridge out
    out=$cache/plugins/pulumi-resource-docker-v$v
    fp=$(fingerprint "${BASH_SOURCE[0]}" "$root/toolchain/patches/terraform-provider-docker")
    if ! up_to_date pulumi-docker "$fp" "$out"; then
        work=$(fresh_work pulumi-docker)
        src=$(unpack_source "$work" pulumi/pulumi-docker "refs/tags/v$v" "$PULUMI_DOCKER_SHA256")
        upstream=$(unpack_source "$work" kreuzwerker/terraform-provider-docker \
            "refs/tags/v$TERRAFORM_PROVIDER_DOCKER_VERSION" "$TERRAFORM_PROVIDER_DOCKER_SHA256")
        mv "$upstream" "$src/upstream"
        apply_patches "$src/upstream" "$src"/patches/*.patch
        # netlab's own fixes to the bridged provider, each explained in its patch file.
        apply_patches "$src/upstream" "$root"/toolchain/patches/terraform-provider-docker/*.patch
        # The bridge release this plugin pins is refused by the module proxy: use its archive.
        bridge=$(unpack_source "$work" pulumi/pulumi-terraform-bridge \
            "refs/tags/v$PULUMI_TERRAFORM_BRIDGE_VERSION" "$PULUMI_TERRAFORM_BRIDGE_SHA256")
        (cd "$src/provider" && go mod edit -replace "github.com/pulumi/pulumi-terraform-bridge/v3=$bridge") ||
            die "pulumi-docker: go mod edit failed"
        embed_schema "$src/provider/cmd/pulumi-resource-docker" "$v"
        # no_compose: as upstream's release build, without the Docker Compose resource.
        go_build_in "$src/provider" "$out" ./cmd/pulumi-resource-docker \
            "-X github.com/pulumi/pulumi-docker/provider/v5/pkg/version.Version=$v" -tags no_compose
        stamp pulumi-docker "$fp"
        rm -rf "$work"
    fi
    install_plugin docker "$v" "$out"
}
