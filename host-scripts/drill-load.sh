#!/usr/bin/env bash
# The load and the sampler of a drill (npm run drill), on one lab host. Two runners:
#   host (weave-lab): fortio runs on this host; the instances come from Consul's list of the
#          service and the sampler reads them with curl.
#   pod (kube-lab, this host has kubectl): fortio runs in pod fortio of namespace netlab-drill,
#          on node NETLAB_NODE, labelled as the service's client (NETLAB_CLIENT_LABEL) and meshed
#          when NETLAB_MESH is not none; the load goes to the workload's Service (NETLAB_URL)
#          from there. The instances are the workload's running pods in NETLAB_NAMESPACE, read
#          from the same pod (the workload's NetworkPolicy admits only its clients).
# Actions:
#   start: fortio sends NETLAB_QPS requests/s to NETLAB_URL for at most NETLAB_MAX_SECONDS,
#          and a sampler reads every instance's /stats (the requests it served, by path)
#          about once a second.
#   stop:  interrupts fortio (it writes its JSON result) and stops the sampler.
#   probe: NETLAB_COUNT requests to NETLAB_URL, one at a time; prints how many got each answer.
#   cat-result, cat-samples: print fortio's JSON result, the samples (JSON lines).
#   clean: removes the drill's folder (and the pod runner's namespace).
# Everything lives in NETLAB_DIR. Safe to re-run: start refuses while a drill runs there,
# stop and clean do nothing when nothing runs. The load is bounded in time by fortio's -t and
# goes only to the URL given (a lab address). Inputs (rendered in): NETLAB_ACTION, NETLAB_DIR,
# NETLAB_URL, NETLAB_QPS, NETLAB_CONNECTIONS, NETLAB_MAX_SECONDS, NETLAB_SERVICE, NETLAB_PORT,
# NETLAB_COUNT, NETLAB_RUNNER (host | pod); host: NETLAB_SCHEME (http, or https: an HTTPS
# workload, its /stats read over TLS), NETLAB_CACERT (the CA the load and the probe verify the
# workload with), NETLAB_RESOLVE (the address the URL's host name goes to: fabio's TCP+SNI
# listener on a lab host, the name staying the TLS server name), NETLAB_CONNECTION_REUSE
# (fortio's -connection-reuse MIN:MAX: each connection carries that many requests, then the
# load opens a new one; a TCP route picks its instance per connection); pod: NETLAB_NAMESPACE,
# NETLAB_NODE, NETLAB_IMAGE, NETLAB_CLIENT_LABEL, NETLAB_MESH, NETLAB_TIMEOUT.
set -euo pipefail

: "${NETLAB_ACTION:?}" "${NETLAB_DIR:?}"
dir=$NETLAB_DIR
runner=${NETLAB_RUNNER:-host}
scheme=${NETLAB_SCHEME:-http}
pod_ns=netlab-drill
# The host runner's TLS options: fortio's, and curl's for the probe (the URL's host:port to NETLAB_RESOLVE).
fortio_tls=()
curl_tls=()
if [ -n "${NETLAB_CACERT:-}" ]; then
    fortio_tls+=(-cacert "$NETLAB_CACERT")
    curl_tls+=(--cacert "$NETLAB_CACERT")
fi
if [ -n "${NETLAB_CONNECTION_REUSE:-}" ]; then
    fortio_tls+=(-connection-reuse "$NETLAB_CONNECTION_REUSE")
