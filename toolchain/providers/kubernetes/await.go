package main

import (
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// readiness is the outcome of one look at an object.
type readiness struct {
	ready   bool
	summary string // what the object reports, for status messages and timeout errors
	failed  string // non-empty: the object will not become ready (fail now)
}

// awaitKind says which predicate applies to a kind ("" = none).
func awaitKind(gvk schema.GroupVersionKind) string {
	switch gvk.GroupKind() {
	case schema.GroupKind{Group: "apps", Kind: "Deployment"}, schema.GroupKind{Group: "extensions", Kind: "Deployment"}:
		return "Deployment"
	case schema.GroupKind{Group: "apps", Kind: "DaemonSet"}, schema.GroupKind{Group: "extensions", Kind: "DaemonSet"}:
		return "DaemonSet"
	case schema.GroupKind{Group: "apps", Kind: "StatefulSet"}:
		return "StatefulSet"
	case schema.GroupKind{Kind: "Pod"}:
		return "Pod"
	case schema.GroupKind{Kind: "Service"}:
		return "Service"
	case schema.GroupKind{Group: "batch", Kind: "Job"}:
		return "Job"
	case schema.GroupKind{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}:
		return "CustomResourceDefinition"
	}
	return ""
}

func num(obj *unstructured.Unstructured, fields ...string) int64 {
	v, found, err := unstructured.NestedFieldNoCopy(obj.Object, fields...)
	if !found || err != nil {
		return 0
	}
	switch n := v.(type) {
	case int64:
		return n
	case int:
		return int64(n)
	case float64:
		return int64(n)
	}
	return 0
}

func numOr(obj *unstructured.Unstructured, def int64, fields ...string) int64 {
	if _, found, _ := unstructured.NestedFieldNoCopy(obj.Object, fields...); !found {
		return def
	}
	return num(obj, fields...)
}

type condition struct{ Type, Status, Reason, Message string }

func conditions(obj *unstructured.Unstructured) []condition {
	list, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	var out []condition
	for _, c := range list {
		m, ok := c.(map[string]interface{})
		if !ok {
			continue
		}
		s := func(k string) string { v, _ := m[k].(string); return v }
		out = append(out, condition{s("type"), s("status"), s("reason"), s("message")})
	}
	return out
}

func conditionIs(obj *unstructured.Unstructured, typ, status string) (condition, bool) {
	for _, c := range conditions(obj) {
		if c.Type == typ && c.Status == status {
			return c, true
		}
	}
	return condition{}, false
}

// conditionSummary renders the conditions as "Type=Status (Reason: message)".
func conditionSummary(obj *unstructured.Unstructured) string {
	var parts []string
	for _, c := range conditions(obj) {
		s := c.Type + "=" + c.Status
		detail := c.Reason
		if c.Message != "" {
			if detail != "" {
				detail += ": "
			}
			detail += c.Message
		}
		if detail != "" {
			s += " (" + detail + ")"
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "no conditions reported"
	}
	return "conditions: " + strings.Join(parts, "; ")
}

func generationSeen(obj *unstructured.Unstructured) (bool, string) {
	gen, og := num(obj, "metadata", "generation"), num(obj, "status", "observedGeneration")
	if og < gen {
		return false, fmt.Sprintf("controller has not observed generation %d yet (observed %d)", gen, og)
	}
	return true, ""
}

// deploymentReady: the controller saw the latest spec and every wanted replica is updated and available.
func deploymentReady(obj *unstructured.Unstructured) readiness {
	want := numOr(obj, 1, "spec", "replicas")
	updated, available, ready := num(obj, "status", "updatedReplicas"), num(obj, "status", "availableReplicas"), num(obj, "status", "readyReplicas")
	seen, genMsg := generationSeen(obj)
	summary := fmt.Sprintf("%d/%d replicas updated, %d/%d available, %d ready", updated, want, available, want, ready)
	if genMsg != "" {
		summary = genMsg + "; " + summary
	}
	summary += "; " + conditionSummary(obj)
	r := readiness{ready: seen && updated == want && available == want, summary: summary}
	if c, ok := conditionIs(obj, "Progressing", "False"); ok && c.Reason == "ProgressDeadlineExceeded" && !r.ready {
		r.failed = "rollout exceeded its progress deadline (spec.progressDeadlineSeconds)"
	}
	return r
}

// daemonSetReady: every node that should run a pod runs an updated, available one.
func daemonSetReady(obj *unstructured.Unstructured) readiness {
	desired := num(obj, "status", "desiredNumberScheduled")
	updated, available := num(obj, "status", "updatedNumberScheduled"), num(obj, "status", "numberAvailable")
	seen, genMsg := generationSeen(obj)
	summary := fmt.Sprintf("%d/%d pods updated, %d/%d available, %d ready", updated, desired, available, desired,
		num(obj, "status", "numberReady"))
	if genMsg != "" {
		summary = genMsg + "; " + summary
	}
	if cs := conditions(obj); len(cs) > 0 {
		summary += "; " + conditionSummary(obj)
	}
	return readiness{ready: seen && updated == desired && available == desired, summary: summary}
}

// statefulSetReady: every wanted replica is ready and (unless OnDelete) updated.
func statefulSetReady(obj *unstructured.Unstructured) readiness {
	want := numOr(obj, 1, "spec", "replicas")
	ready, updated := num(obj, "status", "readyReplicas"), num(obj, "status", "updatedReplicas")
	strategy, _, _ := unstructured.NestedString(obj.Object, "spec", "updateStrategy", "type")
	seen, genMsg := generationSeen(obj)
	summary := fmt.Sprintf("%d/%d replicas ready, %d/%d updated", ready, want, updated, want)
	if genMsg != "" {
		summary = genMsg + "; " + summary
	}
	ok := seen && ready == want && (strategy == "OnDelete" || updated == want)
	return readiness{ready: ok, summary: summary}
}

// podReady: the Ready condition is True (or the pod completed).
func podReady(obj *unstructured.Unstructured) readiness {
	phase, _, _ := unstructured.NestedString(obj.Object, "status", "phase")
	summary := podSummary(obj)
	switch phase {
	case "Succeeded":
		return readiness{ready: true, summary: summary}
	case "Failed":
		return readiness{summary: summary, failed: "the pod failed"}
	}
	_, ok := conditionIs(obj, "Ready", "True")
	return readiness{ready: ok, summary: summary}
}

// podSummary renders a pod's phase, conditions that are not True, and waiting/terminated containers.
func podSummary(obj *unstructured.Unstructured) string {
	phase, _, _ := unstructured.NestedString(obj.Object, "status", "phase")
	if phase == "" {
		phase = "no phase reported"
	}
	parts := []string{"phase " + phase}
	for _, c := range conditions(obj) {
		if c.Status != "True" {
			s := c.Type + "=" + c.Status
			if c.Reason != "" || c.Message != "" {
				s += " (" + strings.TrimPrefix(c.Reason+": "+c.Message, ": ") + ")"
			}
			parts = append(parts, s)
		}
	}
	for _, key := range []string{"initContainerStatuses", "containerStatuses"} {
		list, _, _ := unstructured.NestedSlice(obj.Object, "status", key)
		for _, e := range list {
			m, _ := e.(map[string]interface{})
			name, _ := m["name"].(string)
			for _, st := range []string{"waiting", "terminated"} {
				sm, ok, _ := unstructured.NestedMap(m, "state", st)
				if !ok {
					continue
				}
				reason, _ := sm["reason"].(string)
				msg, _ := sm["message"].(string)
				if st == "terminated" && reason == "Completed" {
					continue
				}
				parts = append(parts, strings.TrimSuffix(fmt.Sprintf("container %s %s: %s %s", name, st, reason, msg), " "))
			}
		}
	}
	return strings.Join(parts, "; ")
}

// jobReady: the job completed; a failed job fails the await.
func jobReady(obj *unstructured.Unstructured) readiness {
	summary := fmt.Sprintf("%d succeeded, %d active, %d failed; %s", num(obj, "status", "succeeded"),
		num(obj, "status", "active"), num(obj, "status", "failed"), conditionSummary(obj))
	if c, ok := conditionIs(obj, "Failed", "True"); ok {
		return readiness{summary: summary, failed: "the job failed: " + strings.TrimPrefix(c.Reason+": "+c.Message, ": ")}
	}
	_, ok := conditionIs(obj, "Complete", "True")
	return readiness{ready: ok, summary: summary}
}

func crdReady(obj *unstructured.Unstructured) readiness {
	_, ok := conditionIs(obj, "Established", "True")
	return readiness{ready: ok, summary: conditionSummary(obj)}
}

// serviceNeedsEndpoints reports whether a Service is awaited: it selects pods (has a selector)
// and is not an ExternalName service.
func serviceNeedsEndpoints(svc *unstructured.Unstructured) bool {
	typ, _, _ := unstructured.NestedString(svc.Object, "spec", "type")
	sel, _, _ := unstructured.NestedMap(svc.Object, "spec", "selector")
	return typ != "ExternalName" && len(sel) > 0
}

// serviceReady: at least one ready endpoint address among the service's EndpointSlices (an
// endpoint without a ready condition counts as ready, as the API defines).
func serviceReady(svc *unstructured.Unstructured, slices []unstructured.Unstructured) readiness {
	ready, notReady := 0, 0
	for _, s := range slices {
		eps, _, _ := unstructured.NestedSlice(s.Object, "endpoints")
		for _, e := range eps {
			m, _ := e.(map[string]interface{})
			addrs, _, _ := unstructured.NestedStringSlice(m, "addresses")
			r, found, _ := unstructured.NestedBool(m, "conditions", "ready")
			if !found || r {
				ready += len(addrs)
			} else {
				notReady += len(addrs)
			}
		}
	}
	sel, _, _ := unstructured.NestedStringMap(svc.Object, "spec", "selector")
	var pairs []string
	for k, v := range sel {
		pairs = append(pairs, k+"="+v)
	}
	sort.Strings(pairs)
	summary := fmt.Sprintf("%d ready and %d not-ready endpoint addresses in %d EndpointSlices for selector %s",
		ready, notReady, len(slices), strings.Join(pairs, ","))
	return readiness{ready: ready > 0, summary: summary}
}

// check applies the predicate for a kind to an object (Services get their EndpointSlices).
func check(kind string, obj *unstructured.Unstructured, slices []unstructured.Unstructured) readiness {
	switch kind {
	case "Deployment":
		return deploymentReady(obj)
	case "DaemonSet":
		return daemonSetReady(obj)
	case "StatefulSet":
		return statefulSetReady(obj)
	case "Pod":
		return podReady(obj)
	case "Job":
		return jobReady(obj)
	case "CustomResourceDefinition":
		return crdReady(obj)
	case "Service":
		return serviceReady(obj, slices)
	}
	return readiness{ready: true}
}
