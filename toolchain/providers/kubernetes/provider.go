package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// defaultTimeout bounds create/update/delete awaits without customTimeouts or annotation.
const defaultTimeout = 10 * time.Minute

// pollInterval is how often an await looks at the object again.
var pollInterval = 2 * time.Second

// server implements the resource provider gRPC interface.
type server struct {
	pulumirpc.UnimplementedResourceProviderServer

	mu      sync.Mutex
	host    *provider.HostClient // nil when started without an engine address until Attach
	cfg     *providerConfig      // nil until Configure
	cluster *cluster             // created on first use
	root    context.Context      // cancelled by the Cancel RPC
	cancel  context.CancelFunc
}

func newServer(host *provider.HostClient) *server {
	root, cancel := context.WithCancel(context.Background())
	return &server{host: host, root: root, cancel: cancel}
}

func (s *server) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: Version}, nil
}

func (s *server) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: fmt.Sprintf(`{"name":%q,"version":%q}`, pluginName, Version)}, nil
}

func (s *server) Attach(_ context.Context, req *pulumirpc.PluginAttach) (*emptypb.Empty, error) {
	host, err := provider.NewHostClient(req.GetAddress())
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.host = host
	s.mu.Unlock()
	return &emptypb.Empty{}, nil
}

func (s *server) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	s.cancel()
	return &emptypb.Empty{}, nil
}

// ---- provider configuration ----

func (s *server) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.CheckResponse{Inputs: req.GetNews()}
	failures := checkConfig(news)
	for _, k := range sortedKeysOf(failures) {
		resp.Failures = append(resp.Failures, &pulumirpc.CheckFailure{Property: k, Reason: failures[k]})
	}
	return resp, nil
}

func sortedKeysOf(m map[string]string) []string {
	ks := map[string]bool{}
	for k := range m {
		ks[k] = true
	}
	return sortedKeys(ks)
}

// DiffConfig replaces the provider (and so every object it manages) when it points at another
// cluster (server or CA of the active cluster, or clusterIdentifier) or another default
// namespace; other setting changes update it in place.
func (s *server) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	oldIn := req.GetOldInputs()
	if len(oldIn.GetFields()) == 0 {
		oldIn = req.GetOlds()
	}
	olds, err := unmarshal(oldIn)
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	return diffConfig(olds, news), nil
}

func diffConfig(olds, news resource.PropertyMap) *pulumirpc.DiffResponse {
	keys := map[string]bool{}
	for _, m := range []resource.PropertyMap{olds, news} {
		for k := range m {
			if !strings.HasPrefix(string(k), "__") && string(k) != "version" {
				keys[string(k)] = true
			}
		}
	}
	resp := &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}
	for _, k := range sortedKeys(keys) {
		o, n := olds[resource.PropertyKey(k)], news[resource.PropertyKey(k)]
		if !isUnknown(o) && !isUnknown(n) && plain(o).DeepEquals(plain(n)) {
			continue
		}
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
		resp.Diffs = append(resp.Diffs, k)
	}
	if resp.Changes == pulumirpc.DiffResponse_DIFF_NONE {
		return resp
	}
	replace := func(k string) { resp.Replaces = append(resp.Replaces, k) }
	changed := map[string]bool{}
	for _, k := range resp.Diffs {
		changed[k] = true
	}
	oid, nid := strAt(olds, "clusterIdentifier"), strAt(news, "clusterIdentifier")
	switch {
	case oid != "" || nid != "":
		if changed["clusterIdentifier"] {
			replace("clusterIdentifier")
		}
	case changed["kubeconfig"] || changed["context"] || changed["cluster"]:
		oc, ok1 := activeCluster(olds)
		nc, ok2 := activeCluster(news)
		// A kubeconfig that is not known yet (preview) is assumed to point at the same cluster.
		if ok1 && ok2 && oc != nc {
			for _, k := range []string{"kubeconfig", "context", "cluster"} {
				if changed[k] {
					replace(k)
				}
			}
		}
	}
	if changed["namespace"] {
		replace("namespace")
	}
	return resp
}

