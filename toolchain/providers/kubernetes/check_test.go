package main

import (
	"regexp"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var cmGVK = schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}

func pm(m map[string]interface{}) resource.PropertyMap { return resource.NewPropertyMapFromMap(m) }

func TestAutonameNew(t *testing.T) {
	news := pm(map[string]interface{}{"apiVersion": "v1", "kind": "ConfigMap", "data": map[string]interface{}{"a": "b"}})
	out, failures := checkInputs(cmGVK, "settings", nil, news, nil)
	if len(failures) > 0 {
		t.Fatal(failures)
	}
	name := strAt(out, "metadata", "name")
	if !regexp.MustCompile(`^settings-[a-z0-9]{8}$`).MatchString(name) {
		t.Errorf("autoname %q", name)
	}
	if !isAutonamed(out) {
		t.Errorf("autonamed annotation missing: %v", out["metadata"])
	}
	if _, ok := news["metadata"]; ok {
		t.Errorf("news modified in place")
	}
}

func TestAutonameSeedIsDeterministic(t *testing.T) {
	news := pm(map[string]interface{}{"apiVersion": "v1", "kind": "ConfigMap"})
	seed := []byte("0123456789abcdef")
	a, _ := checkInputs(cmGVK, "x", nil, news, seed)
	b, _ := checkInputs(cmGVK, "x", nil, news, seed)
	c, _ := checkInputs(cmGVK, "x", nil, news, []byte("another seed...."))
	if strAt(a, "metadata", "name") != strAt(b, "metadata", "name") {
		t.Errorf("same seed, different names")
	}
	if strAt(a, "metadata", "name") == strAt(c, "metadata", "name") {
		t.Errorf("different seeds, same name")
	}
}

func TestAutonameStableAcrossUpdates(t *testing.T) {
	olds := pm(map[string]interface{}{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]interface{}{
		"name": "settings-abcd1234", "annotations": map[string]interface{}{annAutonamed: "true"}}})
	news := pm(map[string]interface{}{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]interface{}{"labels": map[string]interface{}{"app": "web"}}})
	out, _ := checkInputs(cmGVK, "settings", olds, news, []byte("seed"))
	if got := strAt(out, "metadata", "name"); got != "settings-abcd1234" {
		t.Errorf("name not kept: %q", got)
	}
	if strAt(out, "metadata", "labels", "app") != "web" || !isAutonamed(out) {
		t.Errorf("metadata lost: %v", out["metadata"])
	}
	// On a replacement the engine checks again without olds: a fresh name.
	fresh, _ := checkInputs(cmGVK, "settings", nil, news, []byte("seed"))
	if strAt(fresh, "metadata", "name") == "settings-abcd1234" {
		t.Errorf("replacement reused the old name")
	}
	// Old inputs with a user-set name are not reused once the name is removed.
	user := pm(map[string]interface{}{"metadata": map[string]interface{}{"name": "mine"}})
	out, _ = checkInputs(cmGVK, "settings", user, news, nil)
	if strAt(out, "metadata", "name") == "mine" {
		t.Errorf("user-set old name reused as autoname")
	}
}

func TestUserNameKept(t *testing.T) {
	news := pm(map[string]interface{}{"metadata": map[string]interface{}{"name": "fixed", "namespace": "lab"}})
	out, failures := checkInputs(cmGVK, "settings", nil, news, nil)
	if len(failures) > 0 || strAt(out, "metadata", "name") != "fixed" || isAutonamed(out) {
		t.Errorf("got %v %v", out, failures)
	}
	if strAt(out, "apiVersion") != "v1" || strAt(out, "kind") != "ConfigMap" {
		t.Errorf("apiVersion/kind not filled in: %v", out)
	}
}

func TestCheckRejectsWrongKind(t *testing.T) {
	news := pm(map[string]interface{}{"apiVersion": "apps/v1", "kind": "ConfigMap"})
	if _, failures := checkInputs(cmGVK, "x", nil, news, nil); len(failures) != 1 {
		t.Errorf("failures %v", failures)
	}
}

func TestCheckLeavesUnknownMetadata(t *testing.T) {
	unknown := resource.MakeComputed(resource.NewStringProperty(""))
	news := resource.PropertyMap{"metadata": unknown}
	out, failures := checkInputs(cmGVK, "x", nil, news, nil)
	if len(failures) > 0 || !out["metadata"].IsComputed() {
		t.Errorf("got %v %v", out, failures)
	}
	news = resource.PropertyMap{"metadata": resource.NewObjectProperty(resource.PropertyMap{"name": unknown})}
	out, _ = checkInputs(cmGVK, "x", nil, news, nil)
	if !isUnknown(valueAt(out, "metadata", "name")) {
		t.Errorf("unknown name replaced: %v", out)
	}
	// Unknown namespace: still autonamed.
	news = resource.PropertyMap{"metadata": resource.NewObjectProperty(resource.PropertyMap{"namespace": unknown})}
	out, _ = checkInputs(cmGVK, "x", nil, news, nil)
	if strAt(out, "metadata", "name") == "" || !isUnknown(valueAt(out, "metadata", "namespace")) {
		t.Errorf("got %v", out)
	}
}

func TestCheckKeepsSecretMetadata(t *testing.T) {
	news := resource.PropertyMap{"metadata": resource.MakeSecret(resource.NewObjectProperty(resource.PropertyMap{
		"labels": resource.NewObjectProperty(resource.PropertyMap{"a": resource.NewStringProperty("b")})}))}
	out, _ := checkInputs(cmGVK, "x", nil, news, nil)
	if !out["metadata"].IsSecret() || strAt(out, "metadata", "name") == "" {
		t.Errorf("got %v", out)
	}
}
