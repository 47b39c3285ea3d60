/**
 * runDrill (lib/drill/run.ts) end to end against a fake lab: a stack that keeps its config
 * and performs (or fails) `up`, a load host that answers each step of host-scripts/drill-load.sh
 * with a recorded fortio result (test/fixtures/drill) and the sampler's ticks, and a clock that
 * moves only when the drill waits or `up` runs.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DrillArgs } from "../lib/drill/args";
import { CANARY_PROBES } from "../lib/drill/checks";
import { drillTable, runDrill } from "../lib/drill/run";
import { FORTIO_IMAGE } from "../lib/drill/target";
import { Clock, HostOut, HostRunner, LabStack } from "../lib/lab";

const T0 = Date.UTC(2026, 11, 4, 12, 0, 0);
const FIXTURES = path.join(__dirname, "fixtures", "drill");

const HOSTS: HostOut[] = ["u1", "u2", "u3"].map((name, i) => ({
    name, labAddress: `192.168.56.${i + 3}`, ssh: { host: "127.0.0.1", port: 2200 + i, user: "root" },
}));

class FakeClock implements Clock {
    t = T0;
    now(): number {
        return this.t;
    }
    sleep(ms: number): Promise<void> {
        this.t += ms;
        return Promise.resolve();
    }
}

type Workload = Record<string, unknown>;

/** A stack with netlab:workloads (structured, written by path as `pulumi config set --path` does) and other keys; `up` takes `upSeconds`. */
class FakeStack implements LabStack {
    readonly name: string;
    workloads: Workload[];
    /** The workloads as each `up` saw them. */
    upSaw: Workload[][] = [];
    constructor(name: string, private readonly out: Record<string, unknown>, workloads: Workload[], private readonly clock: FakeClock,
        private readonly config: Record<string, string> = {}, private readonly upSeconds = 4, private readonly upError?: string) {
        this.name = name;
        this.workloads = structuredClone(workloads);
    }
    outputs(): Promise<Record<string, unknown>> {
        return Promise.resolve(this.out);
    }
    getConfig(key: string): Promise<string> {
        const v = key === "netlab:workloads" ? JSON.stringify(this.workloads) : this.config[key];
        return v === undefined ? Promise.reject(new Error(`configuration key '${key}' not found for stack '${this.name}'`)) : Promise.resolve(v);
    }
    private field(key: string): { holder: Record<string, unknown>; name: string } {
        const m = /^netlab:workloads\[(\d+)\]\.(\w+)(?:\["([^"]+)"\])?$/.exec(key);
        assert.ok(m, `a path into netlab:workloads, not ${key}`);
        const w = this.workloads[Number(m[1])];
        return m[3] === undefined ? { holder: w, name: m[2] } : { holder: (w[m[2]] ??= {}) as Record<string, unknown>, name: m[3] };
    }
    setConfig(key: string, value: string, opts: { path?: boolean } = {}): Promise<void> {
        assert.ok(opts.path, `${key} is set by path`);
        const { holder, name } = this.field(key);
        holder[name] = /^(true|false|\d+)$/.test(value) ? JSON.parse(value) : value;
        return Promise.resolve();
    }
    removeConfig(key: string, opts: { path?: boolean } = {}): Promise<void> {
        assert.ok(opts.path, `${key} is removed by path`);
        const { holder, name } = this.field(key);
        delete holder[name];
        return Promise.resolve();
    }
    up(onOutput: (text: string) => void): Promise<void> {
        this.upSaw.push(structuredClone(this.workloads));
        this.clock.t += this.upSeconds * 1000;
        onOutput("Updating (weave-lab):\n");
        return this.upError === undefined ? Promise.resolve() : Promise.reject(new Error(this.upError));
    }
}

/** One rendered script's NETLAB_* inputs (renderScript's `NAME='value'` lines). */
function inputsOf(script: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const m of script.matchAll(/^(NETLAB_[A-Z0-9_]+)='((?:[^']|'\\'')*)'$/gm)) {
        out[m[1]] = m[2].replace(/'\\''/g, "'");
    }
    return out;
}

