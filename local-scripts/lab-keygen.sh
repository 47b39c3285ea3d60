#!/usr/bin/env bash
# Prints a new ed25519 key pair for the lab: the OpenSSH private key, then the public key line.
# Run once per stack by the program (components/hosts.ts); the output is kept as a Pulumi secret.
# Usage: lab-keygen.sh [COMMENT]
set -euo pipefail

comment=${1:-netlab}
command -v ssh-keygen >/dev/null 2>&1 || {
    echo "lab-keygen: ssh-keygen not found; install the OpenSSH client (Debian/Ubuntu: apt-get install -y openssh-client)" >&2
    exit 1
}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ssh-keygen -q -t ed25519 -N '' -C "$comment" -f "$dir/key"
cat "$dir/key" "$dir/key.pub"
