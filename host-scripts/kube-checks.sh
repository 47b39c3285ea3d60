#!/usr/bin/env bash
# The kube-lab checks, run on the control-plane host after the workloads: every node Ready;
# from client pods on each node: pod -> pod on every node, pod -> service IP, pod -> service by
# cluster DNS; and NetworkPolicy in both directions where the CNI enforces it (where it does
# not, the cell says so and is not a failure): ingress, a pod without the client label is
# refused by the workload's policy; egress, a client pod whose own egress policy (in the probes'
# namespace) admits only DNS cannot reach the service. With a mesh (NETLAB_MESH=linkerd): its
# control plane available, every backend pod with its proxy, the client pods meshed too, and
# their requests to the service carried over mTLS to the workload's identity (the client
# proxy's own metrics say so). An answer from any version of NETLAB_VERSIONS (a split) counts.
# Prints one line per cell ("PASS|FAIL|UNSUPPORTED <cell>: <detail>") and fails if any cell failed.
# Probe pods live in namespace netlab-checks; NETLAB_ACTION=delete removes it. Safe to re-run.
# Inputs (rendered in): NETLAB_WORKLOAD, NETLAB_NAMESPACE, NETLAB_PORT, NETLAB_VERSIONS
# (space-separated), NETLAB_CLIENT_LABEL, NETLAB_POLICY (enforced | unsupported), NETLAB_IMAGE,
# NETLAB_NODES (space-separated node names for probes), NETLAB_CNI, NETLAB_MESH (none | linkerd),
# NETLAB_MESH_NAMESPACE, NETLAB_MESH_DEPLOYMENTS (space-separated), NETLAB_TIMEOUT, NETLAB_ACTION.
set -euo pipefail

export KUBECONFIG=/etc/kubernetes/admin.conf
ns=netlab-checks
if [ "${NETLAB_ACTION:-create}" = delete ]; then
    if kubectl get --raw /readyz >/dev/null 2>&1; then
        # The probes are disposable, and on a CNI swap their nodes may already have lost the old
        # CNI, so the kubelet cannot tear their sandboxes down yet: remove the pod objects at once
        # and let the namespace go in the background (the kubelet cleans up once a CNI is back).
        kubectl delete pods -n "$ns" --all --grace-period=0 --force --ignore-not-found >/dev/null 2>&1 || true
        kubectl delete namespace "$ns" --ignore-not-found --wait=false >/dev/null
    fi
    echo "checks removed"
    exit 0
fi

: "${NETLAB_WORKLOAD:?}" "${NETLAB_NAMESPACE:?}" "${NETLAB_PORT:?}" "${NETLAB_VERSIONS:?}" "${NETLAB_CLIENT_LABEL:?}"
: "${NETLAB_POLICY:?}" "${NETLAB_IMAGE:?}" "${NETLAB_NODES:?}" "${NETLAB_CNI:?}"
mesh=${NETLAB_MESH:-none}
timeout=${NETLAB_TIMEOUT:-120}
answer="this is httpbackendservice, version:"
expected="$answer ${NETLAB_VERSIONS// / or }"
answered() { # BODY: an answer of one of the versions
    local v
    for v in $NETLAB_VERSIONS; do
        [ "$1" != "$answer $v" ] || return 0
    done
    return 1
}
failed=0
report() { # RESULT CELL DETAIL
    printf '%s %s: %s\n' "$1" "$2" "$3"
    if [ "$1" = FAIL ]; then
        failed=$((failed + 1))
        printf '%s %s: %s\n' "$1" "$2" "$3" >&2
    fi
}

# Right after a CNI swap a node can be NotReady until its kubelet sees the new CNI's config:
# the nodes get the checks' timeout to become Ready.
kubectl wait --for=condition=Ready nodes --all --timeout="${timeout}s" >/dev/null 2>&1 || true
nodes=$(kubectl get nodes --no-headers)
total=$(awk 'NF' <<<"$nodes" | wc -l)
ready=$(awk '$2 == "Ready"' <<<"$nodes" | wc -l)
if [ "$ready" -eq "$total" ]; then report PASS "nodes" "$ready/$total Ready"; else report FAIL "nodes" "$ready/$total Ready"; fi

