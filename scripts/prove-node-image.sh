#!/usr/bin/env bash
# Proof that the netlab "node" image works as a VM-like lab host, using plain docker
# commands (the equivalent of what the Pulumi hosts component does):
#   - builds netlab/debian:bookworm (if missing) and the node image
#   - network netlab-proof 192.168.56.0/24, hosts u1..u3 at .3/.4/.5
#   - SSH by a throwaway ed25519 key on 127.0.0.1:<random port>
#   - systemd running, dockerd inside, a nested container, lab-address connectivity
# Everything it creates carries the label netlab.proof=1 and is removed on exit
# (unless KEEP=1); the script then checks that nothing is left.
#
# Environment:
#   NETLAB_PRIVILEGED=true|false  run the hosts with --privileged (true) or with the
#                                 capability-based form (false, default; --privileged
#                                 fails in sandboxes whose bounding set lacks caps)
#   KEEP=1                        leave containers, network and key in place
#   NETLAB_NODE_IMAGE             node image tag (default netlab/node:latest)
#   NETLAB_BASE_IMAGE             base image tag (default netlab/debian:bookworm)
#   NETLAB_BOOT_TIMEOUT           seconds to wait for systemd (default 180)
#   NETLAB_REBUILD=1              rebuild both images from scratch (base: debootstrap
#                                 again; node: docker build --no-cache)
#   NETLAB_DEBIAN_MIRROR          passed on to images/base/build-base-image.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERE="$ROOT/images/node"
BASE_IMAGE="${NETLAB_BASE_IMAGE:-netlab/debian:bookworm}"
NODE_IMAGE="${NETLAB_NODE_IMAGE:-netlab/node:latest}"
PRIVILEGED="${NETLAB_PRIVILEGED:-false}"
BOOT_TIMEOUT="${NETLAB_BOOT_TIMEOUT:-180}"
KEEP="${KEEP:-0}"

readonly LABEL=netlab.proof=1
readonly NET=netlab-proof SUBNET=192.168.56.0/24 GATEWAY=192.168.56.1
readonly HOSTS=(u1 u2 u3)
declare -A IP=([u1]=192.168.56.3 [u2]=192.168.56.4 [u3]=192.168.56.5)
declare -A PORT=()

passes=0 failures=0
tmp="" volumes=()
t_start="$EPOCHREALTIME"

log() { printf '[prove] %s\n' "$*"; }
die() { printf '[prove] ERROR: %s\n' "$*" >&2; exit 1; }
pass() { passes=$((passes + 1)); printf 'PASS %s\n' "$*"; }
fail() { failures=$((failures + 1)); printf 'FAIL %s\n' "$*"; }
indent() { sed 's/^/       /'; }

# elapsed seconds since $1 (an $EPOCHREALTIME value), one decimal
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
phase_t=""
phase_name=""
phase() {
  phase_end
  phase_name="$1"
  phase_t="$EPOCHREALTIME"
  log "=== phase: $phase_name"
}
phase_end() {
  if [[ -n "$phase_name" ]]; then
    printf 'TIME %-16s %6ss\n' "$phase_name" "$(since "$phase_t")"
    phase_name=""
  fi
}

case "$PRIVILEGED" in
  true | false) ;;
  *) die "NETLAB_PRIVILEGED must be true or false (got '$PRIVILEGED')" ;;
esac
for tool in docker ssh ssh-keygen awk flock timeout; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed"
done
# One proof at a time on a machine: the names, subnet and label are fixed.
exec 9<"${BASH_SOURCE[0]}"
flock -n 9 || die "another prove-node-image.sh is running on this machine (lock on ${BASH_SOURCE[0]})"
docker info >/dev/null 2>&1 || die "no Docker engine answers ('docker info' failed); start one (nohup dockerd >/var/log/dockerd.log 2>&1 &, or systemctl start docker)"

# --- removal of what the proof creates ---------------------------------------
# Only objects carrying our label are removed: a same-named container or network
# that belongs to someone else stops the proof instead.
proof_containers() { docker ps -aq --filter "label=$LABEL"; }
proof_networks() { docker network ls -q --filter "label=$LABEL"; }

remove_proof_objects() {
  local ids
  ids="$(proof_containers)"
  # shellcheck disable=SC2086 # word splitting of the id list is intended
  [[ -z "$ids" ]] || docker rm -fv $ids >/dev/null
  ids="$(proof_networks)"
  # shellcheck disable=SC2086
  [[ -z "$ids" ]] || docker network rm $ids >/dev/null
}

