// Command pulumi-resource-docker is netlab's stand-in for Pulumi's docker provider plugin: it serves
// the subset of the @pulumi/docker 5.2.0 wire contract that netlab uses (Network, RemoteImage,
// Container) by driving the `docker` CLI. See README.md.
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Version is set at build time with -ldflags "-X main.Version=5.2.0".
var Version = "5.2.0"

// kind is one resource type of the subset.
type kind interface {
	spec() fields               // the supported inputs
	updatable() map[string]bool // inputs that change in place; any other change replaces
	computed() []string         // outputs unknown until created
	autoName() bool             // whether an unset `name` is generated
	create(ctx context.Context, in resource.PropertyMap) (string, resource.PropertyMap, error)
	read(ctx context.Context, id string, state resource.PropertyMap) (string, resource.PropertyMap, error)
	delete(ctx context.Context, id string, state resource.PropertyMap) error
}

type dockerProvider struct {
	pulumirpc.UnimplementedResourceProviderServer
	docker *dockerCLI
	kinds  map[string]kind
}

func main() {
	err := provider.Main("docker", func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		d := &dockerCLI{host: os.Getenv("DOCKER_HOST")}
		return &dockerProvider{docker: d, kinds: map[string]kind{
			"docker:index/network:Network":         &network{d},
			"docker:index/remoteImage:RemoteImage": &remoteImage{d},
			"docker:index/container:Container":     &container{d},
		}}, nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

var rpcOpts = plugin.MarshalOptions{Label: "docker", KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	return plugin.UnmarshalProperties(s, rpcOpts)
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

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, rpcOpts)
}

func (p *dockerProvider) kindOf(urnOrType string) (kind, error) {
	t := urnOrType
	if strings.HasPrefix(t, "urn:") {
		t = string(resource.URN(t).Type())
	}
	if k, ok := p.kinds[t]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("resource type %s is not implemented by netlab's stand-in docker provider "+
		"(it implements docker.Network, docker.RemoteImage and docker.Container only)", t)
}

func (p *dockerProvider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: Version}, nil
}

func (p *dockerProvider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: fmt.Sprintf(`{"name":"docker","version":%q}`, Version)}, nil
}

var configKeys = map[string]bool{"host": true, "version": true}

func (p *dockerProvider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	news, err := unmarshal(req.News)
	if err != nil {
		return nil, err
	}
	var failures []*pulumirpc.CheckFailure
	for k, v := range news {
		if !configKeys[string(k)] && !strings.HasPrefix(string(k), "__") && !absent(v) {
			failures = append(failures, &pulumirpc.CheckFailure{Property: string(k),
				Reason: "docker provider setting not supported by netlab's stand-in docker provider (supported: host)"})
		}
	}
	return &pulumirpc.CheckResponse{Inputs: req.News, Failures: failures}, nil
}

func (p *dockerProvider) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, news, err := unmarshalBoth(req.OldInputs, req.News)
	if err != nil {
		return nil, err
	}
	if str(olds, "host") != str(news, "host") {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: []string{"host"}}, nil
	}
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *dockerProvider) Configure(_ context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	host := req.Variables["docker:config:host"]
	if req.Args != nil {
		if args, err := unmarshal(req.Args); err == nil && str(args, "host") != "" {
			host = str(args, "host")
		}
	}
	if host != "" {
		p.docker.host = host
	}
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

func (p *dockerProvider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	k, err := p.kindOf(req.Urn)
	if err != nil {
		return nil, err
	}
	olds, news, err := unmarshalBoth(req.Olds, req.News)
	if err != nil {
		return nil, err
	}
	if k.autoName() && absent(news["name"]) {
		if n := str(olds, "name"); n != "" {
			news["name"] = resource.NewStringProperty(n) // keep the name generated before
		} else {
			news["name"] = resource.NewStringProperty(autoName(resource.URN(req.Urn).Name(), req.RandomSeed))
		}
	}
	var failures []*pulumirpc.CheckFailure
	for _, msg := range validate("", news, k.spec()) {
		prop, reason, _ := strings.Cut(msg, ": ")
		failures = append(failures, &pulumirpc.CheckFailure{Property: prop, Reason: reason})
	}
	inputs, err := marshal(news)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: inputs, Failures: failures}, nil
}

