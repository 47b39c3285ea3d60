# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by scripts/toolchain.sh
# fortio (seed 004's load generator) from the Go module proxy.
recipe_fortio() {
    build_artifact fortio fortio.org/fortio
}