verify_nothing_left() {
  local left=0 h v
  if [[ -n "$(proof_containers)" ]]; then left=1; log "left over: containers $(proof_containers | xargs)"; fi
  if [[ -n "$(proof_networks)" ]]; then left=1; log "left over: networks $(proof_networks | xargs)"; fi
  if [[ -n "$(docker volume ls -q --filter "label=$LABEL")" ]]; then left=1; log "left over: labelled volumes"; fi
  for h in "${HOSTS[@]}"; do
    if docker container inspect "$h" >/dev/null 2>&1 &&
      [[ "$(docker container inspect -f '{{index .Config.Labels "netlab.proof"}}' "$h")" == 1 ]]; then
      left=1; log "left over: container $h"
    fi
  done
  for v in "${volumes[@]}"; do
    if docker volume inspect "$v" >/dev/null 2>&1; then left=1; log "left over: anonymous volume $v"; fi
  done
  if [[ -n "$tmp" && -e "$tmp" ]]; then left=1; log "left over: $tmp"; fi
  return "$left"
}

on_exit() {
  local rc=$?
  trap - EXIT INT TERM
  phase_end
  if [[ "$KEEP" == 1 ]]; then
    log "KEEP=1: leaving containers ${HOSTS[*]}, network $NET and key dir $tmp in place"
    for h in "${HOSTS[@]}"; do
      if [[ -n "${PORT[$h]:-}" ]]; then
        log "  ssh -i $tmp/id_ed25519 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -p ${PORT[$h]} root@127.0.0.1   # $h"
      fi
    done
    log "  clean up: docker rm -fv \$(docker ps -aq --filter label=$LABEL); docker network rm $NET; rm -rf $tmp"
  else
    phase "cleanup"
    remove_proof_objects || true
    [[ -z "$tmp" ]] || rm -rf "$tmp"
    if verify_nothing_left; then
      pass "cleanup: no container, network, volume or temp dir of the proof is left"
    else
      fail "cleanup: something of the proof is left (see above)"
    fi
    phase_end
  fi
  printf 'TIME %-16s %6ss\n' total "$(since "$t_start")"
  if ((failures == 0 && rc == 0)); then
    printf 'RESULT: PASS (%d checks, mode: %s)\n' "$passes" "$([[ $PRIVILEGED == true ]] && echo privileged || echo capabilities)"
    exit 0
  fi
  printf 'RESULT: FAIL (%d passed, %d failed, exit %d)\n' "$passes" "$failures" "$rc"
  ((rc != 0)) || rc=1
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

tmp="$(mktemp -d /tmp/netlab-proof.XXXXXX)"

# --- images ---------------------------------------------------------------------
phase "base-image"
NETLAB_BASE_IMAGE="$BASE_IMAGE" "$ROOT/images/base/build-base-image.sh"

phase "node-image"
build_opts=()
[[ "${NETLAB_REBUILD:-0}" != 1 ]] || build_opts+=(--no-cache)
if ! docker build "${build_opts[@]}" --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$NODE_IMAGE" "$HERE" \
  >"$tmp/node-build.log" 2>&1; then
  tail -n 40 "$tmp/node-build.log" >&2
  die "docker build of $NODE_IMAGE failed (log above)"
fi
log "built $NODE_IMAGE ($(docker image inspect -f '{{.Size}}' "$NODE_IMAGE") bytes)"

# --- network and hosts ----------------------------------------------------------
phase "network"
# leftovers of an earlier KEEP=1 or interrupted run (we hold the lock: none is running)
remove_proof_objects
for d in /tmp/netlab-proof.*; do
  if [[ -d "$d" && "$d" != "$tmp" ]]; then rm -rf "$d"; fi
done
for h in "${HOSTS[@]}"; do
  if docker container inspect "$h" >/dev/null 2>&1; then
    die "a container named $h exists and is not the proof's (no label $LABEL); remove or rename it"
  fi
done
if docker network inspect "$NET" >/dev/null 2>&1; then
  die "a network named $NET exists and is not the proof's (no label $LABEL); remove it"
fi
if ! err="$(docker network create --driver bridge --subnet "$SUBNET" --gateway "$GATEWAY" \
  --label "$LABEL" "$NET" 2>&1 >/dev/null)"; then
  other="$(docker network ls -q | xargs -r docker network inspect \
    -f '{{.Name}} {{range .IPAM.Config}}{{.Subnet}} {{end}}' | awk -v s="$SUBNET" '$0 ~ s { print $1 }' | xargs)"
  die "cannot create network $NET ($SUBNET): $err${other:+ (subnet used by: $other)}"
fi
pass "network $NET $SUBNET gateway $GATEWAY created"

phase "start-hosts"
# The VM-like flags come from the code the Pulumi program uses (components/hosts.ts), so this
# proves the program's settings, not a copy of them.
mapfile -t security < <(cd "$ROOT" && npx --no-install ts-node --transpile-only scripts/host-run-flags.ts "$PRIVILEGED")
((${#security[@]})) || die "scripts/host-run-flags.ts printed no flags (run npm ci first)"
common=(--detach --label "$LABEL" --network "$NET" --publish 127.0.0.1::22)
log "mode: $([[ $PRIVILEGED == true ]] && echo privileged || echo capabilities) (${security[*]})"
for h in "${HOSTS[@]}"; do
  docker run "${common[@]}" "${security[@]}" --name "$h" --hostname "$h" \
    --ip "${IP[$h]}" "$NODE_IMAGE" >/dev/null || die "docker run of $h failed"
  hp="$(docker port "$h" 22/tcp | head -n1)"
  PORT[$h]="${hp##*:}"
  [[ "${PORT[$h]}" =~ ^[0-9]+$ ]] || die "no published SSH port for $h (docker port said: '$hp')"
  while read -r v; do if [[ -n "$v" ]]; then volumes+=("$v"); fi; done < <(
    docker container inspect -f '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}}{{"\n"}}{{end}}{{end}}' "$h")
  pass "$h started: ${IP[$h]}, ssh on 127.0.0.1:${PORT[$h]}"
done

phase "ssh-key"
ssh-keygen -q -t ed25519 -N '' -C netlab-proof -f "$tmp/id_ed25519"
for h in "${HOSTS[@]}"; do
  docker cp "$tmp/id_ed25519.pub" "$h:/root/.ssh/authorized_keys"
  docker exec "$h" sh -c 'chown root:root /root/.ssh /root/.ssh/authorized_keys &&
    chmod 700 /root/.ssh && chmod 600 /root/.ssh/authorized_keys'
done
log "public key copied to /root/.ssh/authorized_keys of ${HOSTS[*]}"

# --- checks -----------------------------------------------------------------------
phase "systemd-boot"
boot_deadline=$((SECONDS + BOOT_TIMEOUT))
for h in "${HOSTS[@]}"; do
  # Right after the start, systemctl may find no manager to talk to yet
  # ("Failed to connect to bus", "offline"): ask again until the deadline.
  state=""
  while ((SECONDS < boot_deadline)); do
    state="$(timeout $((boot_deadline - SECONDS + 1)) docker exec "$h" systemctl is-system-running --wait 2>&1)" || true
    case "$state" in
      running | degraded | maintenance | stopping) break ;;
    esac
    sleep 1
  done
  case "$state" in
    running) pass "$h systemd: running" ;;
    degraded)
      pass "$h systemd: degraded (failed units below)"
      docker exec "$h" systemctl --failed --no-pager --no-legend | indent
      ;;
    *)
      fail "$h systemd: '${state:-no answer}' after ${BOOT_TIMEOUT}s"
      docker exec "$h" systemctl --failed --no-pager 2>&1 | indent || true
      docker exec "$h" journalctl -b -p warning --no-pager 2>&1 | tail -n 20 | indent || true
      ;;
  esac
