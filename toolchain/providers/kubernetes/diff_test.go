package main

import (
	"reflect"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var deployGVK = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}

func deployment(name string, autonamed bool, app string, replicas int) resource.PropertyMap {
	meta := map[string]interface{}{"name": name, "namespace": "lab"}
	if autonamed {
		meta["annotations"] = map[string]interface{}{annAutonamed: "true"}
	}
	return pm(map[string]interface{}{
		"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
		"spec": map[string]interface{}{
			"replicas": replicas,
			"selector": map[string]interface{}{"matchLabels": map[string]interface{}{"app": app}},
			"template": map[string]interface{}{
				"metadata": map[string]interface{}{"labels": map[string]interface{}{"app": app}},
				"spec": map[string]interface{}{"containers": []interface{}{
					map[string]interface{}{"name": "web", "image": "nginx"}}},
			},
		},
	})
}

func TestDiffNoChange(t *testing.T) {
	r := diffInputs(deployGVK, deployment("web-1", true, "web", 1), deployment("web-1", true, "web", 1), "default")
	if resp := r.response(); resp.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("changes %v", resp)
	}
}

func TestDiffUpdate(t *testing.T) {
	r := diffInputs(deployGVK, deployment("web-1", true, "web", 1), deployment("web-1", true, "web", 3), "default")
	resp := r.response()
	if resp.Changes != pulumirpc.DiffResponse_DIFF_SOME || len(resp.Replaces) > 0 || resp.DeleteBeforeReplace {
		t.Fatalf("want update, got %v", resp)
	}
	if d := resp.DetailedDiff["spec.replicas"]; d == nil || d.Kind != pulumirpc.PropertyDiff_UPDATE || !d.InputDiff {
		t.Errorf("detailed diff %v", resp.DetailedDiff)
	}
	if !reflect.DeepEqual(resp.Diffs, []string{"spec"}) {
		t.Errorf("diffs %v", resp.Diffs)
	}
}

func TestDiffSelectorReplacesAutonamedCreateFirst(t *testing.T) {
	resp := diffInputs(deployGVK, deployment("web-1", true, "web", 1), deployment("web-1", true, "web2", 1), "default").response()
	if !reflect.DeepEqual(resp.Replaces, []string{"spec"}) || resp.DeleteBeforeReplace {
		t.Fatalf("want create-before-delete replace, got %v", resp)
	}
	if d := resp.DetailedDiff["spec.selector.matchLabels.app"]; d == nil || d.Kind != pulumirpc.PropertyDiff_UPDATE_REPLACE {
		t.Errorf("selector diff %v", resp.DetailedDiff)
	}
	if d := resp.DetailedDiff["spec.template.metadata.labels.app"]; d == nil || d.Kind != pulumirpc.PropertyDiff_UPDATE {
		t.Errorf("template label diff %v", resp.DetailedDiff)
	}
}

func TestDiffSelectorReplacesUserNamedDeleteFirst(t *testing.T) {
	resp := diffInputs(deployGVK, deployment("web", false, "web", 1), deployment("web", false, "web2", 1), "default").response()
	if len(resp.Replaces) == 0 || !resp.DeleteBeforeReplace {
		t.Fatalf("want delete-before-replace, got %v", resp)
	}
}

func TestDiffNameChangeReplaces(t *testing.T) {
	resp := diffInputs(deployGVK, deployment("web", false, "web", 1), deployment("web-b", false, "web", 1), "default").response()
	if !reflect.DeepEqual(resp.Replaces, []string{"metadata"}) || resp.DeleteBeforeReplace {
		t.Fatalf("want replace (new name, no conflict), got %v", resp)
	}
	if d := resp.DetailedDiff["metadata.name"]; d == nil || d.Kind != pulumirpc.PropertyDiff_UPDATE_REPLACE {
		t.Errorf("detailed %v", resp.DetailedDiff)
	}
}

