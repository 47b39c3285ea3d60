package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// server implements the resource provider gRPC interface; RPCs not listed
// here (invokes, calls, components, mappings...) answer Unimplemented.
type server struct {
	pulumirpc.UnimplementedResourceProviderServer

	mu     sync.Mutex
	host   *provider.HostClient // nil until attached when started without an engine address
	cancel context.CancelFunc   // cancels every running command (Cancel RPC)
	root   context.Context
}

func newServer(host *provider.HostClient) *server {
	root, cancel := context.WithCancel(context.Background())
	return &server{host: host, root: root, cancel: cancel}
}

// marshalling keeps secrets and unknowns intact so outputs carry them back.
var marshalOpts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	return plugin.UnmarshalProperties(s, marshalOpts)
}

// unmarshalBoth decodes the old and the new properties of a request.
func unmarshalBoth(olds, news *structpb.Struct) (resource.PropertyMap, resource.PropertyMap, error) {
	o, err := unmarshal(olds)
	if err != nil {
		return nil, nil, err
	}
	n, err := unmarshal(news)
	return o, n, err
}

func marshal(pm resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(pm, marshalOpts)
}

// resourceType resolves and checks the resource token of a request.
func resourceType(typ, urn string) (string, error) {
	if typ == "" {
		typ = string(resource.URN(urn).Type())
	}
	if _, ok := schemas[typ]; !ok {
		return "", status.Errorf(codes.InvalidArgument,
			"resource type %q is not implemented by netlab's stand-in command provider (only %s and %s)",
			typ, localCommandType, remoteCommandType)
	}
	return typ, nil
}

func (s *server) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: Version}, nil
}

func (s *server) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: fmt.Sprintf(`{"name":%q,"version":%q}`, pluginName, Version)}, nil
}

// The provider has no configuration: accept whatever the SDK sends (its
// version) and never ask for the provider to be replaced.
func (s *server) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (s *server) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (s *server) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
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

func (s *server) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	typ, err := resourceType(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.CheckResponse{Inputs: req.GetNews()}
	for _, f := range validate(typ, news) {
		resp.Failures = append(resp.Failures, &pulumirpc.CheckFailure{Property: f.property, Reason: f.reason})
	}
	return resp, nil
}

func (s *server) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	typ, err := resourceType(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	olds, news, err := unmarshalBoth(req.GetOlds(), req.GetNews())
	if err != nil {
		return nil, err
	}
	return planChange(typ, olds, news).response(), nil
}

func (s *server) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	typ, err := resourceType(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	props, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	id := newID()
	if req.GetPreview() {
		out, err := outputs(props, unknownResult(props, "create"))
		return &pulumirpc.CreateResponse{Id: id, Properties: out}, err
	}
	in, err := decodeInputs(typ, props)
	if err != nil {
		return nil, err
	}
	ctx, done := s.opContext(ctx, req.GetTimeout())
	defer done()
	res, err := run(ctx, s.job(ctx, req.GetUrn(), "create", in.Create, in, nil))
	if err != nil {
		return nil, err
	}
	out, err := outputs(props, resultProps(res))
	return &pulumirpc.CreateResponse{Id: id, Properties: out}, err
}

func (s *server) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	typ, err := resourceType(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	olds, news, err := unmarshalBoth(req.GetOlds(), req.GetNews())
	if err != nil {
		return nil, err
	}
	prev := resource.PropertyMap{"stdout": olds["stdout"], "stderr": olds["stderr"]}
	p := planChange(typ, olds, news)
	if len(p.rerun) == 0 { // only bookkeeping inputs changed: keep the old output
		out, err := outputs(news, prev)
		return &pulumirpc.UpdateResponse{Properties: out}, err
	}
	op := "update"
	if !hasUpdateCommand(news) {
		op = "create"
	}
	if req.GetPreview() {
		out, err := outputs(news, unknownResult(news, op))
		return &pulumirpc.UpdateResponse{Properties: out}, err
	}
	in, err := decodeInputs(typ, news)
	if err != nil {
		return nil, err
	}
	command := in.Update
	if op == "create" {
		command = in.Create
	}
	ctx, done := s.opContext(ctx, req.GetTimeout())
	defer done()
	res, err := run(ctx, s.job(ctx, req.GetUrn(), op, command, in, &result{str(prev, "stdout"), str(prev, "stderr")}))
	if err != nil {
		return nil, err
	}
	out, err := outputs(news, resultProps(res))
	return &pulumirpc.UpdateResponse{Properties: out}, err
}

func (s *server) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	typ, err := resourceType(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	props, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	in, err := decodeInputs(typ, props)
	if err != nil {
		return nil, err
	}
	ctx, done := s.opContext(ctx, req.GetTimeout())
	defer done()
	prev := &result{str(props, "stdout"), str(props, "stderr")}
	if _, err := run(ctx, s.job(ctx, req.GetUrn(), "delete", in.Delete, in, prev)); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// Read (refresh) has nothing to look at: the state is returned unchanged.
func (s *server) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	if len(req.GetProperties().GetFields()) == 0 {
		return nil, status.Error(codes.Unimplemented, "importing a Command resource is not supported")
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

// outputs is the inputs as received (secrets kept) plus stdout and stderr.
func outputs(ins, extra resource.PropertyMap) (*structpb.Struct, error) {
	out := ins.Copy()
	for k, v := range extra {
		out[k] = v
	}
	return marshal(out)
}

func resultProps(r result) resource.PropertyMap {
	return resource.PropertyMap{
		"stdout": resource.NewStringProperty(r.Stdout),
		"stderr": resource.NewStringProperty(r.Stderr),
	}
}

// unknownResult is what a preview reports: unknown output if a command will
// run, empty output if there is none to run.
func unknownResult(props resource.PropertyMap, op string) resource.PropertyMap {
	if v, ok := props[resource.PropertyKey(op)]; ok && !unwrap(v).IsNull() {
		u := resource.MakeComputed(resource.NewStringProperty(""))
		return resource.PropertyMap{"stdout": u, "stderr": u}
	}
	return resultProps(result{})
}

// opContext ends when the RPC is cancelled, the Cancel RPC is received, or
// the resource's custom timeout (seconds) expires.
func (s *server) opContext(ctx context.Context, timeout float64) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.root, cancel)
	if timeout > 0 {
		var cancelT context.CancelFunc
		ctx, cancelT = context.WithTimeout(ctx, time.Duration(timeout*float64(time.Second)))
		return ctx, func() { cancelT(); stop(); cancel() }
	}
	return ctx, func() { stop(); cancel() }
}

// job prepares a run whose output lines are streamed to the engine as status
// messages on the resource (warnings are kept in the final diagnostics).
func (s *server) job(ctx context.Context, urn, op, command string, in *inputs, prev *result) job {
	s.mu.Lock()
	host := s.host
	s.mu.Unlock()
	logf := func(stream, line string) {
		if host == nil {
			return
		}
		if stream == "warning" {
			_ = host.Log(ctx, diag.Warning, resource.URN(urn), line)
			return
		}
		_ = host.LogStatus(ctx, diag.Info, resource.URN(urn), line)
	}
	return job{Op: op, Command: command, In: in, Env: jobEnv(in, prev), Log: logf}
}

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
