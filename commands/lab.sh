#!/usr/bin/env bash
# Runs the Pulumi CLI for netlab with local defaults, so no Pulumi Cloud account is needed:
#   state in a file backend inside the working copy (.pulumi-state/),
#   a random passphrase per checkout for the stacks' secrets (.netlab/passphrase) unless you set your own.
# Usage:
#   commands/lab.sh up [STACK]        create the stack if needed, then pulumi up --yes (default STACK: dev)
#   commands/lab.sh destroy [STACK]   pulumi destroy --yes
#   commands/lab.sh key [STACK]       write the lab's SSH key to ./lab.key (mode 600), the hosts' keys to ./lab.known_hosts
#   commands/lab.sh drill STACK SCENARIO [OPTIONS]   an upgrade under load, measured (commands/drill.ts)
#   commands/lab.sh bench STACK [OPTIONS]            the CNI benchmark on a kube-lab (commands/bench.ts)
#   commands/lab.sh timeline STACK [--log FILE]      where the last up/destroy spent its time (commands/timeline.ts)
#   commands/lab.sh pulumi ARGS...    any pulumi command with the same environment
# Every up and destroy keeps Pulumi's engine event log and the phases around it in
# .netlab/runs/STACK/ (the newest 20 runs per stack), for `timeline`.
# Environment (all optional): PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE(_FILE), NETLAB_TOOLCHAIN.
set -euo pipefail

started=$EPOCHREALTIME
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

export PULUMI_SKIP_UPDATE_CHECK=true
# Plugins come from the toolchain (or the user's own Pulumi): the engine would otherwise try
# to download every plugin package.json names but the stack does not use (kubernetes on dev),
# seconds of failed downloads on a machine without release downloads, on every run.
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=${PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION:-true}
# The program is type-checked by `npm test`; `up` only transpiles it (seconds less per run).
export PULUMI_NODEJS_TRANSPILE_ONLY=${PULUMI_NODEJS_TRANSPILE_ONLY:-true}
export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$root/.pulumi-state}

# The stacks' secrets (the lab's SSH key, tokens, gossip and Weave keys) are encrypted with a
# passphrase: yours when you export PULUMI_CONFIG_PASSPHRASE (or _FILE), else one made at
# random for this checkout, kept in .netlab/passphrase (mode 0600, git-ignored).
passphrase_file=$root/.netlab/passphrase
# Checkouts from before the per-checkout passphrase used this fixed one for their stacks.
legacy_passphrase=netlab-lab-passphrase
ensure_passphrase() {
    [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ] || return 0
    if [ ! -s "$passphrase_file" ]; then
        (
            umask 077
            mkdir -p "$(dirname "$passphrase_file")"
            if compgen -G "$root/.pulumi-state/.pulumi/stacks/netlab/*.json" >/dev/null; then
                # Stacks made with the old fixed passphrase stay readable; rotate with
                # `commands/lab.sh pulumi stack change-secrets-provider passphrase -s STACK`.
                printf '%s\n' "$legacy_passphrase" >"$passphrase_file.tmp"
                echo "lab: existing stacks use the former fixed passphrase; kept in $passphrase_file (rotate it: docs/using-the-lab.md, 'Secrets')" >&2
            else
                head -c 32 /dev/urandom | base64 | tr -d '\n=' >"$passphrase_file.tmp"
                echo >>"$passphrase_file.tmp"
            fi
            mv -f "$passphrase_file.tmp" "$passphrase_file"
        )
    fi
    chmod 0600 "$passphrase_file"
    export PULUMI_CONFIG_PASSPHRASE_FILE=$passphrase_file
}
ensure_passphrase

toolchain=${NETLAB_TOOLCHAIN:-$root/.toolchain/bin}
if [ -d "$toolchain" ]; then
    export PATH="$toolchain:$PATH"
fi
case "$PULUMI_BACKEND_URL" in
    file://*) mkdir -p "${PULUMI_BACKEND_URL#file://}" ;;
esac

[ -d node_modules ] || npm ci --no-audit --no-fund

