package main

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestToObject(t *testing.T) {
	in := resource.PropertyMap{
		"apiVersion": resource.NewStringProperty("apps/v1"),
		"spec": resource.NewObjectProperty(resource.PropertyMap{
			"replicas": resource.NewNumberProperty(3),
			"ratio":    resource.NewNumberProperty(0.5),
			"gone":     resource.NewNullProperty(),
			"env": resource.NewArrayProperty([]resource.PropertyValue{
				resource.MakeSecret(resource.NewStringProperty("pw")), resource.NewBoolProperty(true)}),
		}),
	}
	obj, err := toObject(in)
	if err != nil {
		t.Fatal(err)
	}
	spec := obj["spec"].(map[string]interface{})
	if spec["replicas"] != int64(3) || spec["ratio"] != 0.5 {
		t.Errorf("numbers: %#v", spec)
	}
	if _, ok := spec["gone"]; ok {
		t.Errorf("null kept")
	}
	if env := spec["env"].([]interface{}); env[0] != "pw" || env[1] != true {
		t.Errorf("secret not stripped: %#v", env)
	}
	in["spec"].ObjectValue()["x"] = resource.MakeComputed(resource.NewStringProperty(""))
	if _, err := toObject(in); err == nil || !strings.Contains(err.Error(), "spec.x: value is not known yet") {
		t.Errorf("unknown: %v", err)
	}
}

func TestOutputsKeepSecrets(t *testing.T) {
	inputs := resource.PropertyMap{
		"apiVersion": resource.NewStringProperty("v1"),
		"kind":       resource.NewStringProperty("Secret"),
		"metadata":   resource.NewObjectProperty(resource.PropertyMap{"name": resource.NewStringProperty("s")}),
		"stringData": resource.MakeSecret(resource.NewObjectProperty(resource.PropertyMap{"p": resource.NewStringProperty("pw")})),
	}
	live := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
		"metadata": map[string]interface{}{"name": "s", "uid": "u-1", "resourceVersion": "7",
			"managedFields": []interface{}{map[string]interface{}{"manager": "pulumi-kubernetes"}}},
		"data": map[string]interface{}{"p": "cHc="},
	}}
	out := outputsFor(schema.GroupVersionKind{Version: "v1", Kind: "Secret"}, inputs, live, nil)
	if !out["data"].IsSecret() || !out["stringData"].IsSecret() {
		t.Errorf("secret data not secret: %v", out)
	}
	if strAt(out, "metadata", "uid") != "u-1" || strAt(out, "type") != "Opaque" {
		t.Errorf("live fields missing: %v", out)
	}
	if !absent(valueAt(out, "metadata", "managedFields")) {
		t.Errorf("managedFields kept")
	}

	// Any kind: a secret input value stays secret at the same path of the live object.
	cm := resource.PropertyMap{"data": resource.NewObjectProperty(resource.PropertyMap{
		"token": resource.MakeSecret(resource.NewStringProperty("t")), "plain": resource.NewStringProperty("p")})}
	live = &unstructured.Unstructured{Object: map[string]interface{}{"data": map[string]interface{}{"token": "t", "plain": "p"}}}
	out = outputsFor(cmGVK, cm, live, nil)
	data := out["data"]
	if data.IsSecret() || !data.ObjectValue()["token"].IsSecret() || data.ObjectValue()["plain"].IsSecret() {
		t.Errorf("mirrored secrets: %v", data)
	}
	// Refresh also keeps what was secret in the previous state.
	prev := resource.PropertyMap{"data": resource.MakeSecret(resource.NewObjectProperty(resource.PropertyMap{}))}
	out = outputsFor(cmGVK, resource.PropertyMap{}, live, prev)
	if !out["data"].IsSecret() {
		t.Errorf("previous secretness lost: %v", out)
	}
}

func TestMirrorSecretsShapes(t *testing.T) {
	in := resource.NewArrayProperty([]resource.PropertyValue{resource.MakeSecret(resource.NewStringProperty("a"))})
	out := resource.NewArrayProperty([]resource.PropertyValue{resource.NewStringProperty("a"), resource.NewStringProperty("b")})
	if got := mirrorSecrets(in, out); !got.IsSecret() {
		t.Errorf("different lengths: whole value must be secret, got %v", got)
	}
	same := resource.NewArrayProperty([]resource.PropertyValue{resource.NewStringProperty("a")})
	if got := mirrorSecrets(in, same); got.IsSecret() || !got.ArrayValue()[0].IsSecret() {
		t.Errorf("same length: element secret, got %v", got)
	}
	if got := mirrorSecrets(resource.NewStringProperty("x"), resource.NewStringProperty("x")); got.IsSecret() {
		t.Errorf("nothing secret: %v", got)
	}
}

func TestPreviewOutputs(t *testing.T) {
	svc := schema.GroupVersionKind{Version: "v1", Kind: "Service"}
	in := pm(map[string]interface{}{"metadata": map[string]interface{}{"name": "web"}, "spec": map[string]interface{}{"ports": []interface{}{}}})
	out := previewOutputs(svc, in, nil)
	for _, p := range [][]string{{"metadata", "uid"}, {"metadata", "resourceVersion"}, {"status"}, {"spec", "clusterIP"}} {
		if !isUnknown(valueAt(out, p...)) {
			t.Errorf("%v should be unknown in a preview: %v", p, out)
		}
	}
	if strAt(out, "metadata", "name") != "web" {
		t.Errorf("name lost")
	}
	olds := pm(map[string]interface{}{"metadata": map[string]interface{}{"name": "web", "uid": "u-1"},
		"spec": map[string]interface{}{"clusterIP": "10.96.0.20"}})
	out = previewOutputs(svc, in, olds)
	if strAt(out, "metadata", "uid") != "u-1" || strAt(out, "spec", "clusterIP") != "10.96.0.20" {
		t.Errorf("update preview must keep stable fields: %v", out)
	}
}

func TestInputsFromLive(t *testing.T) {
	live := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]interface{}{"name": "c", "namespace": "n", "uid": "u", "resourceVersion": "1",
			"annotations": map[string]interface{}{"kubectl.kubernetes.io/last-applied-configuration": "{}", "keep": "me"}},
		"data":   map[string]interface{}{"k": "v"},
		"status": map[string]interface{}{},
	}}
	in := inputsFromLive(live)
	if strAt(in, "metadata", "name") != "c" || strAt(in, "metadata", "namespace") != "n" || strAt(in, "data", "k") != "v" {
		t.Errorf("inputs %v", in)
	}
	if !absent(valueAt(in, "metadata", "uid")) || !absent(in["status"]) ||
		!absent(valueAt(in, "metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration")) ||
		strAt(in, "metadata", "annotations", "keep") != "me" {
		t.Errorf("server fields kept: %v", in)
	}
}
