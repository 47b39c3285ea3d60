/**
 * e2e for the mesh on kube-lab (seeds 003 and 004): a kubeadm cluster with flannel and
 * Linkerd built from source (npm run toolchain -- kube mesh), httpbackend meshed; then, each
 * under load from fortio in a meshed pod (500 qps), by `npm run drill`'s code:
 *   a split 80/20 (within 5 points over >= 2,000 requests), then 0/100 and 100/0 by the
 *   HTTPRoute's weights alone (the same pods: none restarted);
 *   a rolling update v1.0.0 -> v1.1.0, meshed: >= 10,000 requests, none failed;
 *   the mesh removed in place (`netlab:mesh: none`), then a rolling update unmeshed, none failed.
 * Destroy leaves nothing. Reports and charts in .netlab/drills/e2e-mesh/.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { SPLIT_MIN_REQUESTS } from "../../lib/drill/checks";
import { checkPrerequisites, dockerObjects, drillRunner, LabStack, Phases, ROOT, sh } from "./lab";

const ARTIFACTS = path.join(ROOT, ".toolchain", "artifacts");
const KUBECTL = path.join(ARTIFACTS, "kubernetes", "kubectl");

describe("e2e: kube-lab with Linkerd (split 80/20 -> 0/100 -> 100/0, rolling updates at 500 qps meshed and not, mesh removed in place)", function () {
    this.timeout(60 * 60 * 1000);
    const phases = new Phases();
    const lab = new LabStack("e2e-mesh", "mesh-lab");
    const outDir = path.join(ROOT, ".netlab", "drills", "e2e-mesh");
    const tables: string[] = [];
    let kubeconfig = "";
    const kubectl = (...args: string[]): string => sh(KUBECTL, ["--kubeconfig", kubeconfig, ...args]);
    /** The workload's pods: name -> uid, node, containers. */
    const pods = (): Record<string, string> => Object.fromEntries(kubectl("get", "pods", "-l", "netlab.io/workload=httpbackend", "-o",
        "jsonpath={range .items[*]}{.metadata.name} {.metadata.uid} {.metadata.labels.netlab\\.io/version} {.spec.initContainers[*].name} {.spec.containers[*].name}{\"\\n\"}{end}")
        .trim().split("\n").filter((l) => l).map((l) => { const [name, ...rest] = l.split(" "); return [name, rest.join(" ")]; }));

    /** The workload's pods once there are `n` (those of a Deployment scaled down or replaced take a few seconds to go). */
    const podsWhen = async (n: number): Promise<Record<string, string>> => {
        for (let i = 0; i < 60; i++) {
            const now = pods();
            if (Object.keys(now).length === n) {
                return now;
            }
            await new Promise((r) => setTimeout(r, 2000));
        }
        assert.fail(`not ${n} pods of httpbackend after 120 s: ${JSON.stringify(pods())}`);
    };

    before(function () {
        checkPrerequisites(["command", "docker", "kubernetes"]);
        for (const f of ["kubernetes/kubeadm", "images/kubernetes.tar", "images/flannel.tar", "images/linkerd.tar", "images/fortio.tar",
            "linkerd/charts/linkerd-control-plane/Chart.yaml", "httpbackend"]) {
            assert.ok(fs.existsSync(path.join(ARTIFACTS, f)), `.toolchain/artifacts/${f} is missing: run 'npm run toolchain -- kube mesh'`);
        }
    });

    after(async function () {
        console.log(`      phases: ${phases.times.map(([n, s]) => `${n} ${s.toFixed(1)} s`).join(", ")}`);
        console.log(tables.join("\n\n"));
        await lab.dispose().catch(() => undefined);
    });

    const drill = drillRunner(lab, phases, outDir, tables);
    const assertMatrix = (matrix: Record<string, string>, meshed: boolean): void => {
        for (const [cell, result] of Object.entries(matrix)) {
            console.log(`      ${result.split(":")[0].padEnd(11)} ${cell}: ${result.slice(result.indexOf(":") + 2)}`);
            assert.match(result, cell.startsWith("policy ") ? /^UNSUPPORTED: reached/ : /^PASS: /, cell);
        }
        const mesh = Object.keys(matrix).filter((c) => c.startsWith("mesh "));
        assert.strictEqual(mesh.length, meshed ? 2 + 2 : 0, `mesh cells: ${mesh.join(", ")}`);
    };

    it("pulumi up: kubeadm + flannel + Linkerd, httpbackend v1.0.0 meshed, the checks pass (mTLS from every client node)", async () => {
        const stack = await lab.open();
        // The suite starts from one version: the split comes with the first drill.
        await stack.removeConfig("netlab:workloads[0].split", true);
        const result = await phases.time("up", () => stack.up({ onOutput: () => undefined }));
        assert.strictEqual(result.summary.result, "succeeded");
        kubeconfig = result.outputs.KUBECONFIG.value as string;
        assert.deepStrictEqual(result.outputs.mesh.value, { mesh: "linkerd", version: "edge-26.8.3", namespace: "linkerd" });
        assertMatrix(result.outputs.checks.value as Record<string, string>, true);
        console.log(kubectl("get", "pods", "-n", "linkerd", "-o", "wide").trim().split("\n").map((l) => `      ${l}`).join("\n"));
        const now = await podsWhen(3);
        assert.ok(Object.values(now).every((p) => / v1\.0\.0 .*linkerd-proxy/.test(p)), JSON.stringify(now));
        const again = await phases.time("no-op up", () => stack.up({ onOutput: () => undefined }));
        assert.deepStrictEqual(Object.keys(again.summary.resourceChanges ?? {}).filter((k) => k !== "same"), [], "a second up changes nothing");
    });

    it("split 80/20 through the HTTPRoute, then 0/100 and 100/0 by its weights alone: no pod restarted", async () => {
        const s = await drill("split", { weights: [80, 20] });
        const share = s.checks.find((c) => c.name === "split share");
        assert.ok(share?.ok && Number(/over (\d+) requests/.exec(share.detail)?.[1]) >= SPLIT_MIN_REQUESTS, share?.detail);
        const before = await podsWhen(6);
        await drill("split", { weights: [0, 100] });
        await drill("split", { weights: [100, 0] });
        assert.deepStrictEqual(pods(), before, "the same pods (names and uids): weights moved without a restart");
    });

    it("rolling update v1.0.0 -> v1.1.0 meshed at 500 qps: >= 10,000 requests, none failed", async () => {
        const stack = lab.opened;
        await stack.removeConfig("netlab:workloads[0].split", true);
        await phases.time("split removed", () => stack.up({ onOutput: () => undefined }));
        await podsWhen(3);
        const r = await drill("rolling");
        assert.deepStrictEqual(r.plan.expect.serving, ["v1.1.0"]);
        const served = r.report.versions[r.report.route];
        assert.ok((served["v1.0.0"] ?? 0) > 0 && (served["v1.1.0"] ?? 0) > 0, `both versions served during the update: ${JSON.stringify(served)}`);
        assert.ok(Object.values(await podsWhen(3)).every((p) => / v1\.1\.0 .*linkerd-proxy/.test(p)));
    });

    it("the mesh removed in place: pods rolled without proxies, Linkerd's namespace, CRDs and webhooks gone; a rolling update unmeshed, none failed", async () => {
        const stack = lab.opened;
        await stack.setConfig("netlab:mesh", { value: "none" });
        const result = await phases.time("mesh removed", () => stack.up({ onOutput: () => undefined }));
        assertMatrix(result.outputs.checks.value as Record<string, string>, false);
        const unmeshed = await podsWhen(3);
        assert.ok(Object.values(unmeshed).every((p) => !p.includes("linkerd")), JSON.stringify(unmeshed));
        assert.strictEqual(kubectl("get", "namespaces", "-o", "name").split("\n").filter((n) => n === "namespace/linkerd").length, 0);
        assert.strictEqual(kubectl("get", "crds", "-o", "name").split("\n").filter((n) => /linkerd\.io|gateway\.networking\.k8s\.io/.test(n)).length, 0);
        assert.strictEqual(kubectl("get", "mutatingwebhookconfigurations,validatingwebhookconfigurations", "-o", "name").split("\n").filter((n) => n.includes("linkerd")).length, 0);
        const r = await drill("rolling");
        assert.deepStrictEqual(r.plan.expect.serving, ["v1.2.0"]);
    });

    it("destroy removes the lab: no container, network or image of the stack left", async () => {
        const stack = lab.opened;
        await phases.time("destroy", () => stack.destroy({ onOutput: () => undefined }));
        assert.deepStrictEqual(dockerObjects(lab.prefix), { containers: [], networks: [], images: [] });
    });
});
