import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { benchChartSpecs, renderBenchCharts, testChartSpec } from "../lib/bench/charts";
import { renderSpecPng } from "../lib/charts";
import { renderReportMarkdown } from "../lib/bench/markdown";
import { BenchResults, BenchRound, parseBenchResults, readBenchResults, Test } from "../lib/bench/results";
import { SEED_RANKINGS } from "../lib/bench/seed";
import { seedComparison } from "../lib/bench/seed-comparison";
import { midranks, ranks, spearman, summarize } from "../lib/bench/stats";
import { benchTables } from "../lib/bench/tables";
import { verdict } from "../lib/bench/verdict";

const FIXTURE = path.join(__dirname, "fixtures", "bench", "results.json");

/** The hand-written fixture (plausible numbers, not a measurement), parsed. */
function fixture(): BenchResults {
    return readBenchResults(FIXTURE);
}

/** The fixture's JSON, for breaking. */
function fixtureJson(): Record<string, unknown> {
    return JSON.parse(fs.readFileSync(FIXTURE, "utf8")) as Record<string, unknown>;
}

function close(actual: number | null, expected: number, what: string): void {
    assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${what}: ${actual} vs ${expected}`);
}

/** A CNI round with the same value for every run of every test given. */
function cni(name: string, mbits: Partial<Record<Test, number>>, over: Partial<BenchRound> = {}): BenchRound {
    const [cniName, encrypted] = name.endsWith("-encrypted") ? [name.slice(0, -"-encrypted".length), true] : [name, false];
    return {
        name, kind: "cni", cni: cniName, encrypted,
        samples: Object.fromEntries(Object.entries(mbits).map(([t, v]) => [t, [v * 0.99, v, v * 1.01]])), ...over,
    };
}

function host(ram: number, cpu: number): { ramMiB: number[]; cpuPercent: number[] } {
    return { ramMiB: [ram - 1, ram, ram + 1], cpuPercent: [cpu - 0.1, cpu, cpu + 0.1] };
}

/** Results with a bare-metal round (tcp 1000, udp 500), an idle one (1000 MiB, 2 %) and `rounds`. */
function results(...rounds: BenchRound[]): BenchResults {
    return {
        schema: 1, startedAt: "2025-01-01T00:00:00Z", wallSeconds: 60,
        machine: { cpus: 2, memTotalMiB: 4096, kernel: "6.1", hostProvider: "docker", notes: [] },
        versions: { kubernetes: "1.34.4", cni: {} },
        config: { runs: 3, seconds: 5, cnis: rounds.map((r) => r.cni!) },
        rounds: [
            { name: "bare-metal", kind: "bare-metal", samples: { tcp: [1000, 1000, 1000], udp: [500, 500, 500] } },
            { name: "idle", kind: "idle", samples: {}, resources: { u2: host(1000, 2), u3: host(1000, 2) } },
            ...rounds,
        ],
    };
}

describe("bench report: statistics", () => {
    it("median, min and max of odd and even counts, from simple-statistics", () => {
        assert.deepStrictEqual(summarize([3, 1, 2]), { median: 2, min: 1, max: 3, n: 3 });
        assert.deepStrictEqual(summarize([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4, n: 4 });
        assert.deepStrictEqual(summarize([7]), { median: 7, min: 7, max: 7, n: 1 });
        assert.deepStrictEqual(summarize([10, 10, 1000]), { median: 10, min: 10, max: 1000, n: 3 }, "a median, not a mean");
        assert.throws(() => summarize([]), /no values/);
        assert.throws(() => summarize([1, NaN]), /not a finite number/);
    });
    it("ranks with ties, and Spearman's rho: 1 same order, -1 reversed, null when undefined", () => {
        assert.deepStrictEqual(ranks([10, 20, 20, 5]), [3, 1, 1, 4]);
        assert.deepStrictEqual(ranks([10, 20, 20, 5], true), [2, 3, 3, 1]);
        assert.deepStrictEqual(ranks([10.04, 10.01, 9], false, (v) => Math.round(v * 10) / 10), [1, 1, 3], "equal at the shown precision");
        assert.deepStrictEqual(midranks([10, 20, 20, 5]), [3, 1.5, 1.5, 4]);
        assert.strictEqual(spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1);
        assert.strictEqual(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
        assert.strictEqual(spearman([1, 2], [1, 2]), null, "fewer than three");
        assert.strictEqual(spearman([1, 1, 1], [1, 2, 3]), null, "one tie: undefined");
    });
});

describe("bench report: tables", () => {
    const r = fixture();
    const t = benchTables(r);

    it("per test: median (min–max) per round and % of bare metal; no idle row; no % without bare metal", () => {
        assert.deepStrictEqual(t.tests.map((x) => x.test), ["tcp", "udp", "http", "ftp", "scp", "service"]);
        const tcp = t.tests[0];
        assert.deepStrictEqual(tcp.bareMetal, { median: 21890, min: 21400, max: 22150, n: 3 });
        assert.ok(!tcp.rows.some((row) => row.round === "idle"));
        const flannel = tcp.rows.find((row) => row.round === "flannel")!;
        assert.deepStrictEqual(flannel.summary, { median: 8555, min: 8420, max: 8710, n: 3 });
        close(flannel.pctOfBareMetal, (8555 / 21890) * 100, "flannel tcp %");
        close(tcp.rows.find((row) => row.round === "bare-metal")!.pctOfBareMetal, 100, "bare metal %");
        const service = t.tests[5];
        assert.strictEqual(service.bareMetal, null);
        assert.ok(service.rows.every((row) => row.pctOfBareMetal === null));
        assert.strictEqual(service.rows.find((row) => row.round === "bare-metal")!.summary, null);
    });
    it("resources: each host's median minus the idle round's on that host, median across hosts", () => {
        const ram = t.ram.rows.find((row) => row.round === "flannel")!;
        assert.deepStrictEqual(t.ram.hosts, ["u2", "u3"]);
        assert.deepStrictEqual(ram.overIdlePerHost, { u2: 1266 - 1214, u3: 1239 - 1186 });
        close(ram.overIdle, 52.5, "RAM over idle");
        close(ram.hosts, (1266 + 1239) / 2, "RAM across hosts");
        const cpu = t.cpu.rows.find((row) => row.round === "cilium")!;
        close(cpu.overIdlePerHost.u2, 45.4 - 3.2, "CPU u2 over idle");
        close(cpu.overIdlePerHost.u3, 45.2 - 3.0, "CPU u3 over idle");
        for (const name of ["idle", "bare-metal"]) {
            assert.strictEqual(t.cpu.rows.find((row) => row.round === name)!.overIdle, null, `${name}: no over-idle`);
        }
        const noIdle = { ...r, rounds: r.rounds.filter((x) => x.kind !== "idle") };
        assert.ok(benchTables(noIdle).ram.rows.every((row) => row.overIdle === null));
    });
});

describe("bench report: verdict", () => {
    it("on the fixture: kube-router fastest, flannel leanest, weave and cilium tie for features", () => {
        const v = verdict(fixture());
        assert.deepStrictEqual(v.fastest.winners, ["kube-router"]);
        assert.strictEqual(v.fastest.standings[1].name, "cilium");
        assert.match(v.fastest.summary, /^kube-router at 94\.9% of bare metal \(tcp 92\.5%, udp 95\.8%, http 93\.6%, ftp 93\.9%, scp 98\.6%\); next cilium at 59\.9%/);
        assert.match(v.fastest.rule, /tcp, udp, http, ftp, scp of/, "service has no bare metal: not judged");
        assert.deepStrictEqual(v.fastestEncrypted.winners, ["weave-encrypted"]);
        assert.deepStrictEqual(v.leanest.winners, ["flannel"]);
        assert.match(v.leanest.summary, /flannel at rank sum 3 \(RAM \+53 MiB \(rank 2\), CPU \+38\.3 % \(rank 1\)/);
        assert.deepStrictEqual(v.featureful.winners, ["weave", "cilium"]);
        assert.match(v.featureful.standings.find((s) => s.name === "cilium")!.detail, /encryption offered but no encrypted round ran, MTU auto-detection/);
    });
    it("a tie at the tables' precision gives both winners; a clear lead gives one", () => {
        const tie = verdict(results(cni("a", { tcp: 900, udp: 400 }), cni("b", { tcp: 900.2, udp: 400 }), cni("c", { tcp: 500, udp: 250 })));
        assert.deepStrictEqual(tie.fastest.winners, ["a", "b"]);
        assert.match(tie.fastest.summary, /^a and b tie at 85\.0% of bare metal/);
        assert.deepStrictEqual(tie.fastest.standings.map((s) => s.rank), [1, 1, 3]);
        const lead = verdict(results(cni("a", { tcp: 900, udp: 400 }), cni("b", { tcp: 905, udp: 400 })));
        assert.deepStrictEqual(lead.fastest.winners, ["b"]);
    });
    it("a round missing a test is not judged for speed, and says why; leanest needs an idle round", () => {
        const v = verdict(results(cni("a", { tcp: 900, udp: 400 }), cni("b", { tcp: 990 }, { errors: ["udp: iperf3 timed out"] })));
        assert.deepStrictEqual(v.fastest.winners, ["a"]);
        assert.deepStrictEqual(v.fastest.excluded, [{ name: "b", reason: "no result for udp" }]);
        assert.deepStrictEqual(v.leanest.winners, []);
        assert.match(v.leanest.excluded[0].reason, /no RAM or CPU/);
    });
    it("leanest: RAM and CPU ranks summed; one lower in RAM, the other in CPU, tie", () => {
        const res = (ram: number, cpu: number): Partial<BenchRound> => ({ resources: { u2: host(ram, cpu), u3: host(ram, cpu) } });
        const v = verdict(results(cni("a", { tcp: 1 }, res(1050, 5)), cni("b", { tcp: 1 }, res(1100, 3)), cni("c", { tcp: 1 }, res(1400, 9))));
        assert.deepStrictEqual(v.leanest.winners, ["a", "b"]);
        assert.deepStrictEqual(v.leanest.standings.map((s) => [s.name, s.score]), [["a", 3], ["b", 3], ["c", 6]]);
        assert.match(v.leanest.standings[0].detail, /RAM \+50 MiB \(rank 1\), CPU \+3\.0 % \(rank 2\)/);
    });
    it("featureful: encryption counts only when an encrypted round ran", () => {
        const f = (np: boolean, enc: boolean, mtu: boolean): Partial<BenchRound> => ({ features: { networkPolicy: np, encryption: enc, mtuAuto: mtu } });
        const v = verdict(results(cni("cilium", { tcp: 1 }, f(true, true, true)), cni("weave", { tcp: 1 }, f(true, true, false)),
            cni("weave-encrypted", { tcp: 1 }, f(true, true, false))));
        assert.deepStrictEqual(v.featureful.winners, ["cilium", "weave"]);
        const ran = verdict(results(cni("cilium", { tcp: 1 }, f(true, true, true)), cni("cilium-encrypted", { tcp: 1 }, f(true, true, true)),
            cni("weave", { tcp: 1 }, f(true, true, false))));
        assert.deepStrictEqual(ran.featureful.winners, ["cilium"]);
        assert.match(ran.featureful.summary, /cilium at 3 of 3 \(NetworkPolicy, encryption \(cilium-encrypted ran\), MTU auto-detection\)/);
    });
});

describe("bench report: against the seed", () => {
    it("on the fixture: this run's order per test, the seed's orders held or broken", () => {
        const c = seedComparison(fixture());
        const by = Object.fromEntries(c.measures.map((m) => [m.measure, m]));
        assert.deepStrictEqual(Object.keys(by), ["tcp", "udp", "http", "ftp", "scp", "service", "ram", "cpu"]);
        assert.deepStrictEqual(by.tcp.ours.map((o) => o.name), ["kube-router", "cilium", "flannel", "canal", "calico", "weave", "weave-encrypted"]);
        assert.ok(by.tcp.pairs.every((p) => p.outcome === "held") && by.tcp.pairs.length === 6, "unencrypted above weave-encrypted, 6 pairs");
        assert.deepStrictEqual(by.udp.pairs.filter((p) => p.outcome === "broken"), [{ better: "weave", worse: "cilium", outcome: "broken" }]);
        assert.deepStrictEqual(by.ftp.notRun, ["cilium-encrypted"]);
        assert.deepStrictEqual(by.ram.ours.map((o) => o.name), ["kube-router", "flannel", "canal", "calico", "weave", "weave-encrypted", "cilium"]);
        assert.ok(by.ram.spearman !== null && by.ram.spearman > 0.9, `ram rho ${by.ram.spearman}`);
        assert.deepStrictEqual(by.ram.notInSeed, ["weave-encrypted"]);
        assert.strictEqual(by.service.seed, null);
        assert.strictEqual(by.service.spearman, null);
        assert.deepStrictEqual(c.verdicts.find((x) => x.what === "fastest"), { what: "fastest", seed: ["flannel"], ours: ["kube-router"] });
    });
    it("the seed's HTTP order reproduced gives rho 1, reversed -1", () => {
        // The seed: kube-router > {calico, canal, cilium, flannel} > weave.
        assert.deepStrictEqual(SEED_RANKINGS.http!.tiers, [["kube-router"], ["calico", "canal", "cilium", "flannel"], ["weave"]]);
        const run = (values: Record<string, number>): ReturnType<typeof seedComparison>["measures"][number] =>
            seedComparison(results(...Object.entries(values).map(([n, v]) => cni(n, { http: v })))).measures.find((m) => m.measure === "http")!;
        const same = run({ "kube-router": 900, calico: 700, canal: 700, cilium: 700, flannel: 700, weave: 300 });
        assert.strictEqual(same.spearman, 1);
        assert.ok(same.pairs.every((p) => p.outcome === "held") && same.pairs.length === 9);
        const reversed = run({ "kube-router": 100, calico: 700, canal: 700, cilium: 700, flannel: 700, weave: 900 });
        assert.strictEqual(reversed.spearman, -1);
        assert.ok(reversed.pairs.every((p) => p.outcome === "broken"));
        assert.deepStrictEqual(reversed.ours.map((o) => o.rank), [1, 2, 2, 2, 2, 6]);
    });
});

describe("bench report: Markdown", () => {
    const md = renderReportMarkdown(fixture(), { tcp: "/tmp/out/bench-tcp.png", ram: "/tmp/out/bench-ram.png" }, "/tmp/out");

    it("holds the seed's tables with the expected cells", () => {
        assert.match(md, /^# CNI benchmark: flannel, weave, weave-encrypted, calico, canal, cilium, kube-router$/m);
        assert.match(md, /wall time 1 h 23 min/);
        assert.ok(md.includes("| bare-metal | 21,890 (21,400–22,150) | 100.0% | 3 |"), "tcp bare metal");
        assert.ok(md.includes("| flannel | 8,555 (8,420–8,710) | 39.1% | 3 |"), "tcp flannel");
        assert.ok(md.includes("| kube-router | 19,420 (19,100–19,800) | — | 3 |"), "service: no bare metal");
        assert.ok(md.includes("| weave-encrypted | 1.3% | 6.8% | 1.5% | 1.5% | 16.4% | — |"), "summary row");
        assert.ok(md.includes("| flannel | 1,266 (1,262–1,270) | 1,239 (1,236–1,240) | 1,253 | +53 MiB |"), "RAM row");
        assert.ok(md.includes("| cilium | 45.4 (44.9–46.0) | 45.2 (45.0–45.8) | 45.3 | +42.2 % |"), "CPU row");
        assert.ok(md.includes("| weave-encrypted | 2.9.0 | 1414 | yes | on | no | ingress+egress, yes, no |"), "features row");
    });
    it("says how the machine differs, links the charts relative to the page, gives the verdict and the comparison", () => {
        assert.match(md, /## How this machine differs from the seed's/);
        assert.match(md, /Docker containers on one machine: one kernel \(6\.1\.0-fixture-amd64\), 2 CPU cores/);
        assert.match(md, /Docker bridge/);
        assert.match(md, /sleeve mode/);
        assert.match(md, /- fixture: hand-written test data, not a measurement/);
        assert.match(md, /!\[TCP pod to pod \(iperf3\): Mbit\/s per round\]\(bench-tcp\.png\)/);
        assert.doesNotMatch(md, /bench-udp\.png/, "no link to a chart not given");
        assert.match(md, /- \*\*Fastest\*\*: kube-router at 94\.9% of bare metal/);
        assert.match(md, /- \*\*Most featureful here\*\*: weave and cilium tie at 2 of 3/);
        assert.match(md, /\| TCP pod to pod \(iperf3\) \| 每个CNI.*\| 0\.61 \| 6 of 6 \|/);
        assert.match(md, /Where this run disagrees with the seed: udp: cilium above weave; ftp: cilium above flannel/);
        assert.match(md, /\| fastest \| flannel \| kube-router \|/);
    });
    it("lists the rounds' errors, and escapes pipes in table cells", () => {
        const r = fixture();
        r.rounds[2].errors = ["ftp: curl exited 28"];
        r.machine.kernel = "6.1|x";
        const page = renderReportMarkdown(r);
        assert.match(page, /## Errors\n\n- flannel: ftp: curl exited 28\n/);
        assert.ok(page.includes("| kernel | 6.1\\|x |"), "pipe escaped in a cell");
        assert.doesNotMatch(md, /## Errors/, "none in the fixture");
    });
});

describe("bench report: charts", () => {
    it("a spec per test and for RAM and CPU, bare metal marked as a bar and a rule", () => {
        const r = fixture();
        const specs = benchChartSpecs(r);
        assert.deepStrictEqual(Object.keys(specs), ["tcp", "udp", "http", "ftp", "scp", "service", "ram", "cpu"]);
        const tcp = JSON.stringify(specs.tcp);
        assert.match(tcp, /"group":"bare metal","value":21890,"min":21400,"max":22150/);
        assert.match(tcp, /"values":\[\{"value":21890,"color":"#2ca02c"\}\]\},"mark":\{"type":"rule","color":"#2ca02c","strokeWidth":1.5,"strokeDash":\[6,3\]\}/);
        assert.match(tcp, /"font":"DejaVu Sans"/);
        assert.doesNotMatch(JSON.stringify(specs.service), /"group":"bare metal"|"strokeDash"/, "no bare metal for the Service test");
        assert.match(JSON.stringify(specs.ram), /dashed: idle cluster 1,200 MiB/);
    });
    it("renders a PNG of the requested size", async () => {
        const r = fixture();
        const png = await renderSpecPng(testChartSpec(r, benchTables(r).tests[0], { width: 640, height: 360 }));
        assert.deepStrictEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "PNG signature");
        assert.strictEqual(png.toString("latin1", 12, 16), "IHDR");
        assert.deepStrictEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [640, 360]);
        assert.ok(png.length > 10_000, `a chart, not a blank image: ${png.length} bytes`);
    });
    it("renderBenchCharts writes one PNG per chart", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-report-"));
        try {
            const r = fixture();
            r.rounds = r.rounds.map((x) => ({ ...x, samples: { tcp: x.samples.tcp ?? [] } }));
            const files = await renderBenchCharts(r, dir, { width: 400, height: 300 });
            assert.deepStrictEqual(files, { tcp: path.join(dir, "bench-tcp.png"), ram: path.join(dir, "bench-ram.png"), cpu: path.join(dir, "bench-cpu.png") });
            for (const file of Object.values(files)) {
                assert.strictEqual(fs.readFileSync(file).readUInt32BE(16), 400);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("bench report: input checks", () => {
    const bad = (mutate: (j: Record<string, unknown>) => void): (() => BenchResults) => () => {
        const j = fixtureJson();
        mutate(j);
        return parseBenchResults(j);
    };
    const rounds = (j: Record<string, unknown>): Record<string, unknown>[] => j.rounds as Record<string, unknown>[];

    it("the fixture passes; a malformed object is refused with a message naming the field", () => {
        assert.strictEqual(fixture().rounds.length, 9);
        assert.throws(bad((j) => ((rounds(j)[2].samples as Record<string, unknown>).tcp = [8420, "fast", 8555])),
            /bench results: rounds\[2\]\.samples\.tcp\[1\] must be a number >= 0, got "fast"/);
        assert.throws(bad((j) => ((rounds(j)[2].samples as Record<string, unknown>).tpc = [1])),
            /rounds\[2\]\.samples key must be one of tcp, udp, http, ftp, scp, service, got "tpc"/);
        assert.throws(bad((j) => (j.schema = 2)), /schema must be 1, got 2/);
        assert.throws(bad((j) => (j.startedAt = "yesterday")), /startedAt must be an ISO 8601 date and time, got "yesterday"/);
        assert.throws(bad((j) => delete j.machine), /machine must be an object, got nothing/);
        assert.throws(bad((j) => ((j.machine as Record<string, unknown>).hostProvider = "vagrant")), /machine\.hostProvider must be one of docker, ssh/);
        assert.throws(bad((j) => delete rounds(j)[3].cni), /rounds\[3\]\.cni must be a non-empty string, got nothing/);
        assert.throws(bad((j) => (rounds(j)[4].kind = "plugin")), /rounds\[4\]\.kind must be one of bare-metal, idle, cni/);
        assert.throws(bad((j) => (rounds(j)[5].name = "flannel")), /rounds\[5\]\.name must be unique, got "flannel"/);
        assert.throws(bad((j) => (((rounds(j)[2].resources as Record<string, Record<string, unknown>>).u3).cpuPercent = [150])),
            /rounds\[2\]\.resources\.u3\.cpuPercent\[0\] must be a number from 0 to 100, got 150/);
        assert.throws(bad((j) => ((rounds(j)[2].features as Record<string, unknown>).mtuAuto = "yes")), /rounds\[2\]\.features\.mtuAuto must be true or false/);
        assert.throws(bad((j) => (rounds(j)[1].kind = "bare-metal")), /rounds must hold at most one round of kind bare-metal/);
        assert.throws(bad((j) => ((j.config as Record<string, unknown>).runs = 0)), /config\.runs must be a positive integer, got 0/);
    });
    it("a file that is not JSON is refused, naming the file", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-input-"));
        try {
            const file = path.join(dir, "results.json");
            fs.writeFileSync(file, "{\"schema\": 1,");
            assert.throws(() => readBenchResults(file), (e: Error) => e.name === "BenchInputError" && e.message.startsWith(`${file}: not a JSON file`));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
