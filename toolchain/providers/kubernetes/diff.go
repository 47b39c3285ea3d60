package main

import (
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// diffResult is the classified difference between old and new inputs.
type diffResult struct {
	changed             []string // top-level keys that differ
	replaces            []string // top-level keys whose change needs a new object
	detailed            map[string]*pulumirpc.PropertyDiff
	deleteBeforeReplace bool
}

type path []string

// overlaps reports whether one path is a prefix of the other (a change at p touches q).
func overlaps(p []interface{}, q path) bool {
	n := len(p)
	if len(q) < n {
		n = len(q)
	}
	for i := 0; i < n; i++ {
		if s, ok := p[i].(string); !ok || s != q[i] {
			return false
		}
	}
	return true
}

// replacePaths lists the inputs that cannot change in place for a kind (immutable in the API);
// olds are the old inputs (ConfigMaps and Secrets marked immutable).
func replacePaths(gvk schema.GroupVersionKind, olds resource.PropertyMap) []path {
	ps := []path{{"apiVersion"}, {"kind"}, {"metadata", "name"}, {"metadata", "namespace"}}
	gk := gvk.GroupKind()
	switch gk {
	case schema.GroupKind{Group: "apps", Kind: "Deployment"}, schema.GroupKind{Group: "apps", Kind: "DaemonSet"},
		schema.GroupKind{Group: "apps", Kind: "ReplicaSet"}, schema.GroupKind{Group: "extensions", Kind: "Deployment"},
		schema.GroupKind{Group: "extensions", Kind: "DaemonSet"}, schema.GroupKind{Group: "extensions", Kind: "ReplicaSet"}:
		ps = append(ps, path{"spec", "selector"})
	case schema.GroupKind{Group: "apps", Kind: "StatefulSet"}:
		ps = append(ps, path{"spec", "selector"}, path{"spec", "serviceName"},
			path{"spec", "volumeClaimTemplates"}, path{"spec", "podManagementPolicy"})
	case schema.GroupKind{Group: "batch", Kind: "Job"}:
		ps = append(ps, path{"spec", "selector"}, path{"spec", "template"}, path{"spec", "completionMode"})
	case schema.GroupKind{Kind: "Service"}:
		ps = append(ps, path{"spec", "clusterIP"}, path{"spec", "clusterIPs"})
	case schema.GroupKind{Kind: "Pod"}:
		ps = append(ps, path{"spec"})
	case schema.GroupKind{Kind: "PersistentVolumeClaim"}:
		ps = append(ps, path{"spec", "accessModes"}, path{"spec", "selector"}, path{"spec", "storageClassName"},
			path{"spec", "volumeMode"}, path{"spec", "volumeName"}, path{"spec", "dataSource"}, path{"spec", "dataSourceRef"})
	case schema.GroupKind{Group: "storage.k8s.io", Kind: "StorageClass"}:
		ps = append(ps, path{"parameters"}, path{"provisioner"}, path{"reclaimPolicy"}, path{"volumeBindingMode"})
	case schema.GroupKind{Group: "rbac.authorization.k8s.io", Kind: "RoleBinding"},
		schema.GroupKind{Group: "rbac.authorization.k8s.io", Kind: "ClusterRoleBinding"}:
		ps = append(ps, path{"roleRef"})
	case schema.GroupKind{Kind: "ConfigMap"}, schema.GroupKind{Kind: "Secret"}:
		if b, err := boolOf(olds["immutable"]); err == nil && b {
			ps = append(ps, path{"data"}, path{"binaryData"}, path{"stringData"}, path{"immutable"})
		}
		if gk.Kind == "Secret" {
			ps = append(ps, path{"type"})
		}
	}
	return ps
}

// withNamespace returns inputs whose unset metadata.namespace reads as ns (for comparisons).
func withNamespace(pm resource.PropertyMap, ns string) resource.PropertyMap {
	if ns == "" {
		return pm
	}
	mv := pm["metadata"]
	if isUnknown(mv) || !absent(valueAt(pm, "metadata", "namespace")) {
		return pm
	}
	meta := resource.PropertyMap{}
	if m := unwrap(mv); m.IsObject() {
		meta = m.ObjectValue().Copy()
	} else if !m.IsNull() {
		return pm
	}
	meta["namespace"] = resource.NewStringProperty(ns)
	out := pm.Copy()
	out["metadata"] = resource.NewObjectProperty(meta)
	return out
}

// diffInputs compares old and new inputs (secretness ignored; a value not known yet counts as a
// change) and classifies each change as an update or a replacement. defaultNS is what an unset
// metadata.namespace means (so making it explicit is no change).
func diffInputs(gvk schema.GroupVersionKind, olds, news resource.PropertyMap, defaultNS string) diffResult {
	res := diffResult{detailed: map[string]*pulumirpc.PropertyDiff{}}
	immutable := replacePaths(gvk, olds)
	o, n := withNamespace(olds, defaultNS), withNamespace(news, defaultNS)
	changedKeys, replaceKeys := map[string]bool{}, map[string]bool{}
	keys := map[string]bool{}
	for _, m := range []resource.PropertyMap{o, n} {
		for k := range m {
			if !strings.HasPrefix(string(k), "__") {
				keys[string(k)] = true
			}
		}
	}
	for _, k := range sortedKeys(keys) {
		var diffs []leafDiff
		walk(path{k}, o[resource.PropertyKey(k)], n[resource.PropertyKey(k)], &diffs)
		for _, d := range diffs {
			replace := false
			for _, ip := range immutable {
				if overlaps(d.path, ip) {
					replace = true
				}
			}
			kind := d.kind
			if replace {
				kind++ // each *_REPLACE kind directly follows its plain kind
				replaceKeys[k] = true
			}
			res.detailed[d.pathString()] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
			changedKeys[k] = true
		}
	}
	res.changed = sortedKeys(changedKeys)
	res.replaces = sortedKeys(replaceKeys)
	// A replacement creates the new object first, unless it would have the same name as the
	// old one (a name the user set): then the old one must go first.
	if len(res.replaces) > 0 && !isAutonamed(news) {
		sameName := strAt(o, "metadata", "name") == strAt(n, "metadata", "name") &&
			strAt(o, "metadata", "namespace") == strAt(n, "metadata", "namespace") &&
			!isUnknown(valueAt(n, "metadata", "name")) && !isUnknown(valueAt(n, "metadata", "namespace"))
		res.deleteBeforeReplace = sameName
	}
	return res
}

// leafDiff is one difference found by walk.
type leafDiff struct {
	path []interface{}
	kind pulumirpc.PropertyDiff_Kind
}

func (d leafDiff) pathString() string { return resource.PropertyPath(d.path).String() }

// walk records the differences between a and b below p: objects key by key, lists element by
// element, anything else as a whole.
func walk(p path, a, b resource.PropertyValue, out *[]leafDiff) {
	walkAt(toIface(p), a, b, out)
}

func toIface(p path) []interface{} {
	out := make([]interface{}, len(p))
	for i, s := range p {
		out[i] = s
	}
	return out
}

func walkAt(p []interface{}, a, b resource.PropertyValue, out *[]leafDiff) {
	add := func(kind pulumirpc.PropertyDiff_Kind) {
		*out = append(*out, leafDiff{path: append([]interface{}{}, p...), kind: kind})
	}
	if isUnknown(a) || isUnknown(b) {
		add(pulumirpc.PropertyDiff_UPDATE)
		return
	}
	a, b = unwrap(a), unwrap(b)
	switch {
	case a.IsNull() && b.IsNull():
	case a.IsNull():
		add(pulumirpc.PropertyDiff_ADD)
	case b.IsNull():
		add(pulumirpc.PropertyDiff_DELETE)
	case a.IsObject() && b.IsObject():
		keys := map[string]bool{}
		for k := range a.ObjectValue() {
			keys[string(k)] = true
		}
		for k := range b.ObjectValue() {
			keys[string(k)] = true
		}
		for _, k := range sortedKeys(keys) {
			walkAt(append(p, k), a.ObjectValue()[resource.PropertyKey(k)], b.ObjectValue()[resource.PropertyKey(k)], out)
		}
	case a.IsArray() && b.IsArray():
		aa, ba := a.ArrayValue(), b.ArrayValue()
		null := resource.NewNullProperty()
		for i := 0; i < len(aa) || i < len(ba); i++ {
			x, y := null, null
			if i < len(aa) {
				x = aa[i]
			}
			if i < len(ba) {
				y = ba[i]
			}
			walkAt(append(p, i), x, y, out)
		}
	case !plain(a).DeepEquals(plain(b)):
		add(pulumirpc.PropertyDiff_UPDATE)
	}
}

// response renders the result as a DiffResponse.
func (r diffResult) response() *pulumirpc.DiffResponse {
	if len(r.changed) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE, HasDetailedDiff: true}
	}
	replaces := append([]string(nil), r.replaces...)
	sort.Strings(replaces)
	return &pulumirpc.DiffResponse{
		Changes:             pulumirpc.DiffResponse_DIFF_SOME,
		Diffs:               r.changed,
		Replaces:            replaces,
		DetailedDiff:        r.detailed,
		HasDetailedDiff:     true,
		DeleteBeforeReplace: r.deleteBeforeReplace,
	}
}
