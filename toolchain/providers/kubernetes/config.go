package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// providerConfig is the decoded configuration of a kubernetes provider.
type providerConfig struct {
	Kubeconfig string // contents or path; "" means the ambient KUBECONFIG / ~/.kube/config
	Context    string
	Cluster    string
	Namespace  string // default namespace for namespaced objects without one ("" = the context's)
	// kubeClientSettings
	QPS     float32
	Burst   int
	Timeout int // seconds per request
	// upsertExistingObjects: Create may take over an object that already exists.
	Upsert bool
	// Unknown lists settings whose value is not known yet (preview): the cluster is not touched.
	Unknown []string
}

// configKey describes how one provider setting is handled.
type configKey int

const (
	keySupported   configKey = iota
	keyIgnored               // sent by the SDK, harmless here
	keyRejectTrue            // accepted unless "true"
	keyRejectIfSet           // accepted only when empty
)

// configKeys is every key @pulumi/kubernetes 4.34.2's Provider sends (provider.js), plus the
// engine's own `version`/`pluginDownloadURL`.
var configKeys = map[string]configKey{
	"kubeconfig":            keySupported,
	"context":               keySupported,
	"cluster":               keySupported,
	"namespace":             keySupported,
	"kubeClientSettings":    keySupported,
	"upsertExistingObjects": keySupported,
	"clusterIdentifier":     keySupported, // only steers DiffConfig
	"version":               keyIgnored,
	"pluginDownloadURL":     keyIgnored,
	// Always server-side apply here; "false" (client-side apply) gives the same objects.
	"enableServerSideApply": keyIgnored,
	// ConfigMap/Secret changes always update in place here (see README).
	"enableConfigMapMutable":      keyIgnored,
	"enableSecretMutable":         keyIgnored,
	"enablePatchForce":            keyIgnored, // Patch resources are rejected anyway
	"suppressDeprecationWarnings": keyIgnored,
	"suppressHelmHookWarnings":    keyIgnored,
	"helmReleaseSettings":         keyIgnored, // Helm is rejected anyway
	"alwaysRender":                keyIgnored, // only with renderYamlToDirectory
	"deleteUnreachable":           keyRejectTrue,
	"skipUpdateUnreachable":       keyRejectTrue,
	"renderYamlToDirectory":       keyRejectIfSet,
}