func (s *server) Configure(_ context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	var pm resource.PropertyMap
	if req.GetArgs() != nil {
		var err error
		if pm, err = unmarshal(req.GetArgs()); err != nil {
			return nil, err
		}
	} else {
		pm = configFromVariables(req.GetVariables())
	}
	if failures := checkConfig(pm); len(failures) > 0 {
		var msgs []string
		for _, k := range sortedKeysOf(failures) {
			msgs = append(msgs, k+": "+failures[k])
		}
		return nil, errors.New(strings.Join(msgs, "; "))
	}
	cfg, err := decodeConfig(pm)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cfg, s.cluster = cfg, nil
	s.mu.Unlock()
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

// config returns the provider configuration (the ambient kubeconfig if Configure never ran).
func (s *server) config() *providerConfig {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg == nil {
		return &providerConfig{}
	}
	return s.cfg
}

// connect returns the cluster connection, creating it on first use.
func (s *server) connect() (*cluster, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cluster != nil {
		return s.cluster, nil
	}
	cfg := s.cfg
	if cfg == nil {
		cfg = &providerConfig{}
	}
	c, err := newCluster(cfg)
	if err != nil {
		return nil, err
	}
	s.cluster = c
	return c, nil
}

// ---- functions and components: none ----

func (s *server) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	return nil, errNotSupported("function " + req.GetTok())
}

func (s *server) Call(_ context.Context, req *pulumirpc.CallRequest) (*pulumirpc.CallResponse, error) {
	return nil, errNotSupported("method " + req.GetTok())
}

func (s *server) Construct(_ context.Context, req *pulumirpc.ConstructRequest) (*pulumirpc.ConstructResponse, error) {
	return nil, errNotSupported("component " + req.GetType())
}

// ---- resources ----

// kindOf maps the request's type token to a GVK.
func kindOf(typ, urn string) (schema.GroupVersionKind, error) {
	t := typeOf(typ, urn)
	if t == providerType {
		return schema.GroupVersionKind{}, fmt.Errorf("%s is not a resource here", t)
	}
	gvk, err := gvkFromToken(t)
	if err != nil {
		return gvk, status.Error(codes.InvalidArgument, err.Error())
	}
	return gvk, nil
}

func (s *server) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	gvk, err := kindOf(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	olds, news, err := unmarshalBoth(req.GetOlds(), req.GetNews())
	if err != nil {
		return nil, err
	}
	name := req.GetName()
	if name == "" {
		name = resource.URN(req.GetUrn()).Name()
	}
	out, failures := checkInputs(gvk, name, olds, news, req.GetRandomSeed())
	inputs, err := marshal(out)
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.CheckResponse{Inputs: inputs}
	for _, f := range failures {
		prop, reason, _ := strings.Cut(f, ": ")
		resp.Failures = append(resp.Failures, &pulumirpc.CheckFailure{Property: prop, Reason: reason})
	}
	return resp, nil
}

func (s *server) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	gvk, err := kindOf(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	oldIn := req.GetOldInputs()
	if len(oldIn.GetFields()) == 0 {
		oldIn = req.GetOlds() // engines that do not send old inputs
	}
	olds, news, err := unmarshalBoth(oldIn, req.GetNews())
	if err != nil {
		return nil, err
	}
	return diffInputs(gvk, olds, news, s.config().defaultNamespace()).response(), nil
}

func (s *server) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	gvk, err := kindOf(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	in, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	if req.GetPreview() {
		props, err := marshal(previewOutputs(gvk, in, nil))
		return &pulumirpc.CreateResponse{Properties: props}, err
	}
	obj, err := toObject(in)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", req.GetUrn(), err)
	}
	c, err := s.connect()
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{Object: obj}
	t, err := c.target(gvk, u.GetNamespace(), u.GetName())
	if err != nil {
		return nil, err
	}
	ctx, done := s.opContext(ctx, timeoutFor(req.GetTimeout(), u))
	defer done()
	if !c.upsert {
		_, err := c.get(ctx, t)
		switch {
		case err == nil:
			return nil, fmt.Errorf("%s already exists in the cluster: import it (pulumi import %s <name> %s), "+
				"delete it, or set the provider's upsertExistingObjects to take it over", t, typeOf(req.GetType(), req.GetUrn()), t.id())
		case !apierrors.IsNotFound(err):
			return nil, fmt.Errorf("creating %s: %w", t, err)
		}
	}
	live, err := c.apply(ctx, t, obj)
	if err != nil {
		return nil, err
	}
	live, awaitErr := s.await(ctx, c, t, live, req.GetUrn(), "created")
	props, err := marshal(outputsFor(gvk, in, live, nil))
	if err != nil {
		return nil, err
	}
	if awaitErr != nil {
		return nil, initFailed(t.id(), props, nil, awaitErr)
	}
	return &pulumirpc.CreateResponse{Id: t.id(), Properties: props}, nil
}