/** The load's host: what each action of drill-load.sh prints, from a recorded fortio result and the given ticks. */
class FakeHost implements HostRunner {
    calls: { host: string; inputs: Record<string, string> }[] = [];
    imports: { tarball: string; hosts: string[]; ref: string }[] = [];
    constructor(private readonly fortio: object, private readonly samples: object[], private readonly probe = "") {}
    get actions(): string[] {
        return this.calls.map((c) => c.inputs.NETLAB_ACTION);
    }
    input(action: string): Record<string, string> {
        return this.calls.find((c) => c.inputs.NETLAB_ACTION === action)?.inputs ?? {};
    }
    run(host: HostOut, script: string): string {
        const inputs = inputsOf(script);
        this.calls.push({ host: host.name, inputs });
        switch (inputs.NETLAB_ACTION) {
            case "start": return `drill-load: fortio started (${inputs.NETLAB_QPS} qps to ${inputs.NETLAB_URL})\n`;
            case "probe": return this.probe;
            case "stop": return "drill-load: stopped\n";
            case "cat-result": return JSON.stringify(this.fortio);
            case "cat-samples": return this.samples.map((s) => JSON.stringify(s)).join("\n") + "\n";
            default: return "";
        }
    }
    runAsync(): Promise<string> {
        return Promise.reject(new Error("a drill waits for each step"));
    }
    importImage(tarball: string, hosts: HostOut[], ref: string): void {
        this.imports.push({ tarball, hosts: hosts.map((h) => h.name), ref });
    }
}

/** A recorded fortio run (test/fixtures/drill), as long as the drill's load lasted. */
function recordedFortio(name: string, seconds: number): object {
    return { ...JSON.parse(fs.readFileSync(path.join(FIXTURES, name), "utf8")) as object, ActualDuration: seconds * 1e9 };
}

/** Ticks once a second over `seconds`: each instance's cumulative counters, from `served(t, id)` (undefined: not there). */
function ticks(seconds: number, instances: { id: string; version: string; canary?: boolean }[],
    served: (t: number, id: string) => Record<string, number> | undefined): object[] {
    const out: object[] = [];
    for (let t = 1; t <= seconds; t++) {
        out.push({
            t: T0 + t * 1000,
            instances: instances.flatMap((i) => {
                const s = served(t, i.id);
                return s === undefined ? [] : [{ id: i.id, version: i.version, canary: i.canary === true, served: s }];
            }),
        });
    }
    return out;
}

const weaveOutputs = (instances: string[], deployment: object | null = null): Record<string, unknown> => ({
    scenario: "weave-nomad", hosts: HOSTS,
    workloads: { httpbackend: { deployment, instances, history: [{ jobVersion: 0, stable: true, versions: ["v1.0.0"] }], fabioRoute: "/httpbackend/" } },
});
const PROD = ["10.32.0.2:8081 u2 v1.0.0", "10.32.0.3:8081 u3 v1.0.0"];
const WORKLOADS: Workload[] = [{ name: "httpbackend", version: "v1.0.0", strategy: "rolling", count: 2 }];

