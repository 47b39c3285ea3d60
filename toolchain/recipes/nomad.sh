# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by commands/toolchain.sh
# HashiCorp Nomad from the Go module proxy (wrapper toolchain/wrappers/nomad).
recipe_nomad() {
    build_artifact nomad github.com/hashicorp/nomad \
        "-X github.com/hashicorp/nomad/version.Version=$NOMAD_VERSION -X github.com/hashicorp/nomad/version.VersionPrerelease="
}
