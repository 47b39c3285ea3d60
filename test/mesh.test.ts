import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { KUBE_NODE_FILES } from "../components/kubeadm";
import { planDrill } from "../lib/drill/scenarios";
import {
    CLIENT_LABEL, httpbackendPodSpec, meshAnnotations, PROXY_WAIT_BEFORE_EXIT_SECONDS, splitRouteSpec, trackWeights, workloadDeployments,
} from "../lib/kube-workload";
import { LINKERD_IMAGES, LINKERD_TARBALL, LINKERD_WEBHOOKS, linkerdControlPlaneValues, parseLinkerdCerts } from "../lib/linkerd";
import { checkDeleteBeforeReplace, fakeArtifacts, named, runStackFile, StackRun } from "./harness";

/** A stand-in artifacts directory with every file a meshed kube-lab pushes. */
const ARTIFACTS = fakeArtifacts([...KUBE_NODE_FILES.map((x) => x.name), "images/flannel.tar", LINKERD_TARBALL, "httpbackend"]);
const withArtifacts = { "netlab:artifactsDir": ARTIFACTS };

describe("kube-lab workloads: versions, splits, rolling updates (lib/kube-workload.ts)", () => {
    it("unmeshed: one Deployment; meshed: a main and a split track, the split at 0 without a split", () => {
        const w = { name: "web", version: "v1.0.0", count: 3 };
        const selector = { "netlab.io/workload": "web" };
        assert.deepStrictEqual(workloadDeployments(w, false), [{ name: "web", track: "main", version: "v1.0.0", replicas: 3, selector,
            labels: { ...selector, "netlab.io/version": "v1.0.0" } }], "unmeshed: the labels of before the mesh");
        const [main, second] = workloadDeployments(w, true);
        assert.deepStrictEqual(main.selector, selector, "the first Deployment's selector is what it was before splits");
        assert.strictEqual(main.labels["netlab.io/track"], "main");
        assert.deepStrictEqual([second.name, second.version, second.replicas, second.selector["netlab.io/track"]], ["web-split", "v1.0.0", 0, "split"]);
        const split = workloadDeployments({ ...w, split: { "v1.0.0": 80, "v1.1.0": 20 } }, true);
        assert.deepStrictEqual(split[0], main, "the first Deployment is untouched by a split");
        assert.deepStrictEqual([split[1].version, split[1].replicas], ["v1.1.0", 3]);
    });
    it("the HTTPRoute hangs on the workload's Service and weighs the two tracks; all on main without a split", () => {
        assert.deepStrictEqual(trackWeights({ version: "v1.1.0", split: { "v1.0.0": 30, "v1.1.0": 70 } }), { main: 70, split: 30 });
        assert.deepStrictEqual(trackWeights({ version: "v1.1.0" }), { main: 100 }, "no backend without endpoints in the route");
        assert.deepStrictEqual(splitRouteSpec("web", { main: 100 }), {
            parentRefs: [{ group: "core", kind: "Service", name: "web", port: 8081 }],
            rules: [{ backendRefs: [{ name: "web-main", port: 8081, weight: 100 }] }],
        });
        assert.deepStrictEqual((splitRouteSpec("web", { main: 0, split: 100 }).rules as { backendRefs: unknown[] }[])[0].backendRefs,
            [{ name: "web-main", port: 8081, weight: 0 }, { name: "web-split", port: 8081, weight: 100 }]);
    });
    it("meshed pods ask for the proxy, which outlives the app's preStop pause and drain", () => {
        assert.deepStrictEqual(meshAnnotations(false), {});
        const a = meshAnnotations(true);
        assert.strictEqual(a["linkerd.io/inject"], "enabled");
        const pod = httpbackendPodSpec({ version: "v1.0.0", placement: [], labels: {} });
        const app = (pod.containers as { args: string[]; lifecycle: { preStop: { sleep: { seconds: number } } } }[])[0];
        const drain = Number(/^(\d+)s$/.exec(app.args[app.args.indexOf("-drain") + 1])?.[1]);
        assert.ok(PROXY_WAIT_BEFORE_EXIT_SECONDS > app.lifecycle.preStop.sleep.seconds + drain, "the proxy goes on after the app has drained");
        assert.strictEqual(a["config.alpha.linkerd.io/proxy-wait-before-exit-seconds"], String(PROXY_WAIT_BEFORE_EXIT_SECONDS));
    });
    it("kube drills: rolling moves the version and writes no weave-nomad key; split sets the weights; others are refused", () => {
        const w = { name: "web", version: "v1.0.0", count: 3, maxSurge: 2 };
        const none = { deployment: null, instances: [], history: [] };
        const rolling = planDrill("rolling", w, none, {}, "kubeadm");
        assert.deepStrictEqual(rolling.settings, { ...w, version: "v1.1.0" });
        assert.deepStrictEqual(rolling.expect, { upFails: false, serving: ["v1.1.0"] });
        assert.match(rolling.describe, /maxSurge 2, maxUnavailable 0/);
        const split = planDrill("split", w, none, { weights: [0, 100] }, "kubeadm");
        assert.deepStrictEqual(split.settings, { ...w, split: { "v1.0.0": 0, "v1.1.0": 100 } });
        assert.deepStrictEqual(split.expect.serving, ["v1.1.0"]);
        assert.throws(() => planDrill("canary", w, none, {}, "kubeadm"), /runs on weave-nomad stacks/);
        assert.throws(() => planDrill("rolling", { ...w, split: { "v1.0.0": 50, "v1.1.0": 50 } }, none, {}, "kubeadm"), /remove the split first/);
    });
});