func TestDiffKindAndNamespaceReplace(t *testing.T) {
	olds := deployment("web", false, "web", 1)
	news := deployment("web", false, "web", 1)
	news["apiVersion"] = resource.NewStringProperty("apps/v1beta2")
	if resp := diffInputs(deployGVK, olds, news, "default").response(); !reflect.DeepEqual(resp.Replaces, []string{"apiVersion"}) {
		t.Errorf("apiVersion change: %v", resp)
	}
	news = deployment("web", false, "web", 1)
	news["metadata"].ObjectValue()["namespace"] = resource.NewStringProperty("other")
	if resp := diffInputs(deployGVK, olds, news, "default").response(); !reflect.DeepEqual(resp.Replaces, []string{"metadata"}) {
		t.Errorf("namespace change: %v", resp)
	}
}

func TestDiffDefaultNamespaceIsNoChange(t *testing.T) {
	olds := pm(map[string]interface{}{"metadata": map[string]interface{}{"name": "a"}})
	news := pm(map[string]interface{}{"metadata": map[string]interface{}{"name": "a", "namespace": "default"}})
	if resp := diffInputs(cmGVK, olds, news, "default").response(); resp.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("explicit default namespace: %v", resp)
	}
	if resp := diffInputs(cmGVK, olds, news, "lab").response(); resp.Changes != pulumirpc.DiffResponse_DIFF_SOME || len(resp.Replaces) == 0 {
		t.Errorf("namespace default lab -> default: %v", resp)
	}
}

func TestDiffIgnoresSecretness(t *testing.T) {
	olds := pm(map[string]interface{}{"metadata": map[string]interface{}{"name": "s"}})
	news := olds.Copy()
	olds["stringData"] = resource.NewObjectProperty(pm(map[string]interface{}{"p": "x"}))
	news["stringData"] = resource.MakeSecret(resource.NewObjectProperty(pm(map[string]interface{}{"p": "x"})))
	secretGVK := schema.GroupVersionKind{Version: "v1", Kind: "Secret"}
	if resp := diffInputs(secretGVK, olds, news, "default").response(); resp.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("secretness only: %v", resp)
	}
	news["stringData"] = resource.MakeSecret(resource.NewObjectProperty(pm(map[string]interface{}{"p": "y"})))
	resp := diffInputs(secretGVK, olds, news, "default").response()
	if d := resp.DetailedDiff["stringData.p"]; d == nil || d.Kind != pulumirpc.PropertyDiff_UPDATE || len(resp.Replaces) > 0 {
		t.Errorf("secret value change: %v", resp)
	}
}

func TestDiffUnknownIsChange(t *testing.T) {
	olds := pm(map[string]interface{}{"metadata": map[string]interface{}{"name": "a"}, "data": map[string]interface{}{"k": "v"}})
	news := olds.Copy()
	news["data"] = resource.NewObjectProperty(resource.PropertyMap{"k": resource.MakeComputed(resource.NewStringProperty(""))})
	resp := diffInputs(cmGVK, olds, news, "default").response()
	if resp.Changes != pulumirpc.DiffResponse_DIFF_SOME || len(resp.Replaces) > 0 || resp.DetailedDiff["data.k"] == nil {
		t.Errorf("unknown data: %v", resp)
	}
	news = olds.Copy()
	news["metadata"] = resource.MakeComputed(resource.NewObjectProperty(resource.PropertyMap{}))
	if resp := diffInputs(cmGVK, olds, news, "default").response(); len(resp.Replaces) == 0 || resp.DeleteBeforeReplace {
		t.Errorf("unknown metadata must replace (name may change), create first: %v", resp)
	}
}

