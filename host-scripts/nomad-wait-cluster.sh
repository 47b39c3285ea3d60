#!/usr/bin/env bash
# Waits until the Nomad cluster has an elected leader, NETLAB_EXPECT servers in the Raft
# peer set and NETLAB_EXPECT client nodes ready with a healthy docker driver, then prints
# them. Read-only, so safe to re-run. Inputs: NETLAB_EXPECT, NETLAB_TIMEOUT.
set -euo pipefail

: "${NETLAB_EXPECT:?}"
timeout=${NETLAB_TIMEOUT:-180}
api=http://127.0.0.1:4646/v1
leader="" peers=0 ready=0
cluster_ready() {
    leader=$(curl -fsS "$api/status/leader" 2>/dev/null | tr -d '"' || true)
    peers=$(curl -fsS "$api/status/peers" 2>/dev/null | jq length 2>/dev/null || echo 0)
    ready=$(curl -fsS "$api/nodes?resources=false" 2>/dev/null |
        jq '[.[] | select(.Status == "ready" and .Drivers.docker.Healthy == true)] | length' 2>/dev/null || echo 0)
    [ -n "$leader" ] && [ "$peers" -ge "$NETLAB_EXPECT" ] && [ "$ready" -ge "$NETLAB_EXPECT" ]
}
if ! try_until "$timeout" "a Nomad leader, $NETLAB_EXPECT servers and $NETLAB_EXPECT clients" cluster_ready; then
    nomad server members >&2 || true
    nomad node status >&2 || true
    die "nomad: leader '$leader', $peers of $NETLAB_EXPECT servers, $ready of $NETLAB_EXPECT clients ready with docker, after ${timeout}s"
fi
echo "leader=$leader servers=$peers clients=$ready"
curl -fsS "$api/nodes?resources=false" | jq -r 'sort_by(.Name)[] | "\(.Name) \(.Address) \(.Status) docker=\(.Drivers.docker.Healthy)"'