describe("Linkerd's values and certificates (lib/linkerd.ts, local-scripts/linkerd-certs.sh)", () => {
    it("rejects output without the issuer key or a webhook's certificate", () => {
        assert.throws(() => parseLinkerdCerts(JSON.stringify({ trustAnchorsPEM: "-----BEGIN CERTIFICATE-----", issuerCrtPEM: "-----BEGIN CERTIFICATE-----" })),
            /no issuer key/);
    });
});

describe("stack mesh-lab (kubeadm + flannel + Linkerd, an 80/20 split)", () => {
    let run: StackRun;
    before(async () => {
        run = await runStackFile("mesh-lab", withArtifacts);
    });

    it("makes the certificates once, as a secret, with the real script: an issuer signed by the anchor, a certificate per webhook", () => {
        const certs = named(run, "mesh-certs");
        assert.deepStrictEqual(certs.additionalSecretOutputs, ["stdout"]);
        assert.strictEqual(certs.inputs.logging, "none");
        const c = parseLinkerdCerts(certs.stdout ?? "");
        assert.notStrictEqual(c.trustAnchorsPEM, c.issuerCrtPEM);
        assert.deepStrictEqual(Object.keys(c.webhooks).sort(), Object.values(LINKERD_WEBHOOKS).sort());
        const values = linkerdControlPlaneValues(c) as { identity: { issuer: { tls: { keyPEM: string } } }; proxyInjector: { caBundle: string; crtPEM: string } };
        assert.strictEqual(values.identity.issuer.tls.keyPEM, c.issuerKeyPEM);
        assert.strictEqual(values.proxyInjector.caBundle, values.proxyInjector.crtPEM, "the webhook's self-signed certificate is its CA");
    });

    it("imports Linkerd's images on every node, then installs the CRDs and the control plane from the charts, through the cluster's provider", () => {
        const imports = run.resources.filter((r) => /^mesh-images-u\d$/.test(r.name));
        assert.strictEqual(imports.length, 3);
        for (const i of imports) {
            const script = JSON.stringify(i.inputs);
            for (const ref of Object.values(LINKERD_IMAGES)) {
                assert.ok(script.includes(ref), `${i.name} imports ${ref}`);
            }
        }
        const crds = named(run, "mesh-crds");
        const plane = named(run, "mesh-control-plane");
        assert.strictEqual(crds.type, "kubernetes:helm.sh/v4:Chart");
        assert.deepStrictEqual((crds.inputs.values as Record<string, unknown>).installGatewayAPI, true, "the Gateway API's HTTPRoute comes with Linkerd's CRDs");
        assert.ok(plane.dependsOn.includes("mesh-crds") && plane.dependsOn.includes("mesh-images"));
        assert.ok(plane.secretInputs.includes("values"), "the values carry the issuer's key: secret");
        const values = plane.inputs.values as { imagePullPolicy: string; proxy: { await: boolean; image: { name: string } }; disableHeartBeat: boolean };
        assert.strictEqual(values.imagePullPolicy, "Never");
        assert.strictEqual(values.proxy.image.name, "localhost/netlab/linkerd-proxy");
        assert.strictEqual(values.proxy.await, false);
        assert.strictEqual(values.disableHeartBeat, true, "nothing leaves the lab");
    });

    it("meshes both versions' Deployments after the control plane, with a Service per version and an 80/20 HTTPRoute", () => {
        const first = named(run, "app-httpbackend-deployment");
        const second = named(run, "app-httpbackend-deployment-split");
        assert.deepStrictEqual((second.inputs.metadata as { name: string }).name, "httpbackend-split");
        assert.strictEqual((second.inputs.spec as { replicas: number }).replicas, 3);
        for (const d of [first, second]) {
            assert.ok(d.dependsOn.includes("mesh-control-plane") && d.dependsOn.includes("mesh-ready"), `${d.name} waits for the injector`);
            const spec = d.inputs.spec as { strategy: unknown; template: { metadata: { annotations: Record<string, string> } } };
            assert.strictEqual(spec.template.metadata.annotations["linkerd.io/inject"], "enabled");
            assert.deepStrictEqual(spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
        }
        assert.deepStrictEqual((first.inputs.spec as { selector: unknown }).selector, { matchLabels: { "netlab.io/workload": "httpbackend" } },
            "the first Deployment's selector is what it was before splits");
        const route = named(run, "app-httpbackend-split");
        assert.strictEqual(route.inputs.kind, "HTTPRoute");
        assert.deepStrictEqual(route.inputs.spec, splitRouteSpec("httpbackend", { main: 80, split: 20 }));
        assert.ok(route.dependsOn.includes("app-httpbackend-deployment-split"), "a split's pods are ready before the route sends them traffic");
        for (const t of ["main", "split"]) {
            named(run, `app-httpbackend-service-${t}`);
        }
    });

    it("without a split the route stays (all on main) and takes the traffic away before the second Deployment scales to 0", async () => {
        const one = await runStackFile("mesh-lab", { ...withArtifacts, "netlab:workloads": JSON.stringify([{ name: "httpbackend", version: "v1.1.0", count: 3, placement: ["u2", "u3"] }]) });
        const route = named(one, "app-httpbackend-split");
        assert.deepStrictEqual(route.inputs.spec, splitRouteSpec("httpbackend", { main: 100 }));
        const second = named(one, "app-httpbackend-deployment-split");
        assert.strictEqual((second.inputs.spec as { replicas: number }).replicas, 0);
        assert.ok(second.dependsOn.includes("app-httpbackend-split"));
    });

    it("after every apply of the pod network, waits for the control plane and re-meshes pods made while the injector was down", () => {
        const ready = named(run, "mesh-ready");
        const triggers = ready.inputs.triggers as unknown[];
        assert.strictEqual(triggers[0], "cni-apply-id", "a CNI swap (a new apply) runs it again");
        assert.ok(String(ready.inputs.create).includes("netlab-mesh-lab-u1"), "on the control-plane host");
        assert.ok(ready.dependsOn.includes("mesh-control-plane"));
        assert.match(String(ready.inputs.stdin), /rollout restart/);
    });

    it("checks the mesh and either version's answer; clients are meshed in the checks", () => {
        const checks = named(run, "checks-run");
        const stdin = String(checks.inputs.stdin);
        assert.ok(stdin.includes("NETLAB_MESH='linkerd'"));
        assert.ok(stdin.includes("NETLAB_VERSIONS='v1.0.0 v1.1.0'"));
        assert.ok(stdin.includes(`NETLAB_CLIENT_LABEL='${CLIENT_LABEL}'`));
        assert.deepStrictEqual(run.outputs.mesh, { mesh: "linkerd", version: "edge-26.8.3", namespace: "linkerd" });
    });

    it("no command that deletes what it made can be replaced create-before-delete", () => {
        assert.ok(checkDeleteBeforeReplace(run) > 0);
    });

    it("without Linkerd's tarball, up names it and the command that builds it", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-mesh-missing-"));
        fs.cpSync(ARTIFACTS, dir, { recursive: true });
        fs.rmSync(path.join(dir, LINKERD_TARBALL));
        await assert.rejects(runStackFile("mesh-lab", { "netlab:artifactsDir": dir }), /images\/linkerd\.tar missing.*npm run toolchain -- mesh/s);
    });
});
