# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by commands/toolchain.sh
# The CNI benchmark's image (npm run bench): iperf3, nginx, vsftpd, sshd and their clients from
# Debian, in artifacts/images/bench.tar (images/bench/bench).

bench_image_ref() { # NAME
    printf '%s\n' "localhost/netlab/bench:1"
}
# No binaries of netlab's: everything comes from Debian's packages.
bench_image_inputs() { # NAME
    :
}

recipe_bench() {
    build_image_set bench bench images/bench "$artifacts" "${BASH_SOURCE[0]}" bench
}
