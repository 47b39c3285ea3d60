/**
 * e2e for the drills (npm run drill, seeds 001, 003, 004) on a weave-lab stack: fabio in front
 * of httpbackend, every upgrade pattern performed by `pulumi up` while fortio sends 500
 * requests/s through fabio from a lab host, each drill at least 10,000 requests:
 *   rolling; canary (waits), promote; canary-isolated (waits), promote; blue-green (waits),
 *   promote; revert; a deployment that fails its checks, rolled back by auto_revert; a split
 *   80/20, then shifted to 0/100 without restarting an instance.
 * Every drill must end with 0 failed requests; an isolated canary must serve no production
 * request; a split must measure within 5 points of its weights over at least 2,000 requests.
 * Then destroy leaves nothing. The reports and charts go to .netlab/drills/e2e-drill/.
 */
import * as assert from "assert";
import * as path from "path";
import { SPLIT_MIN_REQUESTS } from "../../lib/drill/checks";
import { changed, checkPrerequisites, dockerObjects, drillRunner, LabStack, Phases, ROOT, sh } from "./lab";

interface WorkloadOut { deployment: { state: string; jobVersion: number }; instances: string[]; history: { jobVersion: number }[] }

describe("e2e: drills on weave-lab (fabio, Nomad's upgrade patterns under 500 qps)", function () {
    this.timeout(60 * 60 * 1000);
    const phases = new Phases();
    const lab = new LabStack("e2e-drill", "weave-lab");
    const outDir = path.join(ROOT, ".netlab", "drills", "e2e-drill");
    const tables: string[] = [];

    before(function () {
        checkPrerequisites();
    });

    after(async function () {
        console.log(`      phases: ${phases.times.map(([n, s]) => `${n} ${s.toFixed(1)} s`).join(", ")}`);
        console.log(tables.join("\n\n"));
        await lab.dispose().catch(() => undefined);
    });

    const workload = async (): Promise<WorkloadOut> =>
        ((await lab.opened.outputs()).workloads.value as Record<string, WorkloadOut>).httpbackend;

    const drill = drillRunner(lab, phases, outDir, tables);

    it("pulumi up: the lab with fabio, httpbackend v1.0.0 rolled out", async () => {
        const stack = await lab.open();
        const result = await phases.time("up", () => stack.up({ onOutput: () => undefined }));
        assert.strictEqual(result.summary.result, "succeeded");
        const w = await workload();
        assert.strictEqual(w.deployment.state, "successful");
        assert.ok(w.instances.every((i) => / v1\.0\.0$/.test(i)) && w.instances.length === 3, w.instances.join("\n"));
    });

    it("rolling: v1.0.0 -> v1.1.0, one instance at a time, no failed request", async () => {
        const r = await drill("rolling");
        assert.deepStrictEqual(r.plan.expect.serving, ["v1.1.0"]);
        assert.ok((r.report.versions[r.report.route]["v1.0.0"] ?? 0) > 0 && (r.report.versions[r.report.route]["v1.1.0"] ?? 0) > 0, "both versions served during the update");
    });

    it("canary: one canary of v1.2.0 takes its share of production, the deployment waits; promote finishes it", async () => {
        const c = await drill("canary");
        assert.strictEqual((await workload()).deployment.state, "awaiting-promotion");
        assert.ok((c.report.versions[c.report.route]["v1.2.0"] ?? 0) > 0, "the canary serves production");
        await drill("promote");
        const w = await workload();
        assert.strictEqual(w.deployment.state, "successful");
        assert.ok(w.instances.every((i) => / v1\.2\.0$/.test(i)), w.instances.join("\n"));
    });

    it("canary-isolated: the canary answers only on its own route, production never reaches it; promote finishes it", async () => {
        await drill("canary-isolated");
        assert.strictEqual((await workload()).deployment.state, "awaiting-promotion");
        await drill("promote");
        assert.ok((await workload()).instances.every((i) => / v1\.3\.0$/.test(i)));
    });

    it("blue-green: as many canaries as instances, both versions serve; promote retires the old ones", async () => {
        const bg = await drill("blue-green");
        const waiting = await workload();
        assert.strictEqual(waiting.deployment.state, "awaiting-promotion");
        assert.strictEqual(waiting.instances.filter((i) => / canary$/.test(i)).length, 3, waiting.instances.join("\n"));
        assert.ok((bg.report.versions[bg.report.route]["v1.4.0"] ?? 0) > 0);
        await drill("promote");
        assert.ok((await workload()).instances.every((i) => / v1\.4\.0$/.test(i)));
    });

    it("revert: back to the previous version (v1.3.0), the job history keeps both", async () => {
        const r = await drill("revert");
        assert.deepStrictEqual(r.plan.expect.serving, ["v1.3.0"]);
        const w = await workload();
        assert.ok(w.instances.every((i) => / v1\.3\.0$/.test(i)));
        assert.ok(w.history.length >= 6, `job versions kept: ${JSON.stringify(w.history)}`);
    });

    it("a release that fails its checks: up fails, auto_revert leaves the previous version serving, no failed request", async () => {
        const before = await workload();
        const r = await drill("revert-failed");
        assert.match(r.report.change.message ?? "", /auto_revert rolled httpbackend back to job version \d+ \(v1\.3\.0\)/);
        assert.match(r.report.change.message ?? "", /Fix: set netlab:workloads\[0\]\.version/);
        const config = JSON.parse((await lab.opened.getConfig("netlab:workloads")).value) as { version: string; fault?: string }[];
        assert.deepStrictEqual([config[0].version, config[0].fault], ["v1.3.0", undefined], "the drill put the config back");
        // Nomad's own history (the outputs are those of the job step's last successful run).
        const nomad = (await lab.opened.outputs()).NOMAD_ADDR.value as string;
        const versions = (JSON.parse(sh("curl", ["-fsS", `${nomad}/v1/job/httpbackend/versions`])) as
            { Versions: { Version: number; Stable: boolean; TaskGroups: { Tasks: { Env: Record<string, string> }[] }[] }[] }).Versions
            .map((v) => ({ jobVersion: v.Version, stable: v.Stable, version: v.TaskGroups[0].Tasks[0].Env.HTTPBACKEND_VERSION }))
            .sort((a, b) => b.jobVersion - a.jobVersion);
        console.log(`      nomad job history: ${versions.slice(0, 4).map((v) => `${v.jobVersion} ${v.version}${v.stable ? " stable" : ""}`).join(", ")}`);
        assert.deepStrictEqual(versions.slice(0, 2).map((v) => [v.jobVersion, v.version, v.stable]),
            [[before.history[0].jobVersion + 2, "v1.3.0", true], [before.history[0].jobVersion + 1, "v1.4.0", false]],
            "the failed release and the rollback, newest first");
        const stack = lab.opened;
        const again = await phases.time("up after the failed release", () => stack.up({ onOutput: () => undefined }));
        assert.deepStrictEqual(changed(again), {}, "the config is back where the lab is: nothing to do");
        const after = await workload();
        assert.ok(after.instances.every((i) => / v1\.3\.0$/.test(i)));
    });

    it("split 80/20 by fabio weights, then 0/100 by weights alone: no instance restarted, no new job version", async () => {
        const s = await drill("split", { weights: [80, 20] });
        const check = s.checks.find((c) => c.name === "split share");
        assert.ok(check?.ok && new RegExp(`over (\\d+) requests`).test(check.detail));
        assert.ok(Number(/over (\d+) requests/.exec(check.detail)?.[1]) >= SPLIT_MIN_REQUESTS);
        const before = await workload();
        await drill("split", { weights: [0, 100] });
        const after = await workload();
        assert.strictEqual(after.history[0].jobVersion, before.history[0].jobVersion, "weights are fabio's: the job is unchanged");
        assert.deepStrictEqual(after.instances.sort(), before.instances.sort(), "the same instances, none restarted");
    });

    it("destroy removes the lab: no container, network or image of the stack left", async () => {
        const stack = lab.opened;
        await phases.time("destroy", () => stack.destroy({ onOutput: () => undefined }));
        assert.deepStrictEqual(dockerObjects(lab.prefix), { containers: [], networks: [], images: [] });
    });
});