func (s *server) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	gvk, err := kindOf(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	if req.GetPreview() {
		olds, err := unmarshal(req.GetOlds())
		if err != nil {
			return nil, err
		}
		props, err := marshal(previewOutputs(gvk, news, olds))
		return &pulumirpc.UpdateResponse{Properties: props}, err
	}
	obj, err := toObject(news)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", req.GetUrn(), err)
	}
	c, err := s.connect()
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{Object: obj}
	ns, name := splitID(req.GetId())
	if u.GetName() != "" {
		name = u.GetName()
	}
	if u.GetNamespace() != "" {
		ns = u.GetNamespace()
	}
	t, err := c.target(gvk, ns, name)
	if err != nil {
		return nil, err
	}
	ctx, done := s.opContext(ctx, timeoutFor(req.GetTimeout(), u))
	defer done()
	live, err := c.apply(ctx, t, obj)
	if err != nil {
		return nil, err
	}
	live, awaitErr := s.await(ctx, c, t, live, req.GetUrn(), "updated")
	props, err := marshal(outputsFor(gvk, news, live, nil))
	if err != nil {
		return nil, err
	}
	if awaitErr != nil {
		return nil, initFailed(t.id(), props, nil, awaitErr)
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

func (s *server) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	gvk, err := kindOf(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	state, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	gvk = stateGVK(gvk, state)
	ns, name := splitID(req.GetId())
	if name == "" {
		name = strAt(state, "metadata", "name")
	}
	if ns == "" {
		ns = strAt(state, "metadata", "namespace")
	}
	what := fmt.Sprintf("%s %s", gvk.Kind, req.GetId())
	c, err := s.connect()
	if err != nil {
		return nil, fmt.Errorf("cannot delete %s: %w", what, err)
	}
	t, err := c.target(gvk, ns, name)
	if errors.Is(err, errNoKind) {
		s.logf(ctx, diag.Warning, req.GetUrn(), "%s: the API server no longer serves %s; treating the object as deleted", what, gvk.Kind)
		return &emptypb.Empty{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot delete %s: %w (netlab's stand-in plugin does not drop objects it cannot reach "+
			"from the state: bring the cluster back, or run `pulumi state delete` for them)", what, err)
	}
	u := &unstructured.Unstructured{Object: map[string]interface{}{}}
	if m, ok := objectAt(state, "metadata"); ok {
		if mo, err := toObject(m); err == nil {
			u.Object["metadata"] = mo
		}
	}
	ctx, done := s.opContext(ctx, timeoutFor(req.GetTimeout(), u))
	defer done()
	policy := metav1.DeletePropagationForeground
	err = t.ri.Delete(ctx, t.name, metav1.DeleteOptions{PropagationPolicy: &policy})
	if apierrors.IsNotFound(err) {
		return &emptypb.Empty{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot delete %s: %w", t, c.wrap(err))
	}
	if err := s.awaitGone(ctx, c, t, req.GetUrn()); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// stateGVK prefers the apiVersion/kind recorded in the state (the object as created).
func stateGVK(gvk schema.GroupVersionKind, state resource.PropertyMap) schema.GroupVersionKind {
	av, k := strAt(state, "apiVersion"), strAt(state, "kind")
	if av == "" || k == "" {
		return gvk
	}
	gv, err := schema.ParseGroupVersion(av)
	if err != nil {
		return gvk
	}
	return gv.WithKind(k)
}

func (s *server) Read(ctx context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	gvk, err := kindOf(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	state, inputs, err := unmarshalBoth(req.GetProperties(), req.GetInputs())
	if err != nil {
		return nil, err
	}
	gvk = stateGVK(gvk, state)
	ns, name := splitID(req.GetId())
	if name == "" {
		return nil, fmt.Errorf("reading %s: an id (\"<namespace>/<name>\" or \"<name>\") is required", gvk.Kind)
	}
	c, err := s.connect()
	if err != nil {
		return nil, err
	}
	t, err := c.target(gvk, ns, name)
	if errors.Is(err, errNoKind) {
		return &pulumirpc.ReadResponse{}, nil // the CRD is gone, so is the object
	}
	if err != nil {
		return nil, err
	}
	ctx, done := s.opContext(ctx, 0)
	defer done()
	live, err := c.get(ctx, t)
	if apierrors.IsNotFound(err) {
		return &pulumirpc.ReadResponse{}, nil // gone: an empty id tells the engine
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", t, err)
	}
	if len(inputs) == 0 {
		inputs = inputsFromLive(live) // import or .get()
	}
	props, err := marshal(outputsFor(gvk, inputs, live, state))
	if err != nil {
		return nil, err
	}
	ins, err := marshal(inputs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: t.id(), Properties: props, Inputs: ins}, nil
}

// ---- helpers ----

// outputsFor is the inputs overlaid with the live object (without managedFields): values that
// are secret in the inputs (or in the previous state) stay secret, and a Secret's data and
// stringData are secret as a whole.
func outputsFor(gvk schema.GroupVersionKind, inputs resource.PropertyMap, live *unstructured.Unstructured, prev resource.PropertyMap) resource.PropertyMap {
	out := inputs.Copy()
	if live != nil {
		obj := live.DeepCopy().Object
		unstructured.RemoveNestedField(obj, "metadata", "managedFields")
		for k, v := range fromObject(obj) {
			out[k] = v
		}
	}
	if prev != nil {
		out = mirrorSecretsMap(prev, out)
	}
	out = mirrorSecretsMap(inputs, out)
	if gvk.Group == "" && gvk.Kind == "Secret" {
		for _, k := range []resource.PropertyKey{"data", "stringData"} {
			if v, ok := out[k]; ok {
				out[k] = makeSecret(v)
			}
		}
	}
	return out
}

// previewOutputs is what a preview reports without asking the cluster: the inputs, with the
// fields the API server fills in marked unknown (metadata.uid, resourceVersion, ..., status and a
// Service's clusterIP), or, for an update, kept from the old outputs where they do not change.
func previewOutputs(gvk schema.GroupVersionKind, inputs, olds resource.PropertyMap) resource.PropertyMap {
	out := inputs.Copy()
	unknown := resource.MakeComputed(resource.NewStringProperty(""))
	if mv := out["metadata"]; !isUnknown(mv) && unwrap(mv).IsObject() {
		meta := unwrap(mv).ObjectValue().Copy()
		for _, k := range []resource.PropertyKey{"uid", "creationTimestamp", "resourceVersion", "generation"} {
			if _, ok := meta[k]; ok {
				continue
			}
			meta[k] = unknown
			if old := valueAt(olds, "metadata", string(k)); (k == "uid" || k == "creationTimestamp") && !absent(old) {
				meta[k] = old
			}
		}
		out["metadata"] = mirrorSecrets(mv, resource.NewObjectProperty(meta))
	}
	if _, ok := out["status"]; !ok {
		out["status"] = unknown
	}
	if gvk.Group == "" && gvk.Kind == "Service" && strAt(inputs, "spec", "type") != "ExternalName" {
		if sv := out["spec"]; !isUnknown(sv) && unwrap(sv).IsObject() && !sv.IsSecret() {
			spec := unwrap(sv).ObjectValue().Copy()
			for _, k := range []resource.PropertyKey{"clusterIP", "clusterIPs"} {
				if _, ok := spec[k]; !ok {
					spec[k] = unknown
					if old := valueAt(olds, "spec", string(k)); !absent(old) {
						spec[k] = old
					}
				}
			}
			out["spec"] = resource.NewObjectProperty(spec)
		}
	}
	return out
}

// inputsFromLive derives inputs for an imported object: the object without status and
// server-populated metadata.
func inputsFromLive(live *unstructured.Unstructured) resource.PropertyMap {
	obj := live.DeepCopy().Object
	delete(obj, "status")
	meta := map[string]interface{}{"name": live.GetName()}
	if ns := live.GetNamespace(); ns != "" {
		meta["namespace"] = ns
	}
	if l := live.GetLabels(); len(l) > 0 {
		meta["labels"] = toIfaceMap(l)
	}
	ann := live.GetAnnotations()
	delete(ann, "kubectl.kubernetes.io/last-applied-configuration")
	if len(ann) > 0 {
		meta["annotations"] = toIfaceMap(ann)
	}
	obj["metadata"] = meta
	return fromObject(obj)
}

func toIfaceMap(m map[string]string) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// initFailed reports an object that exists but did not become ready: the engine records it
// (id and outputs) so the next update continues from there.
func initFailed(id string, props, inputs *structpb.Struct, err error) error {
	st := status.New(codes.Unknown, err.Error())
	st, derr := st.WithDetails(&pulumirpc.ErrorResourceInitFailed{
		Id: id, Properties: props, Inputs: inputs, Reasons: []string{err.Error()},
	})
	if derr != nil {
		return err
	}
	return st.Err()
}

// timeoutFor picks the await timeout: customTimeouts, else the pulumi.com/timeoutSeconds
// annotation, else 10 minutes.
func timeoutFor(custom float64, obj *unstructured.Unstructured) time.Duration {
	if custom > 0 {
		return secondsDuration(custom)
	}
	if v, ok := obj.GetAnnotations()[annTimeoutSeconds]; ok {
		if n, err := strconv.ParseFloat(v, 64); err == nil && n > 0 {
			return secondsDuration(n)
		}
	}
	return defaultTimeout
}

func secondsDuration(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// opContext ends when the RPC is cancelled, the Cancel RPC is received, or the timeout expires.
func (s *server) opContext(ctx context.Context, timeout time.Duration) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.root, cancel)
	if timeout > 0 {
		var cancelT context.CancelFunc
		ctx, cancelT = context.WithTimeout(ctx, timeout)
		return ctx, func() { cancelT(); stop(); cancel() }
	}
	return ctx, func() { stop(); cancel() }
}

func (s *server) logf(ctx context.Context, sev diag.Severity, urn string, format string, args ...interface{}) {
	s.mu.Lock()
	host := s.host
	s.mu.Unlock()
	if host == nil {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if sev == diag.Info {
		_ = host.LogStatus(context.WithoutCancel(ctx), sev, resource.URN(urn), msg)
		return
	}
	_ = host.Log(context.WithoutCancel(ctx), sev, resource.URN(urn), msg)
}

func skipAwait(obj *unstructured.Unstructured) bool {
	return obj.GetAnnotations()[annSkipAwait] == "true"
}

// await polls the object until its kind's readiness predicate holds, it fails, or ctx ends. It
// returns the last live object seen (for the outputs) and an error explaining the state on
// failure or timeout.
func (s *server) await(ctx context.Context, c *cluster, t *target, live *unstructured.Unstructured, urn, verb string) (*unstructured.Unstructured, error) {
	kind := awaitKind(t.gvk)
	if kind == "" || skipAwait(live) {
		return live, nil
	}
	if kind == "Service" && !serviceNeedsEndpoints(live) {
		return live, nil
	}
	start := time.Now()
	deadline, _ := ctx.Deadline()
	last := ""
	wait := backoff()
	for {
		var slices []unstructured.Unstructured
		var err error
		if kind == "Service" {
			slices, err = c.endpointSlices(ctx, t.namespace, t.name)
		}
		var r readiness
		if err == nil {
			r = check(kind, live, slices)
			if r.ready {
				return live, nil
			}
			if r.failed != "" {
				return live, fmt.Errorf("%s was %s but %s: %s%s", t, verb, r.failed, r.summary, s.podsSummary(ctx, c, kind, live))
			}
			if r.summary != last {
				s.logf(ctx, diag.Info, urn, "waiting for %s: %s", t, r.summary)
				last = r.summary
			}
		}
		select {
		case <-ctx.Done():
			if s.root.Err() != nil {
				return live, fmt.Errorf("%s: cancelled while waiting for it to become ready", t)
			}
			why := last
			if err != nil {
				why = err.Error()
			}
			// A fresh context for the last look: the operation's one has ended.
			lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if fresh, gerr := c.get(lctx, t); gerr == nil {
				live = fresh
				if kind != "Service" {
					why = check(kind, live, nil).summary
				}
			}
			return live, fmt.Errorf("%s was %s but did not become ready within %s: %s%s "+
				"(raise customTimeouts, or set the annotation %s: \"true\" to not wait)",
				t, verb, deadline.Sub(start).Round(time.Second), why, s.podsSummary(lctx, c, kind, live), annSkipAwait)
		case <-time.After(wait()):
		}
		fresh, gerr := c.get(ctx, t)
		switch {
		case gerr == nil:
			live = fresh
		case apierrors.IsNotFound(gerr):
			return live, fmt.Errorf("%s was %s but disappeared while waiting for it to become ready", t, verb)
		}
	}
}

// podsSummary describes up to three pods of a workload, for errors.
func (s *server) podsSummary(ctx context.Context, c *cluster, kind string, obj *unstructured.Unstructured) string {
	switch kind {
	case "Deployment", "DaemonSet", "StatefulSet", "Job":
	default:
		return ""
	}
	pods, err := c.pods(ctx, obj, 3)
	if err != nil {
		return ""
	}
	if len(pods) == 0 {
		return "; no pods found for its selector"
	}
	var parts []string
	for i := range pods {
		parts = append(parts, fmt.Sprintf("pod %s: %s", pods[i].GetName(), podSummary(&pods[i])))
	}
	return "; " + strings.Join(parts, "; ")
}

// awaitGone polls until the object is gone (404).
func (s *server) awaitGone(ctx context.Context, c *cluster, t *target, urn string) error {
	logged := false
	var live *unstructured.Unstructured
	wait := backoff()
	for {
		obj, err := c.get(ctx, t)
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err == nil {
			live = obj
		}
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("waiting for %s to be deleted: %w", t, err)
		}
		if ctx.Err() != nil {
			if s.root.Err() != nil {
				return fmt.Errorf("%s: cancelled while waiting for it to be deleted", t)
			}
			detail := ""
			if live != nil {
				detail = ": " + deletionSummary(live)
			}
			return fmt.Errorf("%s was not deleted in time%s", t, detail)
		}
		if !logged {
			s.logf(ctx, diag.Info, urn, "waiting for %s to be deleted", t)
			logged = true
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait()):
		}
	}
}

// backoff returns successive poll delays: 200ms, doubling up to pollInterval.
func backoff() func() time.Duration {
	d := 100 * time.Millisecond
	return func() time.Duration {
		if d *= 2; d > pollInterval {
			d = pollInterval
		}
		return d
	}
}

// deletionSummary says what holds an object that is being deleted.
func deletionSummary(obj *unstructured.Unstructured) string {
	parts := []string{}
	if ts := obj.GetDeletionTimestamp(); ts != nil {
		parts = append(parts, "deletion requested at "+ts.UTC().Format(time.RFC3339))
	} else {
		parts = append(parts, "no deletion timestamp")
	}
	if f := obj.GetFinalizers(); len(f) > 0 {
		parts = append(parts, "finalizers still pending: "+strings.Join(f, ", "))
	}
	if phase, _, _ := unstructured.NestedString(obj.Object, "status", "phase"); phase != "" {
		parts = append(parts, "phase "+phase)
	}
	if cs := conditions(obj); len(cs) > 0 {
		parts = append(parts, conditionSummary(obj))
	}
	return strings.Join(parts, "; ")
}

func runtimeFromUnstructured(in map[string]interface{}, out interface{}) error {
	return runtime.DefaultUnstructuredConverter.FromUnstructured(in, out)
}
