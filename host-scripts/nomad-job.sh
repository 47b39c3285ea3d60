#!/usr/bin/env bash
# Runs (or updates) a Nomad job from a job file rendered by the program and follows its
# deployment to where the workload's strategy leaves it (seed 001):
#   - successful: every group runs its version;
#   - waiting for promotion: the canaries are healthy and NETLAB_PROMOTE is not true (a
#     canary or blue-green deployment then ends here, old and new instances both running);
#     with NETLAB_PROMOTE=true the script promotes it and follows it to the end;
#   - failed: the script fails, and when Nomad's auto_revert rolled the job back it first
#     waits for that rollback and says which version serves now.
# Before the job runs, fabio's route overrides for the workload (NETLAB_ROUTES: a split's
# weights) are written to Consul's KV store, or removed. At the end it waits until Consul's
# passing instances, and fabio's routes (NETLAB_FABIO_API), match the deployment, and prints
# the workload's state as one JSON object: deployment, instances, routes, job history.
# Safe to re-run: `nomad job run` of an unchanged job changes nothing (a promote flag set
# since promotes the waiting deployment). NETLAB_ACTION=delete stops and purges the job and
# removes its overrides. Inputs (rendered in): NETLAB_JOB_NAME, NETLAB_JOB (HCL),
# NETLAB_COUNT (instances per group), NETLAB_PROMOTE, NETLAB_ROUTES, NETLAB_FABIO_API,
# NETLAB_CONFIG_KEY (the workload's key, for messages), NETLAB_ACTION, NETLAB_TIMEOUT,
# NETLAB_SCHEME (http, or https for a workload with TLS: httpsbackendservice).
set -euo pipefail

: "${NETLAB_JOB_NAME:?}"
name=$NETLAB_JOB_NAME
kv="http://127.0.0.1:8500/v1/kv/fabio/config/$name"
nomad_api() { curl -fsS "http://127.0.0.1:4646/v1/$1"; }

if [ "${NETLAB_ACTION:-create}" = delete ]; then
    if nomad job status "$name" >/dev/null 2>&1; then
        nomad job stop -purge -yes "$name" >/dev/null
    fi
    curl -fsS -X DELETE "$kv" >/dev/null 2>&1 || true
    echo "job $name stopped and purged"
    exit 0
fi
: "${NETLAB_JOB:?}" "${NETLAB_COUNT:?}"
timeout=${NETLAB_TIMEOUT:-300}
key=${NETLAB_CONFIG_KEY:-netlab:workloads}
deadline=$((SECONDS + timeout))

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# A split's weights first: the new version's instances get their share from the moment they pass.
if [ -n "${NETLAB_ROUTES:-}" ]; then
    printf '%s\n' "$NETLAB_ROUTES" | curl -fsS -X PUT --data-binary @- "$kv" >/dev/null
else
    curl -fsS -X DELETE "$kv" >/dev/null
fi

before=$(nomad_api "job/$name" 2>/dev/null | jq -r .Version || echo none)
printf '%s\n' "$NETLAB_JOB" > "$dir/$name.nomad.hcl"
nomad job validate "$dir/$name.nomad.hcl" >/dev/null
# -detach: the deployment is followed below, with a deadline (a job whose allocations keep
# failing would keep `nomad job run` monitoring it).
if ! nomad job run -detach "$dir/$name.nomad.hcl" > "$dir/run.log" 2>&1; then
    cat "$dir/run.log" >&2
    nomad job status "$name" >&2 || true
    echo "nomad-job: $name did not deploy" >&2
    exit 1
fi
version=$(nomad_api "job/$name" | jq -r .Version)