# What `up` of a stack needs from this repo's toolchain (commands/toolchain.sh, incremental:
# about a second when everything is built, and it completes a build that stopped part-way),
# and only that: the Pulumi CLI and plugins when no other Pulumi CLI is on PATH, the base image
# for docker-mode hosts, and, when the stack takes its binaries from .toolchain/artifacts,
# weave-lab's (weave-nomad), the Kubernetes part (kubeadm; Weave Net too when it is the CNI),
# Linkerd for a meshed stack.
toolchain_targets() { # STACK
    local file=Pulumi.$1.yaml
    if ! command -v pulumi >/dev/null 2>&1 || [ "$(command -v pulumi)" = "$toolchain/pulumi" ]; then
        echo pulumi nodejs-host pulumi-command pulumi-docker
    fi
    grep -Eq '^[[:space:]]*netlab:hostProvider:[[:space:]]*ssh' "$file" 2>/dev/null || echo base-image
    grep -Eq '^[[:space:]]*netlab:artifactsDir:[[:space:]]*\.toolchain/artifacts' "$file" 2>/dev/null || return 0
    grep -Eq '^[[:space:]]*netlab:scenario:[[:space:]]*weave-nomad' "$file" && echo weave-lab
    if grep -Eq '^[[:space:]]*netlab:scenario:[[:space:]]*kubeadm' "$file"; then
        echo kube
        grep -Eq '^[[:space:]]*netlab:cni:[[:space:]]*weave' "$file" && echo weave
    fi
    grep -Eq '^[[:space:]]*netlab:mesh:[[:space:]]*linkerd' "$file" && echo linkerd
    return 0
}
ensure_toolchain() { # STACK
    local targets
    read -r -a targets <<<"$(toolchain_targets "$1" | tr '\n' ' ')"
    [ "${#targets[@]}" -gt 0 ] || return 0
    if ! command -v go >/dev/null 2>&1; then
        # Nothing can be built here: go on with what there is (a missing binary is named later).
        command -v pulumi >/dev/null 2>&1 && return 0
        echo "lab: the Pulumi CLI is not on PATH (nor in $toolchain), and there is no Go to build it." >&2
        echo "lab: install the Pulumi CLI, or Go 1.24+ for commands/toolchain.sh (README.md, 'Prerequisites')." >&2
        exit 1
    fi
    echo "lab: checking the toolchain (commands/toolchain.sh ${targets[*]}; the first build takes a while)" >&2
    NETLAB_TOOLCHAIN_DIR=$(dirname "$toolchain") "$root/commands/toolchain.sh" "${targets[@]}"
    export PATH="$toolchain:$PATH"
}

# A docker-mode stack needs a Docker engine: start one (as root) or say how.
ensure_engine() { # STACK
    grep -Eq '^[[:space:]]*netlab:hostProvider:[[:space:]]*ssh' "Pulumi.$1.yaml" 2>/dev/null && return 0
    docker info >/dev/null 2>&1 && return 0
    "$root/commands/toolchain.sh" docker-engine
}

# Pulumi writes a passphrase salt into a stack file the first time it opens the stack's
# config; it protects only `secure:` values, so a stack file of this repo that has none is
# put back as it was (the state keeps its own salt). Stack files with secrets keep theirs.
keep_stack_files_clean() {
    local f
    for f in $(git -C "$root" ls-files 'Pulumi.*.yaml' 2>/dev/null); do
        grep -q 'secure:' "$root/$f" || sed -i '/^encryptionsalt:/d' "$root/$f"
    done
}
trap keep_stack_files_clean EXIT

