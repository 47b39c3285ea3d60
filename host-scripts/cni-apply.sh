#!/usr/bin/env bash
# Applies a CNI's Kubernetes objects (the manifest netlab rendered) on the control-plane host,
# waits for its agents on every node and for every node to be Ready, then restarts the pods
# that got their addresses from an earlier CNI (a swap), waits until the old ones are gone,
# and waits for cluster DNS. Safe to re-run. With NETLAB_ACTION=delete it deletes every
# object labelled netlab.io/cni=<cni>, waiting for the agents to be gone (the hosts are
# cleaned after it: cni-host-clean.sh), the objects the agents made themselves in
# kube-system (NETLAB_AGENT_OBJECTS, kind/name), and the CustomResourceDefinitions (with every
# object of theirs) netlab applied or the agents registered (NETLAB_CRD_GROUPS, API groups).
# Inputs (rendered in): NETLAB_CNI, NETLAB_MANIFEST (a kubectl-ready JSON List), NETLAB_TIMEOUT,
# NETLAB_ACTION, NETLAB_AGENT_OBJECTS, NETLAB_CRD_GROUPS (both space-separated).
set -euo pipefail

: "${NETLAB_CNI:?}"
export KUBECONFIG=/etc/kubernetes/admin.conf
timeout=${NETLAB_TIMEOUT:-300}
selector="netlab.io/cni=$NETLAB_CNI"

# Whether the CNI's pods are gone; those still there are named, and removed at once.
pods_gone() {
    local left
    left=$(kubectl get pods -n kube-system -l "$selector" -o name)
    [ -n "$left" ] || return 0
    echo "$NETLAB_CNI pods still exist: $(tr '\n' ' ' <<<"$left")"
    kubectl delete pods -n kube-system -l "$selector" --grace-period=0 --force --ignore-not-found >/dev/null 2>&1 || true
    return 1
}

if [ "${NETLAB_ACTION:-create}" = delete ]; then
    if ! kubectl get --raw /readyz >/dev/null 2>&1; then
        echo "cni-apply: no API server answers on $(hostname); nothing to delete" >&2
        exit 0
    fi
    # The hosts were cleaned before this runs (cni-host-clean.sh: the agents killed, their
    # images gone, no CNI config left), so a pod of the CNI on the pod network (calico's
    # kube-controllers) can never have its sandbox torn down now: the kubelet retries until
    # a CNI is back. The pod objects are removed at once; no process of theirs runs any more.
    kubectl delete daemonsets,deployments -n kube-system -l "$selector" --ignore-not-found --wait=false >/dev/null
    wait_until "$timeout" "the $NETLAB_CNI pods to be gone" pods_gone
    kubectl delete configmaps,serviceaccounts,rolebindings,roles -n kube-system -l "$selector" --ignore-not-found --wait=true >/dev/null
    kubectl delete clusterrolebindings,clusterroles -l "$selector" --ignore-not-found --wait=true >/dev/null
    for obj in ${NETLAB_AGENT_OBJECTS:-}; do
        kubectl delete -n kube-system "$obj" --ignore-not-found --wait=true >/dev/null
    done
    # The CNI's state in the API (calico's IP pools and IPAM blocks, cilium's nodes and
    # identities) goes with its CRDs: the next CNI starts from none of it.
    kubectl delete customresourcedefinitions -l "$selector" --ignore-not-found --wait=true --timeout="${timeout}s" >/dev/null
    for group in ${NETLAB_CRD_GROUPS:-}; do
        kubectl get customresourcedefinitions -o json |
            jq -r --arg g "$group" '.items[] | select(.spec.group == $g) | .metadata.name' |
            xargs -r kubectl delete customresourcedefinitions --ignore-not-found --wait=true --timeout="${timeout}s" >/dev/null
    done
    echo "$NETLAB_CNI objects deleted"
    exit 0
fi

: "${NETLAB_MANIFEST:?}"
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
printf '%s\n' "$NETLAB_MANIFEST" | kubectl apply -f - >/dev/null
kubectl rollout status daemonset -n kube-system -l "$selector" --timeout="${timeout}s" >/dev/null ||
    { kubectl get pods -n kube-system -l "$selector" -o wide >&2; echo "cni-apply: the $NETLAB_CNI agents are not ready after ${timeout}s" >&2; exit 1; }
kubectl wait nodes --all --for=condition=Ready --timeout="${timeout}s" >/dev/null ||
    { kubectl get nodes -o wide >&2; echo "cni-apply: not every node is Ready with $NETLAB_CNI after ${timeout}s" >&2; exit 1; }

# Pods outside the host network that started before this CNI hold addresses (and veths) of
# the one before: their controllers recreate them on the new network.
stale=$(kubectl get pods -A -o json | jq -r --arg t "$started" '.items[]
    | select((.spec.hostNetwork // false) | not)
    | select(.metadata.creationTimestamp < $t)
    | select((.metadata.ownerReferences // []) | length > 0)
    | "\(.metadata.namespace)/\(.metadata.name)"')
restarted=0
for p in $stale; do
    # (--ignore-not-found: a new CNI may restart them itself, as cilium's operator does.)
    kubectl delete pod -n "${p%%/*}" "${p#*/}" --wait=false --ignore-not-found >/dev/null
    restarted=$((restarted + 1))
done
# ... and they must be gone before anything is checked: the new CNI hands their addresses out
# again, and a policy agent that still sees a terminating pod treats its address as that
# pod's (weave-npc: an address of a pod no policy selects is let in). Their network is gone
# already, so those not gone within a minute (all together: a sandbox of the old CNI that the
# new one cannot tear down keeps its pod Terminating) are removed at once.
deadline=$((SECONDS + 60))
for p in $stale; do
    left=$((deadline - SECONDS))
    if [ "$left" -lt 1 ] || ! kubectl wait --for=delete pod -n "${p%%/*}" "${p#*/}" --timeout="${left}s" >/dev/null 2>&1; then
        kubectl delete pod -n "${p%%/*}" "${p#*/}" --grace-period=0 --force --ignore-not-found >/dev/null 2>&1 || true
    fi
done
kubectl rollout status deployment -n kube-system coredns --timeout="${timeout}s" >/dev/null ||
    { kubectl get pods -n kube-system -o wide >&2; echo "cni-apply: cluster DNS is not ready after ${timeout}s" >&2; exit 1; }
echo "cni=$NETLAB_CNI nodes=$(kubectl get nodes --no-headers | grep -c ' Ready') restarted=$restarted"
