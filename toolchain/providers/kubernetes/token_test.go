package main

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestGVKFromToken(t *testing.T) {
	cases := map[string]schema.GroupVersionKind{
		"kubernetes:core/v1:Namespace":                                {Version: "v1", Kind: "Namespace"},
		"kubernetes:core/v1:ConfigMap":                                {Version: "v1", Kind: "ConfigMap"},
		"kubernetes:core/v1:Service":                                  {Version: "v1", Kind: "Service"},
		"kubernetes:apps/v1:Deployment":                               {Group: "apps", Version: "v1", Kind: "Deployment"},
		"kubernetes:apps/v1:DaemonSet":                                {Group: "apps", Version: "v1", Kind: "DaemonSet"},
		"kubernetes:networking.k8s.io/v1:NetworkPolicy":               {Group: "networking.k8s.io", Version: "v1", Kind: "NetworkPolicy"},
		"kubernetes:rbac.authorization.k8s.io/v1:ClusterRole":         {Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRole"},
		"kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition": {Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"},
		"kubernetes:stable.example.com/v1alpha1:CronTab":              {Group: "stable.example.com", Version: "v1alpha1", Kind: "CronTab"},
	}
	for tok, want := range cases {
		got, err := gvkFromToken(tok)
		if err != nil || got != want {
			t.Errorf("%s: got %v, %v; want %v", tok, got, err, want)
		}
	}
	if av := apiVersionOf(cases["kubernetes:core/v1:ConfigMap"]); av != "v1" {
		t.Errorf("core apiVersion = %q", av)
	}
	if av := apiVersionOf(cases["kubernetes:apps/v1:Deployment"]); av != "apps/v1" {
		t.Errorf("apps apiVersion = %q", av)
	}
}

func TestGVKFromTokenRejects(t *testing.T) {
	for tok, mention := range map[string]string{
		"kubernetes:core/v1:ConfigMapList":   "List",
		"kubernetes:apps/v1:DeploymentPatch": "Patch",
		"kubernetes:yaml/v2:ConfigGroup":     "yaml/v2",
		"kubernetes:yaml/v2:ConfigFile":      "yaml/v2",
		"kubernetes:helm.sh/v3:Release":      "Helm",
		"kubernetes:helm.sh/v4:Chart":        "Helm",
		"kubernetes:kustomize/v2:Directory":  "kustomize",
		"kubernetes:meta/v1:Status":          "meta/v1",
		"kubernetes:yaml:ConfigFile":         "kubernetes:yaml:ConfigFile",
		"docker:index/network:Network":       "docker",
		"pulumi:providers:kubernetes":        "pulumi:providers",
	} {
		_, err := gvkFromToken(tok)
		if err == nil {
			t.Errorf("%s: accepted", tok)
			continue
		}
		if !strings.Contains(err.Error(), "not supported by netlab's stand-in") || !strings.Contains(err.Error(), mention) {
			t.Errorf("%s: unclear error %q", tok, err)
		}
	}
}

func TestTypeOf(t *testing.T) {
	urn := "urn:pulumi:dev::proj::kubernetes:core/v1:ConfigMap::cm"
	if got := typeOf("", urn); got != "kubernetes:core/v1:ConfigMap" {
		t.Errorf("typeOf(urn) = %q", got)
	}
	if got := typeOf("kubernetes:apps/v1:Deployment", urn); got != "kubernetes:apps/v1:Deployment" {
		t.Errorf("typeOf(type) = %q", got)
	}
}