done

phase "ssh"
ssh_opts=(-i "$tmp/id_ed25519" -o IdentitiesOnly=yes -o BatchMode=yes
  -o StrictHostKeyChecking=no -o UserKnownHostsFile="$tmp/known_hosts"
  -o ConnectTimeout=5 -o LogLevel=ERROR)
ssh_to() { local h="$1"; shift; ssh "${ssh_opts[@]}" -p "${PORT[$h]}" root@127.0.0.1 "$@"; }
declare -A HOSTKEY=() MACHINEID=()
for h in "${HOSTS[@]}"; do
  out=""
  for _ in $(seq 1 15); do
    if out="$(ssh_to "$h" 'hostname; ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub | cut -d" " -f2; cat /etc/machine-id' 2>&1)"; then
      break
    fi
    out="ERR: $out"
    sleep 2
  done
  if [[ "$out" != ERR:* && "$(head -n1 <<<"$out")" == "$h" ]]; then
    HOSTKEY[$h]="$(sed -n 2p <<<"$out")"
    MACHINEID[$h]="$(sed -n 3p <<<"$out")"
    pass "$h ssh root@127.0.0.1:${PORT[$h]} with the ed25519 key -> hostname $h"
  else
    fail "$h ssh root@127.0.0.1:${PORT[$h]}: $out"
  fi
  cfg="$(ssh_to "$h" sshd -T 2>/dev/null | awk '$1 == "permitrootlogin" || $1 == "passwordauthentication" { printf "%s=%s ", $1, $2 }')" || true
  if [[ "$cfg" == *"permitrootlogin=without-password"* && "$cfg" == *"passwordauthentication=no"* ]]; then
    pass "$h sshd: root by key only (${cfg% })"
  else
    fail "$h sshd config: '${cfg:-unreadable}'"
  fi