if [ "$mesh" != none ]; then
    : "${NETLAB_MESH_NAMESPACE:?}" "${NETLAB_MESH_DEPLOYMENTS:?}"
    down=
    for d in $NETLAB_MESH_DEPLOYMENTS; do
        kubectl rollout status -n "$NETLAB_MESH_NAMESPACE" "deployment/$d" --timeout="${timeout}s" >/dev/null 2>&1 || down+=" $d"
    done
    if [ -z "$down" ]; then
        report PASS "mesh control plane" "$mesh: $NETLAB_MESH_DEPLOYMENTS available"
    else
        report FAIL "mesh control plane" "$mesh: not available:$down"
    fi
fi

# A client and a stranger pod on every probe node (the image is httpbackend: it has -get).
# A namespace left by the previous checks is still going away: wait for it first.
kubectl wait --for=delete "namespace/$ns" --timeout="${timeout}s" >/dev/null 2>&1 || true
kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
# Pods labelled netlab.io/egress=dns-only may send DNS and nothing else.
jq -n --arg ns "$ns" '{
    apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy",
    metadata: {name: "egress-dns-only", namespace: $ns},
    spec: {podSelector: {matchLabels: {"netlab.io/egress": "dns-only"}}, policyTypes: ["Egress"],
        egress: [{ports: [{protocol: "UDP", port: 53}, {protocol: "TCP", port: 53}]}]}}' | kubectl apply -f - >/dev/null
# With a mesh the client pods are meshed (the others are not: a dns-only pod's proxy could not
# reach the control plane).
probe_pod() { # NAME NODE CLIENT(true|false) EGRESS(open|dns-only)
    local inject=disabled
    if [ "$mesh" != none ] && [ "$3" = true ] && [ "$4" = open ]; then inject=enabled; fi
    jq -n --arg name "$1" --arg node "$2" --arg client "$3" --arg egress "$4" --arg client_label "$NETLAB_CLIENT_LABEL" \
        --arg image "$NETLAB_IMAGE" --arg ns "$ns" --arg inject "$inject" '{
        apiVersion: "v1", kind: "Pod",
        metadata: {name: $name, namespace: $ns, annotations: {"linkerd.io/inject": $inject},
            labels: ({"netlab.io/probe": "true", "netlab.io/egress": $egress} + {($client_label): $client})},
        spec: {nodeName: $node, tolerations: [{operator: "Exists"}], terminationGracePeriodSeconds: 1,
            containers: [{name: "probe", image: $image, imagePullPolicy: "Never", args: ["-listen", ":18081"]}]}}'
}
for node in $NETLAB_NODES; do
    probe_pod "client-$node" "$node" true open
    probe_pod "stranger-$node" "$node" false open
    probe_pod "egress-$node" "$node" true dns-only
done | kubectl apply -f - >/dev/null
if ! kubectl wait pods -n "$ns" -l netlab.io/probe=true --for=condition=Ready --timeout="${timeout}s" >/dev/null; then
    kubectl get pods -n "$ns" -o wide >&2
    echo "kube-checks: the probe pods are not Ready after ${timeout}s" >&2
    exit 1
fi

fetch() { # POD URL -> the body, or the error
    kubectl exec -n "$ns" "$1" -c probe -- /httpbackend -get "$2" -timeout 3s 2>&1 | tr -d '\r' | head -1
}
cell() { # POD CELL URL WANT(reach|refuse)
    local got
    got=$(fetch "$1" "$3" || true)
    if [ "$4" = reach ]; then
        if answered "$got"; then report PASS "$2" "$got"; else report FAIL "$2" "expected '$expected', got '$got'"; fi
    elif answered "$got"; then
        if [ "$NETLAB_POLICY" = enforced ]; then
            report FAIL "$2" "reached the service although the NetworkPolicy admits only $NETLAB_CLIENT_LABEL=true"
        else
            report UNSUPPORTED "$2" "reached: $NETLAB_CNI does not enforce NetworkPolicy"
        fi
    elif [ "$NETLAB_POLICY" = enforced ]; then
        report PASS "$2" "refused by the NetworkPolicy ($got)"
    else
        report FAIL "$2" "$NETLAB_CNI does not enforce policies, yet the request failed: $got"
    fi
}

