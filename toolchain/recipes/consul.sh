# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by commands/toolchain.sh
# HashiCorp Consul from the Go module proxy (wrapper toolchain/wrappers/consul).
recipe_consul() {
    build_artifact consul github.com/hashicorp/consul \
        "-X github.com/hashicorp/consul/version.Version=$CONSUL_VERSION -X github.com/hashicorp/consul/version.VersionPrerelease="
}
