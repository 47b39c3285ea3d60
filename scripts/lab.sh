#!/usr/bin/env bash
# Runs the Pulumi CLI for netlab with local defaults, so no Pulumi Cloud account is needed:
#   state in a file backend inside the working copy (.pulumi-state/),
#   a documented lab passphrase for secrets unless you set your own.
# Usage:
#   scripts/lab.sh up [STACK]        create the stack if needed, then pulumi up --yes (default STACK: dev)
#   scripts/lab.sh destroy [STACK]   pulumi destroy --yes
#   scripts/lab.sh key [STACK]       write the lab's SSH key to ./lab.key (mode 600)
#   scripts/lab.sh pulumi ARGS...    any pulumi command with the same environment
# Environment (all optional): PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE(_FILE), NETLAB_TOOLCHAIN.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# The default lab passphrase. It protects a throwaway lab's secrets in a local state file;
# set PULUMI_CONFIG_PASSPHRASE (or _FILE) to your own for anything you care about.
default_passphrase=netlab-lab-passphrase

export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$root/.pulumi-state}
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
    export PULUMI_CONFIG_PASSPHRASE=$default_passphrase
fi
toolchain=${NETLAB_TOOLCHAIN:-$root/.toolchain/bin}
if [ -d "$toolchain" ]; then
    export PATH="$toolchain:$PATH"
fi
case "$PULUMI_BACKEND_URL" in
    file://*) mkdir -p "${PULUMI_BACKEND_URL#file://}" ;;
esac

[ -d node_modules ] || npm ci --no-audit --no-fund
if ! command -v pulumi >/dev/null 2>&1; then
    if command -v go >/dev/null 2>&1; then
        echo "lab: no Pulumi CLI on PATH: building the toolchain into $toolchain (the first time takes a while)" >&2
        NETLAB_TOOLCHAIN_DIR=$(dirname "$toolchain") "$root/scripts/toolchain.sh"
        export PATH="$toolchain:$PATH"
    else
        echo "lab: the Pulumi CLI is not on PATH (nor in $toolchain), and there is no Go to build it." >&2
        echo "lab: install the Pulumi CLI, or Go 1.24+ for scripts/toolchain.sh (README.md, 'Prerequisites')." >&2
        exit 1
    fi
fi

action=${1:-up}
shift || true
case "$action" in
    up)
        stack=${1:-dev}
        # A kubeadm stack on this repo's toolchain needs its Kubernetes part, which the default
        # toolchain build leaves out (it takes a while): build it the first time.
        if grep -Eq '^[[:space:]]*netlab:scenario:[[:space:]]*kubeadm' "Pulumi.$stack.yaml" 2>/dev/null &&
            grep -Eq '^[[:space:]]*netlab:artifactsDir:[[:space:]]*\.toolchain/artifacts' "Pulumi.$stack.yaml" &&
            [ ! -f "$root/.toolchain/artifacts/images/kubernetes.tar" ] && command -v go >/dev/null 2>&1; then
            echo "lab: $stack is a kubeadm lab: building the Kubernetes toolchain first (scripts/toolchain.sh kube)" >&2
            "$root/scripts/toolchain.sh" kube
        fi
        pulumi stack select --create "$stack" >/dev/null
        pulumi up --yes --stack "$stack"
        ;;
    destroy)
        stack=${1:-dev}
        pulumi destroy --yes --stack "$stack"
        ;;
    key)
        stack=${1:-dev}
        umask 077
        pulumi stack output --show-secrets --stack "$stack" sshPrivateKey > lab.key
        echo "wrote $root/lab.key"
        ;;
    pulumi)
        pulumi "$@"
        ;;
    *)
        echo "lab: unknown action '$action' (up, destroy, key, pulumi)" >&2
        exit 2
        ;;
esac