// autoName is the resource name plus 7 hex digits derived from the engine's seed, as Pulumi auto-naming does.
func autoName(name string, seed []byte) string {
	if len(seed) == 0 {
		seed = make([]byte, 16)
		_, _ = rand.Read(seed)
	}
	sum := sha256.Sum256(append(append([]byte{}, seed...), name...))
	return name + "-" + hex.EncodeToString(sum[:])[:7]
}

func (p *dockerProvider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	k, err := p.kindOf(req.Urn)
	if err != nil {
		return nil, err
	}
	oldIn := req.OldInputs
	if oldIn == nil || len(oldIn.Fields) == 0 {
		oldIn = req.Olds // engines that do not send old inputs: compare against the outputs
	}
	olds, err := unmarshal(oldIn)
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.News)
	if err != nil {
		return nil, err
	}
	ignored := map[string]bool{}
	for _, path := range req.IgnoreChanges {
		if parts := strings.FieldsFunc(path, func(r rune) bool { return r == '.' || r == '[' }); len(parts) > 0 {
			ignored[parts[0]] = true
		}
	}
	resp := &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE, HasDetailedDiff: true,
		DetailedDiff: map[string]*pulumirpc.PropertyDiff{}}
	spec, upd := k.spec(), k.updatable()
	for key := range union(olds, news) {
		o, n := olds[resource.PropertyKey(key)], news[resource.PropertyKey(key)]
		if _, ok := spec[key]; !ok || ignored[key] || equal(o, n) {
			continue
		}
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
		resp.Diffs = append(resp.Diffs, key)
		kindOf := pulumirpc.PropertyDiff_UPDATE
		if absent(o) {
			kindOf = pulumirpc.PropertyDiff_ADD
		} else if absent(n) && !unknown(n) {
			kindOf = pulumirpc.PropertyDiff_DELETE
		}
		if !upd[key] {
			resp.Replaces = append(resp.Replaces, key)
			kindOf++ // each *_REPLACE kind follows its plain kind
		}
		resp.DetailedDiff[key] = &pulumirpc.PropertyDiff{Kind: kindOf, InputDiff: true}
	}
	// Names are fixed, so a replacement must remove the old object before creating the new one.
	resp.DeleteBeforeReplace = len(resp.Replaces) > 0
	return resp, nil
}

func (p *dockerProvider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	k, err := p.kindOf(req.Urn)
	if err != nil {
		return nil, err
	}
	in, err := unmarshal(req.Properties)
	if err != nil {
		return nil, err
	}
	var id string
	out := copyMap(in)
	if req.Preview {
		for _, c := range k.computed() {
			out[resource.PropertyKey(c)] = resource.MakeComputed(resource.NewStringProperty(""))
		}
	} else if id, out, err = k.create(ctx, in); err != nil {
		return nil, err
	}
	props, err := marshal(out)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

func (p *dockerProvider) Read(ctx context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	k, err := p.kindOf(req.Urn)
	if err != nil {
		return nil, err
	}
	state, err := unmarshal(req.Properties)
	if err != nil {
		return nil, err
	}
	if len(state) == 0 {
		return nil, status.Error(codes.Unimplemented, "netlab's stand-in docker provider cannot import or get resources")
	}
	id, out, err := k.read(ctx, req.Id, state)
	if err != nil || id == "" {
		return &pulumirpc.ReadResponse{}, err // an empty id: the object is gone
	}
	props, err := marshal(out)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: id, Properties: props, Inputs: req.Inputs}, nil
}

func (p *dockerProvider) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	k, err := p.kindOf(req.Urn)
	if err != nil {
		return nil, err
	}
	olds, news, err := unmarshalBoth(req.Olds, req.News)
	if err != nil {
		return nil, err
	}
	// Only settings of the provider's own behaviour (on destroy) update in place: record them.
	out := copyMap(olds)
	for key := range k.updatable() {
		if v, ok := news[resource.PropertyKey(key)]; ok {
			out[resource.PropertyKey(key)] = v
		} else {
			delete(out, resource.PropertyKey(key))
		}
	}
	props, err := marshal(out)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

func (p *dockerProvider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	k, err := p.kindOf(req.Urn)
	if err != nil {
		return nil, err
	}
	state, err := unmarshal(req.Properties)
	if err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, k.delete(ctx, req.Id, state)
}

func (p *dockerProvider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (p *dockerProvider) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	return nil, fmt.Errorf("function %s is not implemented by netlab's stand-in docker provider", req.Tok)
}
