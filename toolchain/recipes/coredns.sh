# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by commands/toolchain.sh
# CoreDNS with its default plugin set (its version is the constant coremain.CoreVersion).
recipe_coredns() {
    build_wrapped coredns coredns "" coredns=github.com/coredns/coredns
}
