package main

import (
	"context"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

// The RPCs that must work without a cluster: Check, Diff and previews (config unknown).
func TestServerWithoutCluster(t *testing.T) {
	s := newServer(nil)
	ctx := context.Background()
	args, _ := structpb.NewStruct(map[string]interface{}{"kubeconfig": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"})
	if _, err := s.Configure(ctx, &pulumirpc.ConfigureRequest{Variables: map[string]string{
		"kubernetes:config:kubeconfig": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}}); err != nil {
		t.Fatalf("configure with unknown kubeconfig: %v", err)
	}
	if _, err := s.Configure(ctx, &pulumirpc.ConfigureRequest{Args: args}); err != nil {
		t.Fatalf("configure with unknown kubeconfig args: %v", err)
	}
	urn := "urn:pulumi:dev::proj::kubernetes:core/v1:ConfigMap::settings"
	news, _ := structpb.NewStruct(map[string]interface{}{"apiVersion": "v1", "kind": "ConfigMap",
		"data": map[string]interface{}{"a": "b"}})
	chk, err := s.Check(ctx, &pulumirpc.CheckRequest{Urn: urn, News: news, RandomSeed: []byte("seed")})
	if err != nil || len(chk.Failures) > 0 {
		t.Fatalf("check: %v %v", chk, err)
	}
	name := chk.Inputs.Fields["metadata"].GetStructValue().Fields["name"].GetStringValue()
	if !strings.HasPrefix(name, "settings-") {
		t.Errorf("autoname %q", name)
	}
	cr, err := s.Create(ctx, &pulumirpc.CreateRequest{Urn: urn, Properties: chk.Inputs, Preview: true})
	if err != nil || cr.Properties.Fields["data"].GetStructValue().Fields["a"].GetStringValue() != "b" {
		t.Fatalf("preview create: %v %v", cr, err)
	}
	d, err := s.Diff(ctx, &pulumirpc.DiffRequest{Urn: urn, OldInputs: chk.Inputs, Olds: cr.Properties, News: chk.Inputs})
	if err != nil || d.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("diff: %v %v", d, err)
	}
	if _, err := s.Create(ctx, &pulumirpc.CreateRequest{Urn: urn, Properties: chk.Inputs}); err == nil ||
		!strings.Contains(err.Error(), "not known yet") {
		t.Errorf("create with unknown config must fail clearly: %v", err)
	}
	bad := "urn:pulumi:dev::proj::kubernetes:core/v1:ConfigMapList::l"
	if _, err := s.Check(ctx, &pulumirpc.CheckRequest{Urn: bad, News: news}); err == nil ||
		!strings.Contains(err.Error(), "List resources") {
		t.Errorf("list kind: %v", err)
	}
	if _, err := s.Invoke(ctx, &pulumirpc.InvokeRequest{Tok: "kubernetes:yaml:decode"}); err == nil ||
		!strings.Contains(err.Error(), "function kubernetes:yaml:decode: not supported by netlab's stand-in") {
		t.Errorf("invoke: %v", err)
	}
	if _, err := s.Construct(ctx, &pulumirpc.ConstructRequest{Type: "kubernetes:helm.sh/v4:Chart"}); err == nil ||
		!strings.Contains(err.Error(), "not supported by netlab's stand-in") {
		t.Errorf("construct: %v", err)
	}
	cfgNews, _ := structpb.NewStruct(map[string]interface{}{"kubeconfig": testKubeconfig, "renderYamlToDirectory": "/tmp/x", "bogus": "1"})
	cc, err := s.CheckConfig(ctx, &pulumirpc.CheckRequest{News: cfgNews})
	if err != nil || len(cc.Failures) != 2 || cc.Failures[0].Property != "bogus" || cc.Failures[1].Property != "renderYamlToDirectory" {
		t.Errorf("check config: %v %v", cc, err)
	}
}