fi
if [ -n "${NETLAB_RESOLVE:-}" ]; then
    fortio_tls+=(-resolve "$NETLAB_RESOLVE")
    hostport=${NETLAB_URL:-}
    hostport=${hostport#*://}
    curl_tls+=(--resolve "${hostport%%/*}:$NETLAB_RESOLVE")
fi
if [ "$runner" = pod ]; then export KUBECONFIG=/etc/kubernetes/admin.conf; fi

running() { [ -f "$dir/$1.pid" ] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }
in_pod() { # COMMAND…: in the load's pod
    kubectl exec -n "$pod_ns" fortio -c fortio -- "$@"
}

sample_once() {
    if [ "$runner" = pod ]; then sample_pods; else sample_consul; fi
}

# The workload's running pods' /stats, read from the load's pod.
sample_pods() {
    local t ips
    t=$(date +%s%3N)
    ips=$(kubectl get pods -n "$NETLAB_NAMESPACE" -l "netlab.io/workload=$NETLAB_SERVICE" -o json 2>/dev/null |
        jq -r '.items[] | select(.status.phase == "Running" and .status.podIP != null) | .status.podIP' | tr '\n' ' ') || ips=""
    # shellcheck disable=SC2016  # expanded in the pod
    in_pod bash -c 'for ip in $1; do fortio curl -quiet -timeout 1s "http://$ip:$2/stats" 2>/dev/null; echo; done' stats "$ips" "$NETLAB_PORT" 2>/dev/null |
        jq -c 'select(type == "object") | {id, version, canary: false, served}' 2>/dev/null |
        jq -cs --argjson t "$t" '{t: $t, instances: .}'
}

sample_consul() {
    local t rows
    t=$(date +%s%3N)
    rows=$(curl -fsS --max-time 1 "http://127.0.0.1:8500/v1/health/service/$NETLAB_SERVICE" 2>/dev/null |
        jq -r '.[] | "\(.Service.Address) \(.Service.Tags | index("canary") != null)"') || rows=""
    local instances=()
    while read -r addr canary; do
        [ -n "$addr" ] || continue
        # An HTTPS instance by its address: its certificate is for the server name, not the address.
        if s=$(curl -fsS -k --max-time 1 "$scheme://$addr:$NETLAB_PORT/stats" 2>/dev/null); then
            instances+=("$(jq -c --argjson canary "$canary" '{id, version, canary: $canary, served}' <<<"$s")")
        fi
    done <<<"$rows"
    printf '%s\n' "${instances[@]}" | jq -cs --argjson t "$t" '{t: $t, instances: [.[] | select(. != null)]}'
}

# The load's pod, Ready (its proxy too, when meshed). A namespace left by an earlier drill is
# still going away: wait for it first.
start_pod() {
    : "${NETLAB_NAMESPACE:?}" "${NETLAB_NODE:?}" "${NETLAB_IMAGE:?}" "${NETLAB_CLIENT_LABEL:?}" "${NETLAB_MESH:?}"
    local timeout=${NETLAB_TIMEOUT:-180} inject=disabled
    [ "$NETLAB_MESH" = none ] || inject=enabled
    kubectl wait --for=delete "namespace/$pod_ns" --timeout="${timeout}s" >/dev/null 2>&1 || true
    kubectl create namespace "$pod_ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
    jq -n --arg ns "$pod_ns" --arg node "$NETLAB_NODE" --arg image "$NETLAB_IMAGE" --arg client "$NETLAB_CLIENT_LABEL" --arg inject "$inject" '{
        apiVersion: "v1", kind: "Pod",
        metadata: {name: "fortio", namespace: $ns, labels: {($client): "true", "netlab.io/drill": "load"},
            annotations: {"linkerd.io/inject": $inject}},
        spec: {nodeName: $node, tolerations: [{operator: "Exists"}], terminationGracePeriodSeconds: 1,
            containers: [{name: "fortio", image: $image, imagePullPolicy: "Never", command: ["sleep", "infinity"]}]}}' |
        kubectl apply -f - >/dev/null
    if ! kubectl wait pod/fortio -n "$pod_ns" --for=condition=Ready --timeout="${timeout}s" >/dev/null; then
        kubectl get pods -n "$pod_ns" -o wide >&2
        echo "drill-load: the load's pod is not Ready after ${timeout}s" >&2
        exit 1
    fi
}

