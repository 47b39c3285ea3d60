#!/usr/bin/env bash
# Waits until the Consul cluster has NETLAB_EXPECT alive servers and an elected leader, then
# prints the members. Read-only, so safe to re-run. Inputs: NETLAB_EXPECT, NETLAB_TIMEOUT.
set -euo pipefail

: "${NETLAB_EXPECT:?}"
timeout=${NETLAB_TIMEOUT:-120}
alive=0
leader=""
cluster_ready() {
    alive=$(consul members -status=alive 2>/dev/null | awk 'NR > 1 && $4 == "server"' | wc -l || true)
    leader=$(curl -fsS http://127.0.0.1:8500/v1/status/leader 2>/dev/null | tr -d '"' || true)
    [ "$alive" -ge "$NETLAB_EXPECT" ] && [ -n "$leader" ]
}
if ! try_until "$timeout" "$NETLAB_EXPECT alive Consul servers and a leader" cluster_ready; then
    consul members >&2 || true
    die "consul: $alive of $NETLAB_EXPECT servers alive, leader '${leader}' after ${timeout}s"
fi
echo "leader=$leader alive=$alive"
consul members | awk 'NR > 1 { print $1, $2, $3, $4 }'
