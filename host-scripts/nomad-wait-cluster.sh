#!/usr/bin/env bash
# Waits until the Nomad cluster has an elected leader, NETLAB_EXPECT servers in the Raft
# peer set and NETLAB_EXPECT client nodes ready with a healthy docker driver, then prints
# them. Read-only, so safe to re-run. Inputs: NETLAB_EXPECT, NETLAB_TIMEOUT.
set -euo pipefail

: "${NETLAB_EXPECT:?}"
timeout=${NETLAB_TIMEOUT:-180}
api=http://127.0.0.1:4646/v1
deadline=$((SECONDS + timeout))
leader="" peers=0 ready=0
while [ "$SECONDS" -lt "$deadline" ]; do
    leader=$(curl -fsS "$api/status/leader" 2>/dev/null | tr -d '"' || true)
    peers=$(curl -fsS "$api/status/peers" 2>/dev/null | jq length 2>/dev/null || echo 0)
    ready=$(curl -fsS "$api/nodes?resources=false" 2>/dev/null |
        jq '[.[] | select(.Status == "ready" and .Drivers.docker.Healthy == true)] | length' 2>/dev/null || echo 0)
    if [ -n "$leader" ] && [ "$peers" -ge "$NETLAB_EXPECT" ] && [ "$ready" -ge "$NETLAB_EXPECT" ]; then
        break
    fi
    sleep 2
done
if [ -z "$leader" ] || [ "$peers" -lt "$NETLAB_EXPECT" ] || [ "$ready" -lt "$NETLAB_EXPECT" ]; then
    nomad server members >&2 || true
    nomad node status >&2 || true
    echo "nomad: leader '$leader', $peers of $NETLAB_EXPECT servers, $ready of $NETLAB_EXPECT clients ready with docker, after ${timeout}s" >&2
    exit 1
fi
echo "leader=$leader servers=$peers clients=$ready"
curl -fsS "$api/nodes?resources=false" | jq -r 'sort_by(.Name)[] | "\(.Name) \(.Address) \(.Status) docker=\(.Drivers.docker.Healthy)"'
