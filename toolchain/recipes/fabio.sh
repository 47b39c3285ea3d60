# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by commands/toolchain.sh
# fabio (seed 001's router) from the Go module proxy; it is missing from the checksum
# database, so the lookup is skipped for it (go.sum records what the proxy served).
recipe_fabio() {
    GONOSUMDB=${GONOSUMDB:+$GONOSUMDB,}github.com/fabiolb/fabio build_artifact fabio github.com/fabiolb/fabio
}
