#!/usr/bin/env bash
# Runs on the control-plane host after the pod network was (re)applied with Linkerd installed:
# a CNI swap restarts every pod, Linkerd's own too, and a pod made while the proxy injector was
# down has no proxy (the webhook fails open). Waits for Linkerd's Deployments to be available
# again, then rolls every Deployment that has a pod meant to be meshed (annotation
# linkerd.io/inject=enabled) but running without linkerd-proxy, and waits for those rollouts.
# Prints what it did. Safe to re-run: with every meshed pod proxied it only waits.
# Inputs (rendered in): NETLAB_NAMESPACE (Linkerd's), NETLAB_DEPLOYMENTS (its Deployments,
# space-separated), NETLAB_TIMEOUT (seconds per wait).
set -euo pipefail

: "${NETLAB_NAMESPACE:?}" "${NETLAB_DEPLOYMENTS:?}"
export KUBECONFIG=/etc/kubernetes/admin.conf
timeout=${NETLAB_TIMEOUT:-300}
for d in $NETLAB_DEPLOYMENTS; do
    kubectl rollout status -n "$NETLAB_NAMESPACE" "deployment/$d" --timeout="${timeout}s" >/dev/null ||
        { kubectl get pods -n "$NETLAB_NAMESPACE" -o wide >&2; echo "linkerd-ready: $d is not available after ${timeout}s" >&2; exit 1; }
done
# "namespace replicaset" of every pod meant to be meshed that has no proxy.
sets=$(kubectl get pods -A -o json | jq -r '.items[]
    | select(.metadata.deletionTimestamp == null and .metadata.annotations["linkerd.io/inject"] == "enabled")
    | select([.spec.containers[]?, .spec.initContainers[]? | .name] | index("linkerd-proxy") | not)
    | . as $pod | .metadata.ownerReferences[]? | select(.kind == "ReplicaSet") | "\($pod.metadata.namespace) \(.name)"' | sort -u)
rolled=()
while read -r ns rs; do
    [ -n "$rs" ] || continue
    deployment=$(kubectl get replicaset -n "$ns" "$rs" -o jsonpath='{.metadata.ownerReferences[?(@.kind=="Deployment")].name}')
    [ -n "$deployment" ] || continue
    case " ${rolled[*]} " in *" $ns/$deployment "*) continue ;; esac
    kubectl rollout restart -n "$ns" "deployment/$deployment" >/dev/null
    rolled+=("$ns/$deployment")
done <<<"$sets"
for d in "${rolled[@]}"; do
    kubectl rollout status -n "${d%%/*}" "deployment/${d#*/}" --timeout="${timeout}s" >/dev/null ||
        { echo "linkerd-ready: $d did not roll out within ${timeout}s" >&2; exit 1; }
done
echo "linkerd ready: $NETLAB_DEPLOYMENTS available; meshed again: ${rolled[*]:-none}"
