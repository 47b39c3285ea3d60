# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by commands/toolchain.sh
# fortio (seed 004's load generator) from the Go module proxy.
recipe_fortio() {
    build_artifact fortio fortio.org/fortio
}

# fortio's image for kube-lab's drills (the load runs in a pod): artifacts/images/fortio.tar,
# localhost/netlab/fortio:vFORTIO_VERSION, from images/k8s/fortio.
fortio_image_ref() { # NAME
    printf 'localhost/netlab/fortio:v%s\n' "$FORTIO_VERSION"
}
fortio_image_inputs() { # NAME
    printf '%s\n' fortio
}
recipe_fortio_image() {
    recipe_fortio
    build_image_set fortio fortio images/k8s "$artifacts" "${BASH_SOURCE[0]}" fortio
}
