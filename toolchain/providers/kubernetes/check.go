package main

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Annotations with a meaning to the provider (the same as the real provider's).
const (
	annAutonamed      = "pulumi.com/autonamed"
	annSkipAwait      = "pulumi.com/skipAwait"
	annTimeoutSeconds = "pulumi.com/timeoutSeconds"
)

const nameAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// randomSuffix returns 8 lowercase alphanumerics, derived from the engine's seed when given
// (so a preview and the following update pick the same name), else random.
func randomSuffix(seed []byte, name string) string {
	var b []byte
	if len(seed) > 0 {
		sum := sha256.Sum256(append(append([]byte{}, seed...), name...))
		b = sum[:8]
	} else {
		b = make([]byte, 8)
		_, _ = rand.Read(b)
	}
	out := make([]byte, 8)
	for i := range out {
		out[i] = nameAlphabet[int(b[i])%len(nameAlphabet)]
	}
	return string(out)
}

// checkInputs validates new inputs against the type token and autonames them: an unset
// metadata.name becomes "<resource name>-<8 alnum>" with the pulumi.com/autonamed annotation,
// or the old generated name when the old inputs were autonamed (stable across updates; on a
// replacement the engine calls Check again without olds, which yields a fresh name).
func checkInputs(gvk schema.GroupVersionKind, resName string, olds, news resource.PropertyMap, seed []byte) (resource.PropertyMap, []string) {
	out := news.Copy()
	var failures []string
	for key, want := range map[string]string{"apiVersion": apiVersionOf(gvk), "kind": gvk.Kind} {
		v := out[resource.PropertyKey(key)]
		switch u := unwrap(v); {
		case isUnknown(v):
		case u.IsNull():
			out[resource.PropertyKey(key)] = resource.NewStringProperty(want)
		case !u.IsString() || u.StringValue() != want:
			failures = append(failures, fmt.Sprintf("%s: must be %q for this resource type, got %v", key, want, u))
		}
	}
	mv := out["metadata"]
	if isUnknown(mv) {
		return out, failures // cannot name an object whose metadata is not known yet
	}
	mu := unwrap(mv)
	if !mu.IsNull() && !mu.IsObject() {
		return out, append(failures, "metadata: expected an object")
	}
	meta := resource.PropertyMap{}
	if mu.IsObject() {
		meta = mu.ObjectValue().Copy()
	}
	nameV := meta["name"]
	if isUnknown(nameV) {
		return out, failures
	}
	if n := unwrap(nameV); !n.IsNull() {
		if !n.IsString() || n.StringValue() == "" {
			failures = append(failures, "metadata.name: expected a non-empty string")
		}
		return out, failures
	}
	if !absent(meta["generateName"]) {
		return out, append(failures, "metadata.generateName: not supported by netlab's stand-in pulumi-resource-kubernetes plugin (leave metadata.name unset to get a generated name)")
	}
	name := ""
	if isAutonamed(olds) {
		name = strAt(olds, "metadata", "name")
	}
	if name == "" {
		name = resName + "-" + randomSuffix(seed, resName)
	}
	meta["name"] = resource.NewStringProperty(name)
	ann := resource.PropertyMap{}
	if av := meta["annotations"]; isUnknown(av) {
		return out, append(failures, "metadata.annotations: must be known to autoname the object (set metadata.name)")
	} else if a := unwrap(av); a.IsObject() {
		ann = a.ObjectValue().Copy()
	}
	ann[annAutonamed] = resource.NewStringProperty("true")
	meta["annotations"] = resource.NewObjectProperty(ann)
	var m resource.PropertyValue = resource.NewObjectProperty(meta)
	if mv.IsSecret() {
		m = resource.MakeSecret(m)
	}
	out["metadata"] = m
	return out, failures
}

// isAutonamed reports whether inputs carry a name the provider generated.
func isAutonamed(pm resource.PropertyMap) bool {
	return strAt(pm, "metadata", "annotations", annAutonamed) == "true" && strAt(pm, "metadata", "name") != ""
}
