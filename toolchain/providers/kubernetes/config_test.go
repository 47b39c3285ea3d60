package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const testKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: a
  cluster: {server: "https://127.0.0.1:6443"}
- name: b
  cluster: {server: "https://127.0.0.2:6443"}
users:
- name: u
  user: {token: abc}
contexts:
- name: ctx-a
  context: {cluster: a, user: u, namespace: team}
- name: ctx-b
  context: {cluster: b, user: u}
current-context: ctx-a
`

// What @pulumi/kubernetes 4.34.2 sends for `new k8s.Provider("p", {kubeconfig, ...})`: booleans
// JSON-encoded as strings, kubeClientSettings as a JSON string, plus the engine's version.
func TestCheckConfigAcceptsSDKKeys(t *testing.T) {
	news := pm(map[string]interface{}{
		"kubeconfig": testKubeconfig, "context": "ctx-b", "namespace": "lab", "version": "4.34.2",
		"enableServerSideApply": "true", "deleteUnreachable": "false", "suppressDeprecationWarnings": "true",
		"enableConfigMapMutable": "true", "enableSecretMutable": "false", "skipUpdateUnreachable": "false",
		"kubeClientSettings": `{"burst":120,"qps":60,"timeout":30}`, "helmReleaseSettings": `{"driver":"secret"}`,
		"renderYamlToDirectory": "", "clusterIdentifier": "lab", "upsertExistingObjects": "false",
	})
	if f := checkConfig(news); len(f) > 0 {
		t.Fatalf("failures: %v", f)
	}
	cfg, err := decodeConfig(news)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Burst != 120 || cfg.QPS != 60 || cfg.Timeout != 30 || cfg.Context != "ctx-b" || cfg.Namespace != "lab" {
		t.Errorf("decoded %+v", cfg)
	}
}

func TestCheckConfigRejects(t *testing.T) {
	news := pm(map[string]interface{}{
		"kubeconfig": testKubeconfig, "renderYamlToDirectory": "/tmp/out", "deleteUnreachable": "true",
		"skipUpdateUnreachable": true, "kubeconfigPath": "/x", "enableServerSideApply": "maybe",
	})
	f := checkConfig(news)
	for _, k := range []string{"renderYamlToDirectory", "deleteUnreachable", "skipUpdateUnreachable", "kubeconfigPath"} {
		if !strings.Contains(f[k], "not supported by netlab's stand-in") {
			t.Errorf("%s: %q", k, f[k])
		}
	}
	if _, ok := f["enableServerSideApply"]; ok {
		t.Errorf("ignored keys are not parsed: %v", f)
	}
	if len(f) != 4 {
		t.Errorf("failures %v", f)
	}
}

func TestCheckConfigToleratesUnknowns(t *testing.T) {
	unknown := resource.MakeComputed(resource.NewStringProperty(""))
	news := resource.PropertyMap{"kubeconfig": unknown, "namespace": unknown}
	if f := checkConfig(news); len(f) > 0 {
		t.Errorf("failures %v", f)
	}
	cfg, err := decodeConfig(news)
	if err != nil || strings.Join(cfg.Unknown, ",") != "kubeconfig,namespace" {
		t.Errorf("cfg %+v %v", cfg, err)
	}
	if _, err := newCluster(cfg); err == nil || !strings.Contains(err.Error(), "not known yet") {
		t.Errorf("newCluster with unknown config: %v", err)
	}
	if ns := cfg.defaultNamespace(); ns != "" {
		t.Errorf("default namespace of unknown config %q", ns)
	}
	vars := configFromVariables(map[string]string{
		"kubernetes:config:kubeconfig": plugin.UnknownStringValue, "kubernetes:config:context": "ctx-a"})
	if !vars["kubeconfig"].IsComputed() || strAt(vars, "context") != "ctx-a" {
		t.Errorf("variables %v", vars)
	}
}

func TestKubeconfigContentsOrPath(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte(testKubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, kc := range map[string]string{"contents": testKubeconfig, "path": path, "json": `{"apiVersion":"v1","kind":"Config",` +
		`"clusters":[{"name":"a","cluster":{"server":"https://127.0.0.1:6443"}}],"users":[{"name":"u","user":{"token":"abc"}}],` +
		`"contexts":[{"name":"ctx-a","context":{"cluster":"a","user":"u","namespace":"team"}}],"current-context":"ctx-a"}`} {
		cfg := &providerConfig{Kubeconfig: kc}
		cc, err := cfg.clientConfig()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rc, err := cc.ClientConfig()
		if err != nil || rc.Host != "https://127.0.0.1:6443" {
			t.Errorf("%s: %v %v", name, rc, err)
		}
		if ns := cfg.defaultNamespace(); ns != "team" {
			t.Errorf("%s: context namespace %q", name, ns)
		}
	}
	cfg := &providerConfig{Kubeconfig: path, Context: "ctx-b", Namespace: "lab"}
	cc, _ := cfg.clientConfig()
	if rc, err := cc.ClientConfig(); err != nil || rc.Host != "https://127.0.0.2:6443" {
		t.Errorf("context override: %v %v", rc, err)
	}
	if ns := cfg.defaultNamespace(); ns != "lab" {
		t.Errorf("namespace setting %q", ns)
	}
	cfg = &providerConfig{Kubeconfig: path, Cluster: "b"}
	cc, _ = cfg.clientConfig()
	if rc, err := cc.ClientConfig(); err != nil || rc.Host != "https://127.0.0.2:6443" {
		t.Errorf("cluster override: %v %v", rc, err)
	}
	if _, err := (&providerConfig{Kubeconfig: filepath.Join(dir, "missing")}).clientConfig(); err == nil ||
		!strings.Contains(err.Error(), "reading it as a path failed") {
		t.Errorf("missing path: %v", err)
	}
	if _, err := (&providerConfig{Kubeconfig: "apiVersion: v1\nkind: Config\n"}).clientConfig(); err == nil {
		t.Errorf("empty kubeconfig accepted")
	}
}

func TestDiffConfig(t *testing.T) {
	other := strings.Replace(testKubeconfig, "127.0.0.1", "127.0.0.9", 1)
	base := pm(map[string]interface{}{"kubeconfig": testKubeconfig, "version": "4.34.2"})
	same := pm(map[string]interface{}{"kubeconfig": testKubeconfig, "version": "4.34.3"})
	if r := diffConfig(base, same); r.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("version only: %v", r)
	}
	moved := pm(map[string]interface{}{"kubeconfig": other})
	if r := diffConfig(base, moved); len(r.Replaces) != 1 || r.Replaces[0] != "kubeconfig" {
		t.Errorf("server change must replace: %v", r)
	}
	reformatted := pm(map[string]interface{}{"kubeconfig": testKubeconfig + "\n# comment\n"})
	if r := diffConfig(base, reformatted); r.Changes != pulumirpc.DiffResponse_DIFF_SOME || len(r.Replaces) > 0 {
		t.Errorf("same cluster, other text: %v", r)
	}
	ctx := pm(map[string]interface{}{"kubeconfig": testKubeconfig, "context": "ctx-b"})
	if r := diffConfig(base, ctx); len(r.Replaces) != 1 {
		t.Errorf("context to another cluster: %v", r)
	}
	unknown := resource.PropertyMap{"kubeconfig": resource.MakeComputed(resource.NewStringProperty(""))}
	if r := diffConfig(base, unknown); r.Changes != pulumirpc.DiffResponse_DIFF_SOME || len(r.Replaces) > 0 {
		t.Errorf("unknown kubeconfig: %v", r)
	}
	ns := pm(map[string]interface{}{"kubeconfig": testKubeconfig, "namespace": "x"})
	if r := diffConfig(base, ns); len(r.Replaces) != 1 || r.Replaces[0] != "namespace" {
		t.Errorf("namespace: %v", r)
	}
	id1 := pm(map[string]interface{}{"kubeconfig": testKubeconfig, "clusterIdentifier": "lab"})
	id2 := pm(map[string]interface{}{"kubeconfig": other, "clusterIdentifier": "lab"})
	if r := diffConfig(id1, id2); r.Changes != pulumirpc.DiffResponse_DIFF_SOME || len(r.Replaces) > 0 {
		t.Errorf("clusterIdentifier pins the cluster: %v", r)
	}
	id3 := pm(map[string]interface{}{"kubeconfig": testKubeconfig, "clusterIdentifier": "lab2"})
	if r := diffConfig(id1, id3); len(r.Replaces) != 1 {
		t.Errorf("clusterIdentifier change: %v", r)
	}
}

func TestNoKubeconfigAnywhere(t *testing.T) {
	t.Setenv("KUBECONFIG", "")
	t.Setenv("HOME", t.TempDir())
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	_, err := newCluster(&providerConfig{})
	if err == nil || !strings.Contains(err.Error(), "no kubeconfig") {
		t.Errorf("got %v", err)
	}
}