func TestDiffDetailedPaths(t *testing.T) {
	olds := pm(map[string]interface{}{"metadata": map[string]interface{}{"name": "a",
		"labels": map[string]interface{}{"app.kubernetes.io/name": "x"}}, "list": []interface{}{"a", "b"}})
	news := pm(map[string]interface{}{"metadata": map[string]interface{}{"name": "a",
		"labels": map[string]interface{}{"app.kubernetes.io/name": "y"}}, "list": []interface{}{"a", "c", "d"}})
	resp := diffInputs(cmGVK, olds, news, "default").response()
	want := map[string]pulumirpc.PropertyDiff_Kind{
		`metadata.labels["app.kubernetes.io/name"]`: pulumirpc.PropertyDiff_UPDATE,
		"list[1]": pulumirpc.PropertyDiff_UPDATE,
		"list[2]": pulumirpc.PropertyDiff_ADD,
	}
	if len(resp.DetailedDiff) != len(want) {
		t.Errorf("detailed %v", resp.DetailedDiff)
	}
	for k, kind := range want {
		if d := resp.DetailedDiff[k]; d == nil || d.Kind != kind {
			t.Errorf("%s: %v", k, d)
		}
	}
	if !reflect.DeepEqual(resp.Diffs, []string{"list", "metadata"}) {
		t.Errorf("diffs %v", resp.Diffs)
	}
}

func TestDiffImmutableFields(t *testing.T) {
	svc := schema.GroupVersionKind{Version: "v1", Kind: "Service"}
	olds := pm(map[string]interface{}{"metadata": map[string]interface{}{"name": "s"}, "spec": map[string]interface{}{"clusterIP": "10.96.0.10", "ports": []interface{}{}}})
	news := pm(map[string]interface{}{"metadata": map[string]interface{}{"name": "s"}, "spec": map[string]interface{}{"clusterIP": "10.96.0.11", "ports": []interface{}{}}})
	if resp := diffInputs(svc, olds, news, "default").response(); len(resp.Replaces) == 0 || !resp.DeleteBeforeReplace {
		t.Errorf("service clusterIP: %v", resp)
	}
	// A DaemonSet selector added where there was none.
	ds := schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "DaemonSet"}
	olds = pm(map[string]interface{}{"metadata": map[string]interface{}{"name": "d"}})
	news = pm(map[string]interface{}{"metadata": map[string]interface{}{"name": "d"}, "spec": map[string]interface{}{"selector": map[string]interface{}{}}})
	if resp := diffInputs(ds, olds, news, "default").response(); len(resp.Replaces) == 0 {
		t.Errorf("daemonset spec added: %v", resp)
	}
	// ConfigMap data changes in place, unless the old one is immutable.
	olds = pm(map[string]interface{}{"metadata": map[string]interface{}{"name": "c"}, "data": map[string]interface{}{"k": "1"}})
	news = pm(map[string]interface{}{"metadata": map[string]interface{}{"name": "c"}, "data": map[string]interface{}{"k": "2"}})
	if resp := diffInputs(cmGVK, olds, news, "default").response(); len(resp.Replaces) > 0 {
		t.Errorf("configmap data: %v", resp)
	}
	olds["immutable"] = resource.NewBoolProperty(true)
	news["immutable"] = resource.NewBoolProperty(true)
	if resp := diffInputs(cmGVK, olds, news, "default").response(); !reflect.DeepEqual(resp.Replaces, []string{"data"}) {
		t.Errorf("immutable configmap data: %v", resp)
	}
	// RBAC roleRef.
	rb := schema.GroupVersionKind{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "RoleBinding"}
	olds = pm(map[string]interface{}{"metadata": map[string]interface{}{"name": "b"}, "roleRef": map[string]interface{}{"name": "r1"}})
	news = pm(map[string]interface{}{"metadata": map[string]interface{}{"name": "b"}, "roleRef": map[string]interface{}{"name": "r2"}})
	if resp := diffInputs(rb, olds, news, "default").response(); !reflect.DeepEqual(resp.Replaces, []string{"roleRef"}) {
		t.Errorf("roleRef: %v", resp)
	}
}
