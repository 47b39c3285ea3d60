# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by commands/toolchain.sh
# etcd and etcdctl (their version is a constant of go.etcd.io/etcd/api/v3/version).
recipe_etcd() {
    build_wrapped etcd etcd "" etcd=go.etcd.io/etcd/server/v3 etcdctl=go.etcd.io/etcd/etcdctl/v3
}