func supportedConfigKeys() string {
	var ks []string
	for k, c := range configKeys {
		if c == keySupported {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}

// checkConfig validates provider inputs and returns one failure message per key.
func checkConfig(news resource.PropertyMap) map[string]string {
	failures := map[string]string{}
	for k, v := range news {
		key := string(k)
		if strings.HasPrefix(key, "__") || absent(v) || isUnknown(v) {
			continue
		}
		c, ok := configKeys[key]
		if !ok {
			failures[key] = fmt.Sprintf("provider setting %q is not supported by netlab's stand-in "+
				"pulumi-resource-kubernetes plugin (supported: %s)", key, supportedConfigKeys())
			continue
		}
		switch c {
		case keyRejectTrue:
			if b, err := boolOf(v); err != nil {
				failures[key] = err.Error()
			} else if b {
				failures[key] = fmt.Sprintf("%s=true is not supported by netlab's stand-in pulumi-resource-kubernetes "+
					"plugin: it always fails when the cluster cannot be reached rather than dropping or skipping objects", key)
			}
		case keyRejectIfSet:
			if s := unwrap(v); !(s.IsString() && s.StringValue() == "") {
				failures[key] = fmt.Sprintf("%s is not supported by netlab's stand-in pulumi-resource-kubernetes "+
					"plugin (it only talks to a live cluster)", key)
			}
		}
	}
	if _, err := decodeConfig(news); err != nil && len(failures) == 0 {
		failures["kubeconfig"] = err.Error()
	}
	return failures
}

// boolOf reads a boolean setting: the SDK JSON-encodes them ("true"), stack config has strings.
func boolOf(v resource.PropertyValue) (bool, error) {
	v = unwrap(v)
	switch {
	case v.IsNull():
		return false, nil
	case v.IsBool():
		return v.BoolValue(), nil
	case v.IsString():
		if v.StringValue() == "" {
			return false, nil
		}
		b, err := strconv.ParseBool(v.StringValue())
		if err != nil {
			return false, fmt.Errorf("expected true or false, got %q", v.StringValue())
		}
		return b, nil
	}
	return false, fmt.Errorf("expected a boolean")
}

// configFromVariables turns the legacy Configure variables ("kubernetes:config:key") into properties.
func configFromVariables(vars map[string]string) resource.PropertyMap {
	pm := resource.PropertyMap{}
	for k, v := range vars {
		key := k
		if i := strings.LastIndex(k, ":"); i >= 0 {
			key = k[i+1:]
		}
		if v == plugin.UnknownStringValue {
			pm[resource.PropertyKey(key)] = resource.MakeComputed(resource.NewStringProperty(""))
		} else {
			pm[resource.PropertyKey(key)] = resource.NewStringProperty(v)
		}
	}
	return pm
}

// decodeConfig reads the supported settings; unknown ones are listed in Unknown.
func decodeConfig(pm resource.PropertyMap) (*providerConfig, error) {
	cfg := &providerConfig{}
	for _, k := range []string{"kubeconfig", "context", "cluster", "namespace", "kubeClientSettings", "upsertExistingObjects"} {
		if isUnknown(pm[resource.PropertyKey(k)]) {
			cfg.Unknown = append(cfg.Unknown, k)
		}
	}
	cfg.Kubeconfig = strAt(pm, "kubeconfig")
	cfg.Context = strAt(pm, "context")
	cfg.Cluster = strAt(pm, "cluster")
	cfg.Namespace = strAt(pm, "namespace")
	if v := pm["upsertExistingObjects"]; !isUnknown(v) {
		b, err := boolOf(v)
		if err != nil {
			return nil, fmt.Errorf("upsertExistingObjects: %w", err)
		}
		cfg.Upsert = b
	}
	if v := unwrap(pm["kubeClientSettings"]); !v.IsNull() && !isUnknown(v) {
		var s struct {
			Burst   *float64 `json:"burst"`
			QPS     *float64 `json:"qps"`
			Timeout *float64 `json:"timeout"`
		}
		switch {
		case v.IsString():
			if err := json.Unmarshal([]byte(v.StringValue()), &s); err != nil {
				return nil, fmt.Errorf("kubeClientSettings: %w", err)
			}
		case v.IsObject():
			b, err := json.Marshal(plain(v).Mappable())
			if err == nil {
				err = json.Unmarshal(b, &s)
			}
			if err != nil {
				return nil, fmt.Errorf("kubeClientSettings: %w", err)
			}
		default:
			return nil, fmt.Errorf("kubeClientSettings: expected an object")
		}
		if s.Burst != nil {
			cfg.Burst = int(*s.Burst)
		}
		if s.QPS != nil {
			cfg.QPS = float32(*s.QPS)
		}
		if s.Timeout != nil {
			cfg.Timeout = int(*s.Timeout)
		}
	}
	return cfg, nil
}

// clientConfig resolves the kubeconfig setting the way the real provider does: contents if it
// parses as a kubeconfig (YAML or JSON), else a path; empty means KUBECONFIG or ~/.kube/config.
func (c *providerConfig) clientConfig() (clientcmd.ClientConfig, error) {
	overrides := &clientcmd.ConfigOverrides{CurrentContext: c.Context}
	overrides.Context.Cluster = c.Cluster
	if c.Namespace != "" {
		overrides.Context.Namespace = c.Namespace
	}
	if strings.TrimSpace(c.Kubeconfig) == "" {
		rules := clientcmd.NewDefaultClientConfigLoadingRules()
		return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides), nil
	}
	raw, err := parseKubeconfig(c.Kubeconfig)
	if err != nil {
		return nil, err
	}
	return clientcmd.NewNonInteractiveClientConfig(*raw, c.Context, overrides, nil), nil
}

// parseKubeconfig returns the kubeconfig given as contents, or read from the path given.
func parseKubeconfig(s string) (*clientcmdapi.Config, error) {
	if cfg, err := clientcmd.Load([]byte(s)); err == nil && (len(cfg.Clusters) > 0 || len(cfg.Contexts) > 0) {
		return cfg, nil
	}
	path := strings.TrimSpace(s)
	if strings.Contains(path, "\n") {
		return nil, fmt.Errorf("kubeconfig: neither a kubeconfig (no clusters or contexts found) nor a path")
	}
	if strings.HasPrefix(path, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, path[2:])
		}
	}
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: not kubeconfig contents, and reading it as a path failed: %w", err)
	}
	return cfg, nil
}

// activeCluster identifies the cluster a configuration points at (server and CA), for DiffConfig.
func activeCluster(pm resource.PropertyMap) (string, bool) {
	cfg, err := decodeConfig(pm)
	if err != nil || len(cfg.Unknown) > 0 {
		return "", false
	}
	cc, err := cfg.clientConfig()
	if err != nil {
		return "", false
	}
	raw, err := cc.RawConfig()
	if err != nil {
		return "", false
	}
	ctxName := raw.CurrentContext
	if cfg.Context != "" {
		ctxName = cfg.Context
	}
	clusterName := ""
	if ctx := raw.Contexts[ctxName]; ctx != nil {
		clusterName = ctx.Cluster
	}
	if cfg.Cluster != "" {
		clusterName = cfg.Cluster
	}
	cl := raw.Clusters[clusterName]
	if cl == nil {
		return "", false
	}
	ca := string(cl.CertificateAuthorityData)
	if ca == "" {
		ca = cl.CertificateAuthority
	}
	return cl.Server + "\n" + ca, true
}
