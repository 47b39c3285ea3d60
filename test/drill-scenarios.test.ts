import * as assert from "assert";
import { Sample } from "../lib/drill/inputs";
import { canaryRequests, DrillReport } from "../lib/drill/report";
import { nextVersion, planDrill, previousVersion, settingChanges, WorkloadNow } from "../lib/drill/scenarios";
import { afterChange, drillChecks, whyUpFailed } from "../lib/drill/checks";

const stable = (v: string): WorkloadNow => ({
    deployment: { state: "successful" },
    instances: ["10.32.0.2:8081 u1 " + v, "10.32.0.3:8081 u2 " + v],
    history: [{ jobVersion: 3, stable: true, versions: [v] }, { jobVersion: 2, stable: false, versions: ["v9.9.9"] }, { jobVersion: 1, stable: true, versions: ["v1.0.0"] }],
});
const waiting: WorkloadNow = {
    deployment: { state: "awaiting-promotion" },
    instances: ["10.32.0.2:8081 u1 v1.1.0", "10.32.0.3:8081 u2 v1.1.0", "10.32.0.4:8081 u3 v1.2.0 canary"],
    history: [{ jobVersion: 5, stable: false, versions: ["v1.2.0"] }, { jobVersion: 4, stable: true, versions: ["v1.1.0"] }],
};

describe("drill scenarios: the change each makes, and what it expects", () => {
    it("versions move up a minor step by default", () => {
        assert.strictEqual(nextVersion("v1.9.3"), "v1.10.0");
        assert.throws(() => nextVersion("1.0"), /vX\.Y\.Z/);
    });
    it("rolling and the canary strategies set the strategy and the next version; canaries are left waiting", () => {
        const w = { name: "web", version: "v1.1.0", count: 3, promote: true };
        const rolling = planDrill("rolling", w, stable("v1.1.0"));
        assert.deepStrictEqual([rolling.settings.strategy, rolling.settings.version, rolling.settings.promote], ["rolling", "v1.2.0", true]);
        assert.deepStrictEqual(rolling.expect.serving, ["v1.2.0"]);
        const canary = planDrill("canary", w, stable("v1.1.0"));
        assert.deepStrictEqual([canary.settings.strategy, canary.settings.promote, canary.expect.serving], ["canary", false, ["v1.1.0", "v1.2.0"]]);
        const isolated = planDrill("canary-isolated", w, stable("v1.1.0"));
        assert.deepStrictEqual([isolated.expect.serving, isolated.expect.isolated], [["v1.1.0"], "v1.2.0"], "production keeps the old version only");
        assert.strictEqual(planDrill("blue-green", w, stable("v1.1.0"), { version: "v2.0.0" }).settings.version, "v2.0.0");
    });
    it("promote needs a deployment waiting for it, and says what to run first", () => {
        assert.throws(() => planDrill("promote", { version: "v1.1.0" }, stable("v1.1.0")), /nothing waits for promotion.*run a canary/);
        const p = planDrill("promote", { version: "v1.2.0", strategy: "canary" }, waiting);
        assert.deepStrictEqual([p.settings.promote, p.expect.serving], [true, ["v1.2.0"]]);
    });
    it("revert goes back to what production runs under a waiting canary, else to the last stable job version of another version", () => {
        assert.strictEqual(previousVersion("v1.2.0", waiting), "v1.1.0");
        assert.strictEqual(previousVersion("v1.3.0", stable("v1.3.0")), "v1.0.0", "the unstable v9.9.9 is skipped");
        assert.throws(() => previousVersion("v1.0.0", { deployment: null, instances: [], history: [{ jobVersion: 0, stable: true, versions: ["v1.0.0"] }] }), /no earlier stable version/);
        const r = planDrill("revert", { version: "v1.2.0", strategy: "canary" }, waiting);
        assert.deepStrictEqual([r.settings.version, r.settings.promote, r.expect.serving], ["v1.1.0", true, ["v1.1.0"]]);
    });
    it("revert-failed injects the fault into a new version, expects up to fail with production unchanged, and restores the settings", () => {
        const w = { name: "web", version: "v1.1.0" };
        const p = planDrill("revert-failed", w, stable("v1.1.0"));
        assert.deepStrictEqual([p.settings.version, p.settings.fault, p.expect.upFails, p.expect.serving], ["v1.2.0", "unhealthy", true, ["v1.1.0"]]);
        assert.deepStrictEqual(p.restore, w);
    });
    it("split: the workload's version and the next (or the split's other one) with the given weights", () => {
        const s = planDrill("split", { version: "v1.0.0" }, stable("v1.0.0"), { weights: [80, 20] });
        assert.deepStrictEqual(s.settings.split, { "v1.0.0": 80, "v1.1.0": 20 });
        assert.deepStrictEqual(s.expect.share, { "v1.0.0": 0.8, "v1.1.0": 0.2 });
        const shift = planDrill("split", { version: "v1.0.0", split: { "v1.0.0": 80, "v1.5.0": 20 } }, stable("v1.0.0"), { weights: [0, 100] });
        assert.deepStrictEqual([shift.settings.split, shift.expect.serving], [{ "v1.0.0": 0, "v1.5.0": 100 }, ["v1.5.0"]]);
        assert.throws(() => planDrill("split", { version: "v1.0.0" }, stable("v1.0.0"), { weights: [80, 30] }), /sum to 100/);
    });
    it("config writes: one per changed field, a split written whole, removed fields removed", () => {
        const ch = settingChanges(1, { name: "web", version: "v1.0.0", split: { "v1.0.0": 80, "v1.1.0": 20 }, fault: "unhealthy" },
            { name: "web", version: "v1.1.0", split: { "v1.0.0": 20, "v1.1.0": 80 }, promote: true, fault: undefined });
        assert.deepStrictEqual(ch.remove.sort(), ["netlab:workloads[1].fault", "netlab:workloads[1].split"]);
        assert.deepStrictEqual(ch.set, [["netlab:workloads[1].version", "v1.1.0"], ['netlab:workloads[1].split["v1.0.0"]', "20"],
            ['netlab:workloads[1].split["v1.1.0"]', "80"], ["netlab:workloads[1].promote", "true"]]);
    });
});

