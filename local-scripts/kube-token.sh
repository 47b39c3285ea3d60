#!/usr/bin/env bash
# Prints a new kubeadm bootstrap token ([a-z0-9]{6}.[a-z0-9]{16}), from the kernel's random
# source. Run once per stack by the program (components/kubeadm.ts); kept as a Pulumi secret.
set -euo pipefail

pick() { # N: N characters of [a-z0-9]
    local out=""
    while [ "${#out}" -lt "$1" ]; do
        out+=$(head -c 64 /dev/urandom | LC_ALL=C tr -dc 'a-z0-9')
    done
    printf '%s' "${out:0:$1}"
}
printf '%s.%s\n' "$(pick 6)" "$(pick 16)"