describe("drill run: runDrill against a fake lab (lib/drill/run.ts)", () => {
    let out: string;
    let lines: string[];
    const args = (over: Partial<DrillArgs>): DrillArgs => ({
        scenario: "rolling", qps: 200, minRequests: 600, maxSeconds: 600, outDir: out, log: (l) => lines.push(l), upOutput: () => undefined, ...over,
    });
    beforeEach(() => {
        out = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-drill-run-"));
        lines = [];
    });
    afterEach(() => fs.rmSync(out, { recursive: true, force: true }));

    it("revert-failed: the fault goes in, `up` fails as auto_revert makes it, production stays, the config is put back", async () => {
        const clock = new FakeClock();
        const nomad = "error: update failed\nnomad-job: the deployment of httpbackend failed and was rolled back (auto_revert)\nFix: see nomad job history\n";
        const stack = new FakeStack("weave-lab", weaveOutputs(PROD), WORKLOADS, clock, {}, 4, nomad);
        // Two production instances serve 25 requests a second each; the failing v1.1.0 instance comes and goes during the change.
        const samples = ticks(12, [{ id: "a", version: "v1.0.0" }, { id: "b", version: "v1.0.0" }, { id: "x", version: "v1.1.0" }],
            (t, id) => (id === "x" ? (t >= 4 && t <= 6 ? { "/httpbackend": 0 } : undefined) : { "/httpbackend": 25 * t }));
        const host = new FakeHost(recordedFortio("fortio.json", 12), samples);
        const r = await runDrill({ stack, hosts: host, clock }, args({ scenario: "revert-failed" }));

        assert.deepStrictEqual(stack.upSaw, [[{ ...WORKLOADS[0], version: "v1.1.0", fault: "unhealthy", promote: true }]], "up ran once, on the faulty version");
        assert.deepStrictEqual(stack.workloads, WORKLOADS, "the config is back as it was before the drill");
        assert.ok(lines.includes("config restored to the settings before the drill (the failed version is not kept)"));
        assert.deepStrictEqual(host.actions, ["start", "stop", "cat-result", "cat-samples", "clean"]);
        assert.ok(host.calls.every((c) => c.host === "u1" && c.inputs.NETLAB_DIR === "/var/lib/netlab-drill/weave-lab"), "every step on the first host");
        const start = host.input("start");
        assert.deepStrictEqual([start.NETLAB_RUNNER, start.NETLAB_PORT, start.NETLAB_URL, start.NETLAB_QPS, start.NETLAB_SCHEME, start.NETLAB_SERVICE],
            ["host", "8081", "http://192.168.56.4:9999/httpbackend/", "200", "http", "httpbackend"], "fortio on the first host, to fabio on the second");

        assert.deepStrictEqual(r.checks.filter((c) => !c.ok), [], drillTable(r));
        assert.deepStrictEqual(r.checks.map((c) => c.name), ["requests", "no failed request", "up", "load covers the change", "serving after the change"]);
        assert.strictEqual(r.report.change.ok, false);
        assert.strictEqual(r.report.change.message, "nomad-job: the deployment of httpbackend failed and was rolled back (auto_revert)\nFix: see nomad job history");
        assert.deepStrictEqual([r.report.change.startS, r.report.change.endS, r.report.requests.total], [3, 7, 600]);
        assert.deepStrictEqual(r.report.versions["/httpbackend"], { "v1.0.0": 550, "v1.1.0": 0 });

        assert.deepStrictEqual(Object.values(r.files).map((f) => path.basename(f)), ["drill-revert-failed-20261204T120000.json", "drill-revert-failed-20261204T120000.png"]);
        const saved = JSON.parse(fs.readFileSync(r.files.json, "utf8")) as { checks: unknown[]; scenario: string };
        assert.deepStrictEqual([saved.scenario, saved.checks], ["revert-failed", r.checks]);
        assert.ok(fs.readFileSync(r.files.png).subarray(1, 4).toString() === "PNG");
        assert.match(drillTable(r), /\| check: up \| PASS must fail \(auto_revert\): nomad-job: the deployment/);
    });

    it("canary-isolated: the canary's own route is probed after `up`; a production request reaching the canary fails the drill", async () => {
        const run = async (leak: number): Promise<{ r: Awaited<ReturnType<typeof runDrill>>; host: FakeHost; stack: FakeStack }> => {
            const clock = new FakeClock();
            const stack = new FakeStack("weave-lab", weaveOutputs(PROD), WORKLOADS, clock);
            // The canary (v1.1.0) appears at 5 s; the probe's 50 requests reach it at 9 s; `leak` production requests reach it at 10 s.
            const samples = ticks(12, [{ id: "a", version: "v1.0.0" }, { id: "b", version: "v1.0.0" }, { id: "c", version: "v1.1.0", canary: true }],
                (t, id): Record<string, number> | undefined => (id !== "c" ? { "/httpbackend": 25 * t } : t < 5 ? undefined
                    : { "/httpbackend": t >= 10 ? leak : 0, "/httpbackend-canary": t >= 9 ? CANARY_PROBES : 0 }));
            const host = new FakeHost(recordedFortio("fortio.json", 12), samples, "     50 this is httpbackendservice, version: v1.1.0\n");
            const r = await runDrill({ stack, hosts: host, clock }, args({ scenario: "canary-isolated" }));
            return { r, host, stack };
        };
        const { r, host, stack } = await run(0);
        assert.deepStrictEqual(host.actions, ["start", "probe", "stop", "cat-result", "cat-samples", "clean"]);
        assert.deepStrictEqual([host.input("probe").NETLAB_URL, host.input("probe").NETLAB_COUNT], ["http://192.168.56.4:9999/httpbackend-canary/", "50"]);
        assert.deepStrictEqual(stack.workloads, [{ ...WORKLOADS[0], strategy: "canary-isolated", version: "v1.1.0", promote: false }], "the change stays");
        assert.deepStrictEqual(r.checks.filter((c) => !c.ok), [], drillTable(r));
        assert.ok(r.checks.some((c) => c.name === "canary route" && c.ok));
        assert.strictEqual((r.report.expected as { canaryProbe?: string }).canaryProbe, "50 this is httpbackendservice, version: v1.1.0");

        const leaked = (await run(7)).r;
        assert.deepStrictEqual(leaked.checks.filter((c) => !c.ok).map((c) => c.name), ["serving after the change", "isolated canary"]);
        assert.strictEqual(leaked.checks.find((c) => c.name === "isolated canary")!.detail, "7 production requests reached a canary (v1.1.0)");
    });

    it("kube-lab: fortio's image imported into the control-plane node, the load in a (meshed) pod; failed requests fail the drill, and the host is cleaned after an error", async () => {
        const clock = new FakeClock();
        const outputs = { scenario: "kubeadm", hosts: HOSTS, workloads: { web: { deployment: null, instances: [], history: [], fabioRoute: "" } } };
        const stack = new FakeStack("mesh-lab", outputs, [{ name: "web", version: "v1.0.0" }], clock,
            { "netlab:mesh": "linkerd", "netlab:artifactsDir": "/srv/artifacts" }, 6);
        const samples = ticks(12, [{ id: "p1", version: "v1.0.0" }, { id: "p2", version: "v1.1.0" }],
            (t, id) => (id === "p1" ? { "/": t <= 8 ? 20 * t : 160 } : t >= 5 ? { "/": t <= 8 ? 0 : 10 * (t - 8) } : undefined));
        const host = new FakeHost(recordedFortio("fortio-503.json", 14), samples);
        const r = await runDrill({ stack, hosts: host, clock }, args({ qps: 100, minRequests: 200 }));
        assert.deepStrictEqual(host.imports, [{ tarball: "/srv/artifacts/images/fortio.tar", hosts: ["u1"], ref: FORTIO_IMAGE }]);
        const start = host.input("start");
        assert.deepStrictEqual([start.NETLAB_RUNNER, start.NETLAB_NODE, start.NETLAB_MESH, start.NETLAB_URL, start.NETLAB_IMAGE],
            ["pod", "u1", "linkerd", "http://web.default.svc.cluster.local:8081/", FORTIO_IMAGE]);
        assert.deepStrictEqual(stack.upSaw, [[{ name: "web", version: "v1.1.0" }]]);
        assert.deepStrictEqual(r.checks.filter((c) => !c.ok).map((c) => c.name), ["no failed request"]);
        assert.match(r.checks.find((c) => c.name === "no failed request")!.detail, /^47 failed: 47 non-2xx, 0 socket errors/);

        const broken = new FakeHost({ error: true, message: "fortio died" }, samples);
        await assert.rejects(runDrill({ stack, hosts: broken, clock: new FakeClock() }, args({ qps: 100, minRequests: 200 })), /fortio result: the run failed: fortio died/);
        assert.deepStrictEqual(broken.actions.slice(-2), ["cat-result", "clean"], "the load's host is cleaned when the drill fails");
    });

    it("refuses a stack that is not up, and a workload that is not configured", async () => {
        const clock = new FakeClock();
        const host = new FakeHost({}, []);
        await assert.rejects(runDrill({ stack: new FakeStack("dev", { hosts: HOSTS }, WORKLOADS, clock), hosts: host, clock }, args({})),
            /^Error: stack dev has no weave-nomad or kubeadm lab up \(outputs: hosts\): drills run on a stack after pulumi up$/);
        await assert.rejects(runDrill({ stack: new FakeStack("weave-lab", weaveOutputs(PROD), WORKLOADS, clock), hosts: host, clock }, args({ workload: "web" })),
            /^Error: no workload 'web' in netlab:workloads \(httpbackend\)$/);
        assert.deepStrictEqual(host.calls, [], "nothing ran on a host");
    });
});