const sample = (t: number, instances: [string, string, boolean, number][]): Sample =>
    ({ t, instances: instances.map(([id, version, canary, n]) => ({ id, version, canary, served: { "/web": n } })) });

describe("drill checks", () => {
    it("requests served by canaries on production's route count from the canary's start, and only while it is a canary", () => {
        const samples = [
            sample(0, [["a", "v1", false, 100]]),
            sample(1000, [["a", "v1", false, 200], ["c", "v2", true, 0]]),
            sample(2000, [["a", "v1", false, 300], ["c", "v2", true, 0]]),
        ];
        assert.strictEqual(canaryRequests(samples, "/web"), 0);
        samples.push(sample(3000, [["a", "v1", false, 400], ["c", "v2", true, 7]]), sample(4000, [["c", "v2", false, 107]]));
        assert.strictEqual(canaryRequests(samples, "/web"), 7, "after promotion its requests are production's");
    });

    const report = (over: Partial<DrillReport>): DrillReport => ({
        stack: "s", scenario: "rolling", workload: "web", route: "/web", canaryRoute: "/web-canary", loadStart: "",
        requests: { total: 12000, ok: 12000, non2xx: 0, socketErrors: 0, byCode: { 200: 12000 } }, failed: 0,
        latencyMs: { p50: 1, p90: 2, p99: 3, avg: 1, max: 4 }, errorLatencyMs: null, qps: { requested: 500, actual: 500 }, sockets: 16,
        loadSeconds: 30, change: { startS: 3, endS: 20, seconds: 17, ok: true, message: null },
        versions: { "/web": { v1: 6000, v2: 6000 } }, share: {},
        timeline: [{ t: 10, route: "/web", version: "v1", requests: 500, seconds: 1 }, { t: 25, route: "/web", version: "v2", requests: 2400, seconds: 1 },
            { t: 25, route: "/web", version: "v1", requests: 0, seconds: 1 }],
        ...over,
    });
    const plan = { settings: {}, describe: "x", expect: { upFails: false, serving: ["v2"] } };
    const failedOf = (r: DrillReport, p = plan): string[] => drillChecks(p, r, [], 10000).filter((c) => !c.ok).map((c) => c.name);

    it("a clean drill passes every check; production after the change is read from the timeline", () => {
        assert.deepStrictEqual(failedOf(report({})), []);
        assert.deepStrictEqual(afterChange(report({}), "/web"), { v2: 2400, v1: 0 });
    });
    it("one failed request, too few requests, an old version still served, or a change outlasting the load each fail", () => {
        assert.deepStrictEqual(failedOf(report({ failed: 1, requests: { total: 12000, ok: 11999, non2xx: 1, socketErrors: 0, byCode: {} } })), ["no failed request"]);
        assert.deepStrictEqual(failedOf(report({ requests: { total: 9000, ok: 9000, non2xx: 0, socketErrors: 0, byCode: {} } })), ["requests"]);
        assert.deepStrictEqual(failedOf(report({ timeline: [{ t: 25, route: "/web", version: "v1", requests: 5, seconds: 1 }] })), ["serving after the change"]);
        assert.deepStrictEqual(failedOf(report({ loadSeconds: 19 })), ["load covers the change"]);
    });
    it("an up that must fail (auto_revert) fails the check when it succeeds", () => {
        assert.deepStrictEqual(failedOf(report({}), { ...plan, expect: { ...plan.expect, upFails: true } }), ["up"]);
    });
    it("a split's share after the change must be within 5 points over at least 2,000 requests", () => {
        const split = { ...plan, expect: { upFails: false, serving: ["v1", "v2"], share: { v1: 0.8, v2: 0.2 } } };
        const rows = (a: number, b: number): DrillReport["timeline"] => [{ t: 25, route: "/web", version: "v1", requests: a, seconds: 1 }, { t: 25, route: "/web", version: "v2", requests: b, seconds: 1 }];
        assert.deepStrictEqual(failedOf(report({ timeline: rows(1600, 400) }), split), []);
        assert.deepStrictEqual(failedOf(report({ timeline: rows(1520, 480) }), split), [], "76/24: 4 points off");
        assert.deepStrictEqual(failedOf(report({ timeline: rows(1480, 520) }), split), ["split share"]);
        assert.deepStrictEqual(failedOf(report({ timeline: rows(800, 200) }), split), ["split share"], "too few requests");
    });
    it("a failed up is told by netlab's own lines", () => {
        const text = "Updating\n  nomad-job: the deployment failed: x.\n  nomad-job: the deployment failed: x.\n  Fix: set y\nResources: 2 errored";
        assert.strictEqual(whyUpFailed(text), "nomad-job: the deployment failed: x.\nFix: set y");
        assert.strictEqual(whyUpFailed("a\nb"), "a\nb");
    });
});
