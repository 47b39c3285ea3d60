package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
)

const fieldManager = "pulumi-kubernetes"

// cluster is a connection to the API server: a dynamic client plus a discovery-based RESTMapper.
type cluster struct {
	host      string
	defaultNS string
	upsert    bool
	dyn       dynamic.Interface
	mapper    *restmapper.DeferredDiscoveryRESTMapper
	mu        sync.Mutex
}

// defaultNamespace is the namespace of namespaced objects that set none: the provider's
// `namespace`, else the kubeconfig context's, else "default".
func (c *providerConfig) defaultNamespace() string {
	if len(c.Unknown) > 0 {
		return ""
	}
	if c.Namespace != "" {
		return c.Namespace
	}
	cc, err := c.clientConfig()
	if err != nil {
		return "default"
	}
	ns, _, err := cc.Namespace()
	if err != nil || ns == "" {
		return "default"
	}
	return ns
}

func newCluster(cfg *providerConfig) (*cluster, error) {
	if len(cfg.Unknown) > 0 {
		return nil, fmt.Errorf("the kubernetes provider's %s is not known yet", strings.Join(cfg.Unknown, ", "))
	}
	cc, err := cfg.clientConfig()
	if err != nil {
		return nil, err
	}
	rc, err := cc.ClientConfig()
	if clientcmd.IsEmptyConfig(err) {
		return nil, fmt.Errorf("no kubeconfig: set the kubernetes provider's kubeconfig (or the stack config " +
			"kubernetes:kubeconfig), or KUBECONFIG, or create ~/.kube/config")
	}
	if err != nil {
		return nil, fmt.Errorf("invalid kubeconfig: %w", err)
	}
	rc = rest.CopyConfig(rc)
	rc.UserAgent = "pulumi-resource-kubernetes/" + Version + " (netlab stand-in)"
	rc.QPS, rc.Burst = 50, 100
	if cfg.QPS > 0 {
		rc.QPS = cfg.QPS
	}
	if cfg.Burst > 0 {
		rc.Burst = cfg.Burst
	}
	if cfg.Timeout > 0 {
		rc.Timeout = secondsDuration(float64(cfg.Timeout))
	}
	rc.WarningHandler = rest.NoWarnings{}
	dyn, err := dynamic.NewForConfig(rc)
	if err != nil {
		return nil, err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(rc)
	if err != nil {
		return nil, err
	}
	return &cluster{
		host:      rc.Host,
		defaultNS: cfg.defaultNamespace(),
		upsert:    cfg.Upsert,
		dyn:       dyn,
		mapper:    restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc)),
	}, nil
}

// errNoKind marks a kind the API server does not serve (e.g. a CRD not installed or gone).
var errNoKind = errors.New("kind not served by the API server")

// mapping finds how the API server serves a kind, re-reading discovery once if it is not known
// (a CRD created earlier in the same deployment).
func (c *cluster) mapping(gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil && meta.IsNoMatchError(err) {
		c.mapper.Reset()
		m, err = c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	}
	if err != nil {
		if meta.IsNoMatchError(err) {
			return nil, fmt.Errorf("%s: %w", apiVersionOf(gvk)+" "+gvk.Kind, errNoKind)
		}
		return nil, c.wrap(err)
	}
	return m, nil
}

// wrap explains errors that are not answers of the API server (connection failures).
func (c *cluster) wrap(err error) error {
	if err == nil {
		return nil
	}
	var st apierrors.APIStatus
	if errors.As(err, &st) || errors.Is(err, errNoKind) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("cannot reach the Kubernetes API server at %s: %w", c.host, err)
}

// target is one object: how to reach it and its identity.
type target struct {
	gvk        schema.GroupVersionKind
	ri         dynamic.ResourceInterface
	namespaced bool
	namespace  string
	name       string
}

func (t *target) id() string {
	if t.namespaced {
		return t.namespace + "/" + t.name
	}
	return t.name
}

func (t *target) String() string {
	return fmt.Sprintf("%s %s", t.gvk.Kind, t.id())
}

// target resolves the object named name in namespace ns ("" = the default for namespaced kinds).
func (c *cluster) target(gvk schema.GroupVersionKind, ns, name string) (*target, error) {
	m, err := c.mapping(gvk)
	if err != nil {
		return nil, err
	}
	t := &target{gvk: gvk, name: name}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		t.namespaced = true
		if ns == "" {
			ns = c.defaultNS
		}
		t.namespace = ns
		t.ri = c.dyn.Resource(m.Resource).Namespace(ns)
	} else {
		t.ri = c.dyn.Resource(m.Resource)
	}
	return t, nil
}

// splitID splits an id "namespace/name" or "name".
func splitID(id string) (ns, name string) {
	if i := strings.Index(id, "/"); i >= 0 {
		return id[:i], id[i+1:]
	}
	return "", id
}

func (c *cluster) get(ctx context.Context, t *target) (*unstructured.Unstructured, error) {
	obj, err := t.ri.Get(ctx, t.name, metav1.GetOptions{})
	return obj, c.wrap(err)
}

// apply server-side applies obj (field manager pulumi-kubernetes, conflicts forced).
func (c *cluster) apply(ctx context.Context, t *target, obj map[string]interface{}) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{Object: obj}
	if t.namespaced {
		u.SetNamespace(t.namespace)
	}
	live, err := t.ri.Apply(ctx, t.name, u, metav1.ApplyOptions{FieldManager: fieldManager, Force: true})
	if err != nil {
		return nil, fmt.Errorf("applying %s: %w", t, c.wrap(err))
	}
	return live, nil
}

// endpointSlices lists the EndpointSlices of a Service.
func (c *cluster) endpointSlices(ctx context.Context, ns, svc string) ([]unstructured.Unstructured, error) {
	gvr := schema.GroupVersionResource{Group: "discovery.k8s.io", Version: "v1", Resource: "endpointslices"}
	list, err := c.dyn.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{LabelSelector: "kubernetes.io/service-name=" + svc})
	if err != nil {
		return nil, c.wrap(err)
	}
	return list.Items, nil
}

// pods lists up to max pods matching a workload's spec.selector.
func (c *cluster) pods(ctx context.Context, obj *unstructured.Unstructured, max int) ([]unstructured.Unstructured, error) {
	sel, found, _ := unstructured.NestedMap(obj.Object, "spec", "selector")
	if !found {
		return nil, nil
	}
	var ls metav1.LabelSelector
	if err := runtimeFromUnstructured(sel, &ls); err != nil {
		return nil, err
	}
	s, err := metav1.LabelSelectorAsSelector(&ls)
	if err != nil {
		return nil, err
	}
	gvr := schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	list, err := c.dyn.Resource(gvr).Namespace(obj.GetNamespace()).List(ctx, metav1.ListOptions{LabelSelector: s.String(), Limit: int64(max)})
	if err != nil {
		return nil, c.wrap(err)
	}
	return list.Items, nil
}