done
distinct="$(printf '%s\n' "${HOSTKEY[@]}" | sort -u | grep -c . || true)"
if [[ "$distinct" -eq "${#HOSTS[@]}" ]]; then
  pass "ssh host keys are per host (generated at first boot, ${distinct} distinct)"
else
  fail "ssh host keys are not distinct across hosts (${distinct} distinct of ${#HOSTS[@]})"
fi
distinct="$(printf '%s\n' "${MACHINEID[@]}" | sort -u | grep -c . || true)"
if [[ "$distinct" -eq "${#HOSTS[@]}" ]]; then
  pass "machine-ids are per host (${distinct} distinct)"
else
  fail "machine-ids are not distinct across hosts (${distinct} distinct of ${#HOSTS[@]})"
fi

phase "readiness-gate"
# The program's own readiness gate (host-scripts/wait-ready.sh), rendered as the program renders it.
for h in "${HOSTS[@]}"; do
  if out="$(cd "$ROOT" && npx --no-install ts-node --transpile-only scripts/render-host-script.ts \
      host-scripts/wait-ready.sh "NETLAB_HOST=$h" NETLAB_TIMEOUT=60 NETLAB_NEED_DOCKER=true |
      ssh_to "$h" bash -s 2>&1)" && [[ "$out" == "host=$h hostname=$h systemd=running docker="* ]]; then
    pass "$h readiness gate: $out"
  else
    fail "$h readiness gate: $out"
  fi
done

phase "docker-inside"
for h in "${HOSTS[@]}"; do
  if info="$(docker exec "$h" docker info -f '{{.ServerVersion}} {{.Driver}} {{.CgroupDriver}}' 2>&1)"; then
    read -r ver driver cgdriver <<<"$info"
    if [[ "$driver" == overlay2 ]]; then
      pass "$h docker info: engine $ver, storage $driver, cgroup driver $cgdriver"
    else
      fail "$h docker info: storage driver is '$driver', expected overlay2 (is /var/lib/docker a volume?)"
    fi
  else
    fail "$h docker info: $info"
  fi
done

phase "nested-container"
docker save -o "$tmp/base.tar" "$BASE_IMAGE"
for h in "${HOSTS[@]}"; do
  if ! out="$(docker exec -i "$h" docker load <"$tmp/base.tar" 2>&1)"; then
    fail "$h docker load $BASE_IMAGE: $out"
    continue
  fi
  if out="$(docker exec "$h" docker run --rm "$BASE_IMAGE" echo nested-ok 2>&1)" && [[ "$out" == nested-ok ]]; then
    pass "$h nested docker run $BASE_IMAGE -> nested-ok"
  else
    fail "$h nested docker run: $out"
  fi
done
rm -f "$tmp/base.tar"

phase "lab-network"
for h in "${HOSTS[@]}"; do
  for peer in "${HOSTS[@]}"; do
    [[ "$peer" != "$h" ]] || continue
    if out="$(docker exec "$h" ping -c 2 -W 2 "${IP[$peer]}" 2>&1)"; then
      pass "$h -> $peer ping ${IP[$peer]}"
    else
      fail "$h -> $peer ping ${IP[$peer]}: $(tail -n 2 <<<"$out" | xargs)"
    fi
  done
done
if out="$(ssh_to u1 ping -c 1 -W 2 "${IP[u2]}" 2>&1)"; then
  pass "u1 (over ssh) -> u2 ping ${IP[u2]}"
else
  fail "u1 (over ssh) -> u2 ping ${IP[u2]}: $out"
fi

phase_end
# on_exit cleans up, verifies and prints the result
