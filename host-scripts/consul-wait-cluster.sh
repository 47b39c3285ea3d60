#!/usr/bin/env bash
# Waits until the Consul cluster has NETLAB_EXPECT alive servers and an elected leader, then
# prints the members. Read-only, so safe to re-run. Inputs: NETLAB_EXPECT, NETLAB_TIMEOUT.
set -euo pipefail

: "${NETLAB_EXPECT:?}"
timeout=${NETLAB_TIMEOUT:-120}
deadline=$((SECONDS + timeout))
alive=0
leader=""
while [ "$SECONDS" -lt "$deadline" ]; do
    alive=$(consul members -status=alive 2>/dev/null | awk 'NR > 1 && $4 == "server"' | wc -l || true)
    leader=$(curl -fsS http://127.0.0.1:8500/v1/status/leader 2>/dev/null | tr -d '"' || true)
    if [ "$alive" -ge "$NETLAB_EXPECT" ] && [ -n "$leader" ]; then
        break
    fi
    sleep 2
done
if [ "$alive" -lt "$NETLAB_EXPECT" ] || [ -z "$leader" ]; then
    consul members >&2 || true
    echo "consul: $alive of $NETLAB_EXPECT servers alive, leader '${leader}' after ${timeout}s" >&2
    exit 1
fi
echo "leader=$leader alive=$alive"
consul members | awk 'NR > 1 { print $1, $2, $3, $4 }'
