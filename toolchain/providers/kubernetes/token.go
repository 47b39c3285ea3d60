package main

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

const providerType = "pulumi:providers:kubernetes"

// unsupportedModules are type-token modules of the SDK that are not Kubernetes API objects but
// resources or components the real provider implements itself.
var unsupportedModules = map[string]string{
	"yaml/v2":      "yaml/v2 components (ConfigFile, ConfigGroup)",
	"kustomize/v2": "kustomize/v2 components (Directory)",
	"helm.sh/v3":   "Helm (helm.sh/v3 Release and Chart)",
	"helm.sh/v4":   "Helm (helm.sh/v4 Chart)",
	"meta/v1":      "meta/v1 types",
}

// errNotSupported names a feature of the real plugin that this one rejects.
func errNotSupported(what string) error {
	return fmt.Errorf("%s: not supported by netlab's stand-in pulumi-resource-kubernetes plugin "+
		"(it implements the typed API object resources, e.g. kubernetes:core/v1:ConfigMap, only)", what)
}

// typeOf returns the resource type token of a request (its Type field, else from its URN).
func typeOf(typ, urn string) string {
	if typ == "" && urn != "" {
		typ = string(resource.URN(urn).Type())
	}
	return typ
}

// gvkFromToken maps a type token kubernetes:<group>/<version>:<Kind> to the object's
// GroupVersionKind; the core group is spelt "core" in tokens and "" (apiVersion "v1") in the API.
// List kinds, *Patch kinds and the non-object resources/components are rejected.
func gvkFromToken(token string) (schema.GroupVersionKind, error) {
	parts := strings.Split(token, ":")
	if len(parts) != 3 || parts[0] != "kubernetes" || parts[1] == "" || parts[2] == "" {
		return schema.GroupVersionKind{}, errNotSupported(fmt.Sprintf("resource type %q", token))
	}
	module, kind := parts[1], parts[2]
	if what, ok := unsupportedModules[module]; ok {
		return schema.GroupVersionKind{}, errNotSupported(fmt.Sprintf("resource type %s (%s)", token, what))
	}
	slash := strings.LastIndex(module, "/")
	if slash <= 0 || slash == len(module)-1 {
		// e.g. the v1 JS components kubernetes:yaml:ConfigFile, kubernetes:helm.sh/v3:Chart
		return schema.GroupVersionKind{}, errNotSupported(fmt.Sprintf("resource type %s", token))
	}
	group, version := module[:slash], module[slash+1:]
	if group == "core" {
		group = ""
	}
	switch {
	case strings.HasSuffix(kind, "Patch"):
		return schema.GroupVersionKind{}, errNotSupported(fmt.Sprintf("resource type %s (Patch resources)", token))
	case strings.HasSuffix(kind, "List"):
		return schema.GroupVersionKind{}, errNotSupported(fmt.Sprintf("resource type %s (List resources; declare each item instead)", token))
	}
	return schema.GroupVersionKind{Group: group, Version: version, Kind: kind}, nil
}

// apiVersionOf renders a GVK's apiVersion field ("v1", "apps/v1").
func apiVersionOf(gvk schema.GroupVersionKind) string {
	return gvk.GroupVersion().String()
}
