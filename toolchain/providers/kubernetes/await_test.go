package main

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

func obj(t *testing.T, y string) *unstructured.Unstructured {
	t.Helper()
	m := map[string]interface{}{}
	if err := yaml.Unmarshal([]byte(y), &m); err != nil {
		t.Fatal(err)
	}
	// JSON numbers decode as float64 here; the dynamic client yields int64: both must work.
	return &unstructured.Unstructured{Object: m}
}

func TestDeploymentReady(t *testing.T) {
	ready := obj(t, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, generation: 2}
spec: {replicas: 2}
status: {observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2, readyReplicas: 2}`)
	if r := deploymentReady(ready); !r.ready || r.failed != "" {
		t.Errorf("ready deployment: %+v", r)
	}
	stale := obj(t, `
metadata: {name: web, generation: 3}
spec: {replicas: 2}
status: {observedGeneration: 2, updatedReplicas: 2, availableReplicas: 2}`)
	if r := deploymentReady(stale); r.ready || !strings.Contains(r.summary, "not observed generation 3") {
		t.Errorf("stale generation: %+v", r)
	}
	rolling := obj(t, `
metadata: {name: web, generation: 1}
spec: {}
status:
  observedGeneration: 1
  updatedReplicas: 1
  conditions:
  - {type: Available, status: "False", reason: MinimumReplicasUnavailable, message: Deployment does not have minimum availability.}`)
	r := deploymentReady(rolling)
	if r.ready || !strings.Contains(r.summary, "1/1 replicas updated, 0/1 available") ||
		!strings.Contains(r.summary, "Available=False (MinimumReplicasUnavailable: Deployment does not have minimum availability.)") {
		t.Errorf("unavailable (default replicas 1): %+v", r)
	}
	zero := obj(t, `
metadata: {name: web, generation: 1}
spec: {replicas: 0}
status: {observedGeneration: 1}`)
	if r := deploymentReady(zero); !r.ready {
		t.Errorf("zero replicas: %+v", r)
	}
	notSeen := obj(t, `
metadata: {name: web, generation: 1}
spec: {replicas: 0}`)
	if r := deploymentReady(notSeen); r.ready {
		t.Errorf("zero replicas, controller has not seen it: %+v", r)
	}
	deadline := obj(t, `
metadata: {name: web, generation: 1}
spec: {replicas: 1}
status:
  observedGeneration: 1
  conditions:
  - {type: Progressing, status: "False", reason: ProgressDeadlineExceeded, message: took too long}`)
	if r := deploymentReady(deadline); r.failed == "" {
		t.Errorf("progress deadline: %+v", r)
	}
}

func TestDaemonSetReady(t *testing.T) {
	ds := obj(t, `
metadata: {name: ds, generation: 1}
status: {observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3, numberReady: 3}`)
	if r := daemonSetReady(ds); !r.ready {
		t.Errorf("ready: %+v", r)
	}
	ds = obj(t, `
metadata: {name: ds, generation: 1}
status: {observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2}`)
	if r := daemonSetReady(ds); r.ready || !strings.Contains(r.summary, "2/3 available") {
		t.Errorf("not ready: %+v", r)
	}
	ds = obj(t, `
metadata: {name: ds, generation: 2}
status: {observedGeneration: 1, desiredNumberScheduled: 0, updatedNumberScheduled: 0, numberAvailable: 0}`)
	if r := daemonSetReady(ds); r.ready {
		t.Errorf("generation not observed: %+v", r)
	}
}

func TestStatefulSetReady(t *testing.T) {
	ss := obj(t, `
metadata: {name: db, generation: 1}
spec: {replicas: 2}
status: {observedGeneration: 1, readyReplicas: 2, updatedReplicas: 2}`)
	if r := statefulSetReady(ss); !r.ready {
		t.Errorf("ready: %+v", r)
	}
	ss = obj(t, `
metadata: {name: db, generation: 1}
spec: {replicas: 2, updateStrategy: {type: OnDelete}}
status: {observedGeneration: 1, readyReplicas: 1, updatedReplicas: 0}`)
	if r := statefulSetReady(ss); r.ready {
		t.Errorf("not ready: %+v", r)
	}
}

func TestPodReady(t *testing.T) {
	p := obj(t, `
metadata: {name: p}
status: {phase: Running, conditions: [{type: Ready, status: "True"}]}`)
	if r := podReady(p); !r.ready {
		t.Errorf("ready pod: %+v", r)
	}
	p = obj(t, `
metadata: {name: p}
status:
  phase: Pending
  conditions: [{type: PodScheduled, status: "False", reason: Unschedulable, message: 0/0 nodes are available}]
  containerStatuses: [{name: c, state: {waiting: {reason: ContainerCreating}}}]`)
	r := podReady(p)
	if r.ready || !strings.Contains(r.summary, "PodScheduled=False (Unschedulable: 0/0 nodes are available)") ||
		!strings.Contains(r.summary, "container c waiting: ContainerCreating") {
		t.Errorf("pending pod: %+v", r)
	}
	p = obj(t, `
metadata: {name: p}
status: {phase: Failed}`)
	if r := podReady(p); r.failed == "" {
		t.Errorf("failed pod: %+v", r)
	}
}

func TestJobAndCRDReady(t *testing.T) {
	if r := jobReady(obj(t, `status: {succeeded: 1, conditions: [{type: Complete, status: "True"}]}`)); !r.ready {
		t.Errorf("complete job: %+v", r)
	}
	if r := jobReady(obj(t, `status: {failed: 2, conditions: [{type: Failed, status: "True", reason: BackoffLimitExceeded}]}`)); r.failed == "" {
		t.Errorf("failed job: %+v", r)
	}
	if r := crdReady(obj(t, `status: {conditions: [{type: Established, status: "True"}]}`)); !r.ready {
		t.Errorf("established crd: %+v", r)
	}
	if r := crdReady(obj(t, `status: {conditions: [{type: NamesAccepted, status: "True"}]}`)); r.ready {
		t.Errorf("crd not established: %+v", r)
	}
}

func TestServiceReady(t *testing.T) {
	svc := obj(t, `
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}`)
	if !serviceNeedsEndpoints(svc) {
		t.Fatal("a ClusterIP service with a selector is awaited")
	}
	for _, y := range []string{
		`spec: {ports: [{port: 80}]}`,
		`spec: {type: ExternalName, externalName: example.com, selector: {app: web}}`,
	} {
		if serviceNeedsEndpoints(obj(t, y)) {
			t.Errorf("not awaited: %s", y)
		}
	}
	notReady := *obj(t, `endpoints: [{addresses: [10.0.0.1], conditions: {ready: false}}]`)
	if r := serviceReady(svc, []unstructured.Unstructured{notReady}); r.ready ||
		!strings.Contains(r.summary, "0 ready and 1 not-ready endpoint addresses in 1 EndpointSlices for selector app=web") {
		t.Errorf("not ready: %+v", r)
	}
	if r := serviceReady(svc, nil); r.ready {
		t.Errorf("no slices: %+v", r)
	}
	ready := *obj(t, `endpoints: [{addresses: [10.0.0.2], conditions: {ready: true}}]`)
	if r := serviceReady(svc, []unstructured.Unstructured{notReady, ready}); !r.ready {
		t.Errorf("ready: %+v", r)
	}
	noCond := *obj(t, `endpoints: [{addresses: [10.0.0.3]}]`)
	if r := serviceReady(svc, []unstructured.Unstructured{noCond}); !r.ready {
		t.Errorf("no ready condition means ready: %+v", r)
	}
}

func TestAwaitKind(t *testing.T) {
	for gvk, want := range map[schema.GroupVersionKind]string{
		{Group: "apps", Version: "v1", Kind: "Deployment"}:                               "Deployment",
		{Group: "apps", Version: "v1", Kind: "DaemonSet"}:                                "DaemonSet",
		{Version: "v1", Kind: "Service"}:                                                 "Service",
		{Version: "v1", Kind: "Pod"}:                                                     "Pod",
		{Version: "v1", Kind: "Namespace"}:                                               "",
		{Version: "v1", Kind: "ConfigMap"}:                                               "",
		{Version: "v1", Kind: "Secret"}:                                                  "",
		{Version: "v1", Kind: "ServiceAccount"}:                                          "",
		{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRole"}:         "",
		{Group: "networking.k8s.io", Version: "v1", Kind: "NetworkPolicy"}:               "",
		{Group: "example.com", Version: "v1", Kind: "Deployment"}:                        "",
		{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}: "CustomResourceDefinition",
	} {
		if got := awaitKind(gvk); got != want {
			t.Errorf("%v: %q, want %q", gvk, got, want)
		}
	}
	if r := check("", obj(t, `{}`), nil); !r.ready {
		t.Errorf("no predicate must be ready")
	}
}

func TestSkipAwaitAndTimeout(t *testing.T) {
	o := obj(t, `metadata: {annotations: {pulumi.com/skipAwait: "true", pulumi.com/timeoutSeconds: "30"}}`)
	if !skipAwait(o) {
		t.Error("skipAwait annotation ignored")
	}
	if got := timeoutFor(0, o).Seconds(); got != 30 {
		t.Errorf("annotation timeout %v", got)
	}
	if got := timeoutFor(20, o).Seconds(); got != 20 {
		t.Errorf("customTimeouts must win: %v", got)
	}
	if got := timeoutFor(0, obj(t, `{}`)); got != defaultTimeout {
		t.Errorf("default %v", got)
	}
}

func TestDeletionSummary(t *testing.T) {
	o := obj(t, `
metadata: {name: ns, deletionTimestamp: "2026-01-02T03:04:05Z", finalizers: [kubernetes]}
status: {phase: Terminating}`)
	s := deletionSummary(o)
	for _, want := range []string{"deletion requested at 2026-01-02T03:04:05Z", "finalizers still pending: kubernetes", "phase Terminating"} {
		if !strings.Contains(s, want) {
			t.Errorf("%q lacks %q", s, want)
		}
	}
}
