package main

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func s(v string) resource.PropertyValue { return resource.NewStringProperty(v) }

func list(vs ...string) resource.PropertyValue {
	var a []resource.PropertyValue
	for _, v := range vs {
		a = append(a, s(v))
	}
	return resource.NewArrayProperty(a)
}

func TestPlanNoChangeIgnoresSecretnessAndOutputs(t *testing.T) {
	olds := resource.PropertyMap{"create": s("echo"), "stdin": s("x"), "stdout": s("out")}
	news := resource.PropertyMap{"create": s("echo"), "stdin": resource.MakeSecret(s("x"))}
	if r := planChange(localCommandType, olds, news).response(); r.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("want no changes, got %v", r)
	}
}

func TestPlanCreateChange(t *testing.T) {
	olds := resource.PropertyMap{"create": s("a")}
	r := planChange(localCommandType, olds, resource.PropertyMap{"create": s("b")}).response()
	if len(r.Replaces) != 1 || r.Replaces[0] != "create" {
		t.Fatalf("no update command: want replace on create, got %v", r.Replaces)
	}
	r = planChange(localCommandType, olds, resource.PropertyMap{"create": s("b"), "update": s("u")}).response()
	if len(r.Replaces) != 0 || r.Changes != pulumirpc.DiffResponse_DIFF_SOME {
		t.Fatalf("update command set: want in-place update, got %v", r)
	}
	unknown := resource.MakeComputed(s(""))
	r = planChange(localCommandType, olds, resource.PropertyMap{"create": unknown}).response()
	if len(r.Replaces) != 1 {
		t.Fatalf("unknown create must count as a change: %v", r)
	}
}

func TestPlanBookkeepingOnly(t *testing.T) {
	p := planChange(localCommandType, resource.PropertyMap{"create": s("a"), "delete": s("x")},
		resource.PropertyMap{"create": s("a"), "delete": s("y"), "logging": s("none")})
	if len(p.changed) != 2 || len(p.rerun) != 0 || p.replace {
		t.Fatalf("delete/logging change must update in place without re-running: %+v", p)
	}
}

func TestTriggersDiffPerElement(t *testing.T) {
	r := planChange(remoteCommandType,
		resource.PropertyMap{"create": s("a"), "update": s("u"), "triggers": list("1", "2")},
		resource.PropertyMap{"create": s("a"), "update": s("u"), "triggers": list("1", "3", "4")}).response()
	if r.DetailedDiff["triggers[1]"].GetKind() != pulumirpc.PropertyDiff_UPDATE ||
		r.DetailedDiff["triggers[2]"].GetKind() != pulumirpc.PropertyDiff_ADD || len(r.DetailedDiff) != 2 {
		t.Fatalf("want element paths for the SDK's replaceOnChanges, got %v", r.DetailedDiff)
	}
}

func TestValidate(t *testing.T) {
	fails := validate(remoteCommandType, resource.PropertyMap{
		"create":  s("x"),
		"bogus":   s("y"),
		"logging": s("loud"),
		"connection": resource.MakeSecret(resource.NewObjectProperty(resource.PropertyMap{
			"port": resource.NewNumberProperty(22), "proxy": resource.NewObjectProperty(resource.PropertyMap{}),
		})),
	})
	var got []string
	for _, f := range fails {
		got = append(got, f.property)
	}
	want := "bogus connection.proxy connection.host logging"
	if strings.Join(got, " ") != want {
		t.Fatalf("failures on %v, want %s (%v)", got, want, fails)
	}
	if f := validate(localCommandType, resource.PropertyMap{"create": resource.MakeComputed(s(""))}); len(f) != 0 {
		t.Fatalf("unknown values must pass: %v", f)
	}
}

func TestRunLocal(t *testing.T) {
	stdin := "from-stdin\n"
	in := &inputs{Stdin: &stdin, Environment: map[string]string{"GREETING": "hi"}, AddPreviousOutputInEnv: true}
	var logged []string
	j := job{Op: "create", Command: `cat; echo "$GREETING $PULUMI_COMMAND_STDOUT"; echo e >&2`, In: in,
		Env: jobEnv(in, &result{Stdout: "prev"}), Log: func(st, l string) { logged = append(logged, st+":"+l) }}
	res, err := run(context.Background(), j)
	if err != nil || res.Stdout != "from-stdin\nhi prev" || res.Stderr != "e" {
		t.Fatalf("got %q %q %v", res.Stdout, res.Stderr, err)
	}
	if len(logged) != 3 {
		t.Fatalf("want 3 logged lines, got %v", logged)
	}
	j.Command, j.In.Logging = "echo secret; echo bad >&2; exit 3", "stderr"
	_, err = run(context.Background(), j)
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "bad") ||
		strings.Contains(err.Error(), "secret") {
		t.Fatalf("unexpected error: %v", err)
	}
}

func TestDialRetriesAndBoundsHandshake(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() { // accept and stay silent: only the per-dial timeout ends the handshake
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	host, port, _ := net.SplitHostPort(l.Addr().String())
	c := &connection{Host: host, User: "root", Password: "x", DialErrorLimit: 2, PerDialTimeout: 1}
	c.Port, _ = net.LookupPort("tcp", port)
	start := time.Now()
	var notes []string
	_, err = dial(context.Background(), c, func(m string) { notes = append(notes, m) })
	if err == nil || !strings.Contains(err.Error(), "2 failed dial attempts") || len(notes) != 1 {
		t.Fatalf("err=%v notes=%v", err, notes)
	}
	if d := time.Since(start); d < 2*time.Second || d > 6*time.Second {
		t.Fatalf("took %v, want about 2×1s + 1s pause", d)
	}
}
