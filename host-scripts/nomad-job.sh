#!/usr/bin/env bash
# Runs (or updates) a Nomad job from a job file rendered by the program, waits until Consul
# has NETLAB_COUNT passing instances of its service, all of them tagged NETLAB_TAG when it is
# set (the version: after an update, no old instance is left), checks each answers, and
# prints them.
# Safe to re-run: `nomad job run` of an unchanged job changes nothing. NETLAB_ACTION=delete
# stops and purges the job. Inputs (rendered in): NETLAB_JOB_NAME, NETLAB_JOB (HCL),
# NETLAB_COUNT, NETLAB_TAG, NETLAB_ACTION, NETLAB_TIMEOUT.
set -euo pipefail

: "${NETLAB_JOB_NAME:?}"
name=$NETLAB_JOB_NAME
if [ "${NETLAB_ACTION:-create}" = delete ]; then
    if nomad job status "$name" >/dev/null 2>&1; then
        nomad job stop -purge -yes "$name" >/dev/null
    fi
    echo "job $name stopped and purged"
    exit 0
fi
: "${NETLAB_JOB:?}" "${NETLAB_COUNT:?}"
timeout=${NETLAB_TIMEOUT:-180}

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf '%s\n' "$NETLAB_JOB" > "$dir/$name.nomad.hcl"
nomad job validate "$dir/$name.nomad.hcl" >/dev/null
# -detach: the deployment is watched below, through Consul, with a deadline (a job whose
# allocations keep failing would keep `nomad job run` monitoring it).
if ! nomad job run -detach "$dir/$name.nomad.hcl" > "$dir/run.log" 2>&1; then
    cat "$dir/run.log" >&2
    nomad job status "$name" >&2 || true
    echo "nomad-job: $name did not deploy" >&2
    exit 1
fi

deadline=$((SECONDS + timeout))
addrs=""
while [ "$SECONDS" -lt "$deadline" ]; do
    all=$(curl -fsS "http://127.0.0.1:8500/v1/health/service/$name?passing=true" 2>/dev/null || echo '[]')
    addrs=$(jq -r --arg tag "${NETLAB_TAG:-}" '.[] | select($tag == "" or (.Service.Tags | index($tag)))
        | "\(.Service.Address):\(.Service.Port)"' <<<"$all" | sort || true)
    others=$(jq -r --arg tag "${NETLAB_TAG:-}" '[.[] | select($tag != "" and (.Service.Tags | index($tag) | not))] | length' <<<"$all" || echo 0)
    [ "$(printf '%s' "$addrs" | grep -c . || true)" -ge "$NETLAB_COUNT" ] && [ "$others" = 0 ] && break
    sleep 2
done
count=$(printf '%s' "$addrs" | grep -c . || true)
if [ "$count" -lt "$NETLAB_COUNT" ]; then
    nomad job status "$name" >&2 || true
    echo "nomad-job: $count of $NETLAB_COUNT instances of $name${NETLAB_TAG:+ tagged $NETLAB_TAG} pass their Consul checks after ${timeout}s" >&2
    exit 1
fi
echo "job $name: $count instances passing in Consul"
for a in $addrs; do
    echo "$a $(curl -fsS --max-time 5 "http://$a/")"
done