# After the client's requests above: its proxy sent them over TLS to the workload's identity
# (its pods' service account), by the proxy's own metrics (request_total, outbound, tls="true",
# server_id).
identity="default.$NETLAB_NAMESPACE.serviceaccount.identity.linkerd.cluster.local"
mtls_cell() { # POD CELL
    local metrics sent
    metrics=$(kubectl exec -n "$ns" "$1" -c probe -- /httpbackend -get http://127.0.0.1:4191/metrics -timeout 3s 2>&1 || true)
    sent=$(grep -E '^request_total\{direction="outbound"' <<<"$metrics" | grep -F 'tls="true"' | grep -F "server_id=\"$identity\"" |
        awk '{ n += $NF } END { print n + 0 }')
    if [ "$sent" -gt 0 ]; then
        report PASS "$2" "$sent request(s) over mTLS to $identity"
    else
        report FAIL "$2" "no request over mTLS to $identity in the client proxy's metrics: $(grep -E '^request_total' <<<"$metrics" | head -2 | tr '\n' ' ')"
    fi
}

# The backends: the workload's Ready pods, not the ones going away (after a CNI swap the pods
# that are restarted may still be Terminating, with an address a new pod got again).
kubectl rollout status deployment -n "$NETLAB_NAMESPACE" "$NETLAB_WORKLOAD" --timeout="${timeout}s" >/dev/null ||
    report FAIL "backends" "deployment $NETLAB_WORKLOAD not rolled out within ${timeout}s"
backends=$(kubectl get pods -n "$NETLAB_NAMESPACE" -l "netlab.io/workload=$NETLAB_WORKLOAD" -o json | jq -r '.items[]
    | select(.metadata.deletionTimestamp == null and .status.phase == "Running")
    | select(any(.status.conditions[]?; .type == "Ready" and .status == "True"))
    | "\(.spec.nodeName)/\(.status.podIP)"')
[ -n "$backends" ] || report FAIL "backends" "no running pod of $NETLAB_WORKLOAD"
if [ "$mesh" != none ]; then
    unmeshed=$(kubectl get pods -n "$NETLAB_NAMESPACE" -l "netlab.io/workload=$NETLAB_WORKLOAD" -o json | jq -r '.items[]
        | select(.metadata.deletionTimestamp == null)
        | select(any(.status.containerStatuses[]?, .status.initContainerStatuses[]?; .name == "linkerd-proxy" and .ready == true) | not)
        | .metadata.name' | tr '\n' ' ')
    count=$(wc -w <<<"$backends")
    # (The proxy is a native sidecar: an init container that keeps running.)
    if [ -z "$unmeshed" ] && [ "$count" -gt 0 ]; then
        report PASS "mesh workload" "$count pod(s) of $NETLAB_WORKLOAD with a ready linkerd-proxy"
    else
        report FAIL "mesh workload" "pods of $NETLAB_WORKLOAD without a ready linkerd-proxy: ${unmeshed:-none running}"
    fi
fi
svc_ip=$(kubectl get service -n "$NETLAB_NAMESPACE" "$NETLAB_WORKLOAD" -o jsonpath='{.spec.clusterIP}')
dns="$NETLAB_WORKLOAD.$NETLAB_NAMESPACE.svc.cluster.local"
# Each probe node's cells run at the same time as the others' (a refused cell waits out its
# 3 s timeout); their lines are printed node by node.
cells=$(mktemp -d)
trap 'rm -rf "$cells"' EXIT
for node in $NETLAB_NODES; do
    (
        for b in $backends; do
            cell "client-$node" "pod@$node -> pod@${b%%/*} ${b#*/}" "http://${b#*/}:$NETLAB_PORT/" reach
        done
        cell "client-$node" "pod@$node -> service $svc_ip" "http://$svc_ip:$NETLAB_PORT/" reach
        cell "client-$node" "pod@$node -> dns $dns" "http://$dns:$NETLAB_PORT/" reach
        cell "stranger-$node" "policy unlabelled pod@$node -> service" "http://$svc_ip:$NETLAB_PORT/" refuse
        cell "egress-$node" "policy egress dns-only pod@$node -> service" "http://$svc_ip:$NETLAB_PORT/" refuse
        if [ "$mesh" != none ]; then mtls_cell "client-$node" "mesh mTLS pod@$node -> service"; fi
    ) >"$cells/$node.out" 2>"$cells/$node.err" &
done
wait
for node in $NETLAB_NODES; do
    cat "$cells/$node.out"
    cat "$cells/$node.err" >&2
    failed=$((failed + $(grep -c '^FAIL ' "$cells/$node.out" || true)))
done
if [ "$failed" -gt 0 ]; then
    echo "kube-checks: $failed cell(s) failed with $NETLAB_CNI" >&2
    exit 1
fi