case "$NETLAB_ACTION" in
start)
    : "${NETLAB_URL:?}" "${NETLAB_QPS:?}" "${NETLAB_MAX_SECONDS:?}" "${NETLAB_SERVICE:?}" "${NETLAB_PORT:?}"
    if running fortio || { [ "$runner" = pod ] && [ -f "$dir/fortio.pid" ]; }; then
        echo "drill-load: a drill already runs in $dir (fortio pid $(cat "$dir/fortio.pid"))" >&2
        exit 1
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    if [ "$runner" = pod ]; then start_pod; fi
    # The baseline: what every instance served before the load.
    sample_once >> "$dir/samples.jsonl"
    # The sampler, detached from this session; it stops by itself after the load's longest run.
    end=$(($(date +%s) + NETLAB_MAX_SECONDS + 30))
    (
        trap '' HUP
        while [ "$(date +%s)" -lt "$end" ] && [ ! -f "$dir/sampler.stop" ]; do
            sample_once >> "$dir/samples.jsonl" || true
            sleep 1
        done
    ) < /dev/null > "$dir/sampler.log" 2>&1 &
    echo $! > "$dir/sampler.pid"
    load=(fortio load -qps "$NETLAB_QPS" -c "${NETLAB_CONNECTIONS:-16}" -t "${NETLAB_MAX_SECONDS}s" -p "50,90,99" ${fortio_tls[@]+"${fortio_tls[@]}"} -json)
    if [ "$runner" = pod ]; then
        # fortio runs in the pod, detached there; its result stays in the pod until stop copies it.
        # shellcheck disable=SC2016  # expanded in the pod
        in_pod bash -c 'nohup "$@" /tmp/fortio.json -quiet "$0" </dev/null >/tmp/fortio.log 2>&1 & echo $! >/tmp/fortio.pid' \
            "$NETLAB_URL" "${load[@]}"
        echo "pod" > "$dir/fortio.pid"
        sleep 1
        # shellcheck disable=SC2016  # expanded in the pod
        if ! in_pod bash -c 'kill -0 "$(cat /tmp/fortio.pid)"' 2>/dev/null; then
            in_pod cat /tmp/fortio.log >&2 || true
            echo "drill-load: fortio stopped at once (above)" >&2
            exit 1
        fi
    else
        nohup "${load[@]}" "$dir/fortio.json" -quiet "$NETLAB_URL" < /dev/null > "$dir/fortio.log" 2>&1 &
        echo $! > "$dir/fortio.pid"
        sleep 1
        if ! running fortio; then
            cat "$dir/fortio.log" >&2
            echo "drill-load: fortio stopped at once (above)" >&2
            exit 1
        fi
    fi
    echo "drill-load: $NETLAB_QPS qps to $NETLAB_URL for at most ${NETLAB_MAX_SECONDS}s, sampling $NETLAB_SERVICE"
    ;;
stop)
    if [ "$runner" = pod ] && [ -f "$dir/fortio.pid" ]; then
        # shellcheck disable=SC2016  # expanded in the pod
        in_pod bash -c 'p=$(cat /tmp/fortio.pid); kill -INT "$p" 2>/dev/null || true
            for _ in $(seq 1 60); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done' || true
        in_pod cat /tmp/fortio.json > "$dir/fortio.json" 2>/dev/null || true
        in_pod cat /tmp/fortio.log > "$dir/fortio.log" 2>/dev/null || true
        rm -f "$dir/fortio.pid"
    elif running fortio; then
        kill -INT "$(cat "$dir/fortio.pid")"
        for _ in $(seq 1 60); do
            running fortio || break
            sleep 0.5
        done
    fi
    # The sampler finishes the sample it is taking and stops (a sample takes up to a second or
    # two with the pod runner): the last sample below must come after it.
    if [ -d "$dir" ]; then
        touch "$dir/sampler.stop"
        for _ in $(seq 1 20); do
            running sampler || break
            sleep 0.5
        done
    fi
    if running sampler; then
        kill "$(cat "$dir/sampler.pid")" 2>/dev/null || true
    fi
    # One last sample after the load, so the last second's requests are counted.
    if [ -d "$dir" ]; then
        sample_once >> "$dir/samples.jsonl" || true
    fi
    [ ! -d "$dir" ] || [ -s "$dir/fortio.json" ] || { cat "$dir/fortio.log" >&2 || true; echo "drill-load: fortio wrote no result" >&2; exit 1; }
    echo "drill-load: stopped"
    ;;
probe)
    : "${NETLAB_URL:?}" "${NETLAB_COUNT:?}"
    for _ in $(seq 1 "$NETLAB_COUNT"); do
        curl -sS --max-time 2 ${curl_tls[@]+"${curl_tls[@]}"} -w ' %{http_code}\n' "$NETLAB_URL" 2>&1 | tail -1 || true
    done | sort | uniq -c
    ;;
cat-result) cat "$dir/fortio.json" ;;
cat-samples) cat "$dir/samples.jsonl" ;;
clean)
    for p in fortio sampler; do
        if running "$p"; then kill "$(cat "$dir/$p.pid")" 2>/dev/null || true; fi
    done
    if [ "$runner" = pod ]; then
        kubectl delete namespace "$pod_ns" --ignore-not-found --wait=false >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
*)
    echo "drill-load: unknown action $NETLAB_ACTION (start, stop, cat-result, cat-samples, clean)" >&2
    exit 1
    ;;
esac