action=${1:-up}
shift || true
# `up` checks the stack's toolchain itself; every other action needs at least the CLI.
[ "$action" = up ] || command -v pulumi >/dev/null 2>&1 || ensure_toolchain "${1:-dev}"
# Seconds since a mark ($EPOCHREALTIME), with one decimal.
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# Runs `pulumi ACTION … --event-log` for STACK, timing the phases around it (.netlab/runs/STACK).
timed_pulumi() { # ACTION STACK PHASES [PULUMI ARG…]
    local action=$1 stack=$2 phases=$3 dir base rc=0 t
    shift 3
    dir=$root/.netlab/runs/$stack
    mkdir -p "$dir"
    base=$dir/$(date -u +%Y%m%dT%H%M%SZ)-$action
    # A destroy's timeline needs the dependencies the state has before it (timeline reads them).
    [ "$action" != destroy ] || pulumi stack export --stack "$stack" >"$base.state.json" 2>/dev/null || rm -f "$base.state.json"
    t=$EPOCHREALTIME
    # --event-log is one of the CLI's debug flags: PULUMI_DEBUG_COMMANDS shows it.
    PULUMI_DEBUG_COMMANDS=true pulumi "$action" --yes --stack "$stack" --event-log "$base.events.jsonl" "$@" || rc=$?
    printf '%s%s\t%s\n%s\t%s\n' "$phases" "pulumi $action (CLI)" "$(since "$t")" "total (commands/lab.sh)" "$(since "$started")" >"$base.phases"
    # shellcheck disable=SC2012 # names are ours: <UTC time>-<action>.*
    ls -1 "$dir" | sed -n 's/\.phases$//p' | sort -r | tail -n +21 | while read -r run; do rm -f "$dir/$run".*; done
    echo "lab: $action of $stack took $(since "$started") s; where it went: commands/lab.sh timeline $stack" >&2
    return "$rc"
}

case "$action" in
    up)
        stack=${1:-dev}
        t=$EPOCHREALTIME
        ensure_toolchain "$stack"
        phases=$(printf 'toolchain check\t%s\n' "$(since "$t")")
        t=$EPOCHREALTIME
        ensure_engine "$stack"
        pulumi stack select --create "$stack" >/dev/null
        phases+=$(printf '\nengine and stack select\t%s\n' "$(since "$t")")
        # No separate preview: the program validates its config before it makes anything, and
        # --yes would not wait for a look at the plan anyway (one program run, not two).
        timed_pulumi up "$stack" "$phases"$'\n' --skip-preview "${@:2}"
        ;;
    destroy)
        stack=${1:-dev}
        # The whole stack goes: its docker hosts are killed first, since everything inside them
        # goes with them. A stopped host's steps skip their cleanups (components/host-command.ts)
        # and its container is removed at once, instead of a systemd shutdown of every service
        # under load. Not with more arguments (--target: some hosts stay).
        t=$EPOCHREALTIME phases=
        if [ "$#" -le 1 ] && command -v docker >/dev/null 2>&1; then
            mapfile -t running < <(docker ps -q --filter "label=netlab.lab=netlab-$stack" 2>/dev/null || true)
            [ "${#running[@]}" -eq 0 ] || docker kill "${running[@]}" >/dev/null
            phases=$(printf 'kill the docker hosts\t%s' "$(since "$t")")$'\n'
        fi
        timed_pulumi destroy "$stack" "$phases" --skip-preview "${@:2}"
        ;;
    timeline)
        node -r ts-node/register/transpile-only "$root/commands/timeline.ts" "$@"
        ;;
    key)
        stack=${1:-dev}
        umask 077
        pulumi stack output --show-secrets --stack "$stack" sshPrivateKey > lab.key
        pulumi stack output --stack "$stack" knownHosts > lab.known_hosts
        echo "wrote $root/lab.key and $root/lab.known_hosts (the hosts' keys: ssh -o UserKnownHostsFile=lab.known_hosts …)"
        ;;
    drill)
        # kube-lab drills run fortio in a pod: its image (a no-op when it is built).
        NETLAB_TOOLCHAIN_DIR=$(dirname "$toolchain") "$root/commands/toolchain.sh" fortio-image
        node -r ts-node/register/transpile-only "$root/commands/drill.ts" "$@"
        ;;
    bench)
        # The bench's image (a no-op when it is built).
        NETLAB_TOOLCHAIN_DIR=$(dirname "$toolchain") "$root/commands/toolchain.sh" bench
        node -r ts-node/register/transpile-only "$root/commands/bench.ts" "$@"
        ;;
    pulumi)
        pulumi "$@"
        ;;
    *)
        echo "lab: unknown action '$action' (up, destroy, key, drill, bench, timeline, pulumi)" >&2
        exit 2
        ;;
esac
