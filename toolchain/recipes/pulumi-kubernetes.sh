# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by commands/toolchain.sh
# Pulumi's kubernetes provider plugin (pulumi/pulumi-kubernetes). Three modules it pins are
# refused by the module proxy and come from their archives instead (replaces): fluxcd's ssa
# (a pseudo-version), pulumi/pkg/v3 (the proxy serves its go.mod, not its zip) and the .NET
# language host it links. The version matches @pulumi/kubernetes in package.json.
recipe_pulumi_kubernetes() {
    local v=$PULUMI_KUBERNETES_VERSION fp work src flux pkg dotnet out
    out=$cache/plugins/pulumi-resource-kubernetes-v$v
    fp=$(fingerprint "${BASH_SOURCE[0]}")
    if ! up_to_date pulumi-kubernetes "$fp" "$out"; then
        work=$(fresh_work pulumi-kubernetes)
        src=$(unpack_source "$work" pulumi/pulumi-kubernetes "refs/tags/v$v" "$PULUMI_KUBERNETES_SHA256")
        flux=$(unpack_source "$work" fluxcd/pkg "$FLUXCD_PKG_COMMIT" "$FLUXCD_PKG_SHA256")
        pkg=$(unpack_source "$work" pulumi/pulumi "refs/tags/pkg/v$PULUMI_KUBERNETES_PKG_VERSION-pkg" "$PULUMI_KUBERNETES_PKG_SHA256")
        dotnet=$(unpack_source "$work" pulumi/pulumi-dotnet \
            "refs/tags/pulumi-language-dotnet/v$PULUMI_LANGUAGE_DOTNET_VERSION" "$PULUMI_LANGUAGE_DOTNET_SHA256")
        (cd "$src/provider" && go mod edit \
            -replace "github.com/fluxcd/pkg/ssa=$flux/ssa" \
            -replace "github.com/pulumi/pulumi/pkg/v3=$pkg/pkg" \
            -replace "github.com/pulumi/pulumi-dotnet/pulumi-language-dotnet/v3=$dotnet/pulumi-language-dotnet") ||
            die "pulumi-kubernetes: go mod edit failed"
        # What its `go generate` writes: the schema with the version, the Terraform mapping compacted.
        embed_schema "$src/provider/cmd/pulumi-resource-kubernetes" "$v"
        jq -c . "$src/provider/cmd/pulumi-resource-kubernetes/terraform-mapping.json" \
            >"$src/provider/cmd/pulumi-resource-kubernetes/terraform-mapping-embed.json" || die "pulumi-kubernetes: jq failed"
        log "pulumi-kubernetes: a long build (about half an hour on 2 cores, up to 5 GB of memory)"
        go_build_in "$src/provider" "$out" ./cmd/pulumi-resource-kubernetes \
            "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$v"
        stamp pulumi-kubernetes "$fp"
        rm -rf "$work"
    fi
    install_plugin kubernetes "$v" "$out"
}