app_version() { # JOB-VERSION: the versions its groups run
    nomad_api "job/$name/versions" | jq -r --argjson v "$1" \
        '[.Versions[] | select(.Version == $v) | .TaskGroups[].Tasks[].Env.HTTPBACKEND_VERSION] | join(",")'
}
reverted() { # a deployment of a job version after $jv has ended
    local back
    back=$(latest_deployment)
    [ "$(jq -r .JobVersion <<<"$back")" -gt "$jv" ] && [ "$(jq -r .Status <<<"$back")" != running ]
}
serving() { # what Consul has passing now, by version
    curl -fsS "http://127.0.0.1:8500/v1/health/service/$name?passing=true" |
        jq -r '[.[].Service.Tags[] | select(startswith("version-")) | ltrimstr("version-")] | group_by(.) | map("\(length) × \(.[0])") | join(", ")'
}
latest_deployment() { nomad_api "job/$name/deployment" 2>/dev/null || echo null; }

# The deployment of this job version (a changed job gets one once the scheduler ran; an
# unchanged job keeps its latest, which may be waiting for promotion). Without one after a
# minute, what there is is followed.
dep=null
found() {
    dep=$(latest_deployment)
    [ "$dep" != null ] && { [ "$version" = "$before" ] || [ "$(jq -r .JobVersion <<<"$dep")" = "$version" ]; }
}
try_until 60 "the deployment of $name's job version $version" found || true

state=none
promoted_here=false
while [ "$dep" != null ] && [ "$SECONDS" -lt "$deadline" ]; do
    id=$(jq -r .ID <<<"$dep")
    status=$(jq -r .Status <<<"$dep")
    case "$status" in
    successful)
        state=successful
        break
        ;;
    failed)
        desc=$(jq -r .StatusDescription <<<"$dep")
        jv=$(jq -r .JobVersion <<<"$dep")
        failed_versions=$(app_version "$jv")
        if [[ "$desc" == *"rolling back to job version"* ]]; then
            # auto_revert: Nomad submitted the last stable version again; wait for its deployment.
            try_until "$((deadline - SECONDS))" "auto_revert's deployment of $name" reverted || true
            now=$(nomad_api "job/$name" | jq -r .Version)
            echo "nomad-job: the deployment of $name $failed_versions (job version $jv) failed: $desc." >&2
            echo "nomad-job: auto_revert rolled $name back to job version $now ($(app_version "$now")); Consul has passing: $(serving)." >&2
            echo "Fix: set $key.version (or remove $key.fault) to a release that passes its checks, then run pulumi up." >&2
        else
            nomad job status "$name" >&2 || true
            echo "nomad-job: the deployment of $name $failed_versions (job version $jv) failed: $desc" >&2
        fi
        exit 1
        ;;
    cancelled)
        # Superseded by a newer job version's deployment: follow that one.
        dep=$(latest_deployment)
        [ "$(jq -r .ID <<<"$dep")" != "$id" ] || { echo "nomad-job: deployment $id of $name was cancelled" >&2; exit 1; }
        sleep 1
        continue
        ;;
    esac
    # Running: canaries waiting for promotion once they are all healthy.
    waiting=$(jq -r '[.TaskGroups[] | select(.DesiredCanaries > 0 and (.Promoted | not))] | length' <<<"$dep")
    ready=$(jq -r '[.TaskGroups[] | select(.DesiredCanaries > 0 and (.Promoted | not) and .HealthyAllocs < .DesiredCanaries)] | length' <<<"$dep")
    if [ "$waiting" -gt 0 ] && [ "$ready" = 0 ]; then
        if [ "${NETLAB_PROMOTE:-false}" = true ]; then
            if [ "$promoted_here" = false ]; then
                nomad deployment promote "$id" >/dev/null
                promoted_here=true
                echo "nomad-job: promoted deployment $id of $name" >&2
            fi
        else
            state=awaiting-promotion
            break
        fi
    fi
    sleep 2
    # This deployment by its ID: auto_revert may already have replaced it as the job's latest.
    dep=$(nomad_api "deployment/$id")
done
if [ "$state" = none ] && [ "$dep" != null ]; then
    nomad job status "$name" >&2 || true
    echo "nomad-job: the deployment of $name did not finish in ${timeout}s" >&2
    exit 1
fi

# What the deployment leaves running: every group's instances, plus its canaries while it
# waits for promotion; and no instance of a version the job no longer runs, once it is done.
job=$(nomad_api "job/$name")
versions=$(jq -c '[.TaskGroups[].Tasks[].Env.HTTPBACKEND_VERSION]' <<<"$job")
groups=$(jq 'length' <<<"$versions")
canaries=0
[ "$state" != awaiting-promotion ] || canaries=$(jq '[.TaskGroups[] | select(.Promoted | not) | .DesiredCanaries] | add // 0' <<<"$dep")
want=$((groups * NETLAB_COUNT + canaries))
passing='[]'
settled() { # Consul passes $want instances, none of a version the job no longer runs
    local strays
    passing=$(curl -fsS "http://127.0.0.1:8500/v1/health/service/$name?passing=true" 2>/dev/null || echo '[]')
    strays=$(jq --argjson v "$versions" --arg state "$state" '[.[] | select($state != "awaiting-promotion")
        | select((.Service.Tags | map(ltrimstr("version-")) - $v | length) == (.Service.Tags | length))] | length' <<<"$passing")
    [ "$(jq 'length' <<<"$passing")" = "$want" ] && [ "$strays" = 0 ]
}
# (Strays still passing at the deadline are let be.)
try_until "$((deadline - SECONDS))" "Consul to pass the $want instances of $name" settled || true
n=$(jq 'length' <<<"$passing")
if [ "$n" != "$want" ]; then
    nomad job status "$name" >&2 || true
    die "Consul has $n passing instances of $name ($(serving)), the deployment wants $want, after ${timeout}s"
fi

# fabio routes every passing instance (one target per urlprefix tag) before `up` returns.
routes='[]'
routed() { # fabio has a target for each passing instance (else says how many)
    routes=$(curl -fsS "$NETLAB_FABIO_API/api/routes" 2>/dev/null | jq -c --arg s "$name" '[.[]? | select(.service == $s)]' || echo '[]')
    [ "$(jq 'length' <<<"$routes")" = "$want" ] ||
        { echo "fabio routes $(jq 'length' <<<"$routes") targets of $name, Consul has $want passing"; return 1; }
}
if [ -n "${NETLAB_FABIO_API:-}" ]; then
    wait_until "$((deadline - SECONDS))" "fabio to route the $want passing instances of $name" routed
fi

instances=$(jq -c '[.[] | {address: "\(.Service.Address):\(.Service.Port)", node: .Node.Node,
    version: ([.Service.Tags[] | select(startswith("version-")) | ltrimstr("version-")][0]),
    canary: (.Service.Tags | index("canary") != null)}] | sort_by(.address)' <<<"$passing")
# Every instance answers with its version (HTTPS: the lab's checks verify its certificate, this only its answer).
scheme=${NETLAB_SCHEME:-http}
service=httpbackendservice
[ "$scheme" = http ] || service=httpsbackendservice
while read -r addr want_version; do
    got=$(curl -fsS -k --max-time 5 "$scheme://$addr/") || { echo "nomad-job: $name at $addr does not answer" >&2; exit 1; }
    [ "$got" = "this is $service, version: $want_version" ] ||
        { echo "nomad-job: $name at $addr answered '$got', Consul has it as $want_version" >&2; exit 1; }
done < <(jq -r '.[] | "\(.address) \(.version)"' <<<"$instances")

history=$(nomad_api "job/$name/versions" | jq -c '[.Versions[] | {jobVersion: .Version, stable: .Stable,
    versions: [.TaskGroups[].Tasks[].Env.HTTPBACKEND_VERSION]}] | sort_by(.jobVersion) | reverse | .[:10]')
jq -n --arg name "$name" --argjson jobVersion "$(jq .Version <<<"$job")" --arg state "$state" \
    --argjson dep "$dep" --argjson instances "$instances" --argjson routes "$routes" --argjson history "$history" '{
    job: $name, jobVersion: $jobVersion,
    deployment: (if $dep == null then null else {id: $dep.ID, jobVersion: $dep.JobVersion, state: $state,
        description: $dep.StatusDescription} end),
    instances: $instances,
    routes: [$routes[] | "\(.src) -> \(.dst) weight \(.weight)"],
    history: $history}'
