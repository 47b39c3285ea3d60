import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { chartSpec, renderChartPng, svgToPng } from "../lib/drill/chart";
import { FortioResult, parseFortioResult, parseSamples, Sample } from "../lib/drill/inputs";
import { buildReport, DrillMeta, DrillReport, reportFileNames, writeReport } from "../lib/drill/report";

const FIXTURES = path.join(__dirname, "fixtures", "drill");
const T0 = 1_700_000_000_000;

/** A fixture as fortio wrote it (see fixtures/drill/README.md). */
function fortioJson(name: string): Record<string, unknown> {
    return JSON.parse(fs.readFileSync(path.join(FIXTURES, name), "utf8")) as Record<string, unknown>;
}

/** The real fortio.json with other return codes (DurationHistogram.Count follows them). */
function fortioWithCodes(codes: Record<string, number>): FortioResult {
    const json = fortioJson("fortio.json");
    const count = Object.values(codes).reduce((a, b) => a + b, 0);
    return parseFortioResult({ ...json, RetCodes: codes, DurationHistogram: { ...(json.DurationHistogram as object), Count: count } });
}

function meta(over: Partial<DrillMeta> = {}): DrillMeta {
    return {
        stack: "dev", scenario: "rolling", workload: "httpbackend", route: "/httpbackend", canaryRoute: "/httpbackend-canary",
        qps: 200, loadStartMs: T0, loadEndMs: T0 + 10_000, change: { startMs: T0 + 2_000, endMs: T0 + 7_500, ok: true }, ...over,
    };
}

/** One tick, `s` seconds after T0; instances as [id, version, served]. */
function tick(s: number, ...instances: [string, string, Record<string, number>][]): Sample {
    return { t: T0 + s * 1000, instances: instances.map(([id, version, served]) => ({ id, version, canary: false, served })) };
}

const ok = fortioWithCodes({ "200": 10 });

/** Requests per version on the production route at each tick: { t: { version: n } }. */
function prodTimeline(report: DrillReport): Record<number, Record<string, number>> {
    const out: Record<number, Record<string, number>> = {};
    for (const r of report.timeline.filter((row) => row.route === "/httpbackend")) {
        (out[r.t] ??= {})[r.version] = r.requests;
    }
    return out;
}

describe("drill report: fortio results", () => {
    it("a real fortio run: every request counted once, latencies in ms from the requested percentiles", () => {
        const json = fortioJson("fortio.json");
        const fortio = parseFortioResult(json);
        assert.strictEqual(Object.values(fortio.RetCodes).reduce((a, b) => a + b, 0), fortio.DurationHistogram.Count);
        const r = buildReport(fortio, [], meta());
        assert.deepStrictEqual(r.requests, { total: 600, ok: 600, non2xx: 0, socketErrors: 0, byCode: { "200": 600 } });
        assert.strictEqual(r.failed, 0);
        assert.strictEqual(r.errorLatencyMs, null);
        const p99 = (json.DurationHistogram as { Percentiles: { Percentile: number; Value: number }[] }).Percentiles[2];
        assert.strictEqual(p99.Percentile, 99);
        assert.ok(Math.abs(r.latencyMs.p99 - p99.Value * 1000) < 0.001, `${r.latencyMs.p99} ms vs ${p99.Value} s`);
        const l = r.latencyMs;
        assert.ok(0 < l.p50 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.max && l.avg <= l.max, JSON.stringify(l));
        assert.deepStrictEqual(r.qps.requested, 200);
        assert.ok(Math.abs(r.qps.actual - 200) < 1, `actual qps ${r.qps.actual}`);
        assert.ok(Math.abs(r.loadSeconds - 3) < 0.1, `load seconds ${r.loadSeconds}`);
        assert.strictEqual(r.sockets, 4);
    });
    it("real runs with 503s and with connections refused: non-2xx and socket errors apart, both failed", () => {
        const r503 = buildReport(parseFortioResult(fortioJson("fortio-503.json")), [], meta({ qps: 100 }));
        assert.deepStrictEqual([r503.requests.total, r503.requests.ok, r503.requests.non2xx, r503.requests.socketErrors, r503.failed],
            [200, 153, 47, 0, 47]);
        assert.ok(r503.errorLatencyMs !== null && r503.errorLatencyMs.max > 0);
        const refused = buildReport(parseFortioResult(fortioJson("fortio-refused.json")), [], meta({ qps: 50 }));
        assert.deepStrictEqual([refused.requests.ok, refused.requests.non2xx, refused.requests.socketErrors, refused.failed], [0, 0, 10, 10]);
    });
    it("code -1 is a socket error, any other code but 2xx is non-2xx", () => {
        const r = buildReport(fortioWithCodes({ "200": 90, "204": 5, "-1": 3, "503": 2, "301": 1 }), [], meta());
        assert.deepStrictEqual([r.requests.total, r.requests.ok, r.requests.socketErrors, r.requests.non2xx, r.failed], [101, 95, 3, 3, 6]);
        const small = buildReport(fortioWithCodes({ "-1": 3, "503": 2 }), [], meta());
        assert.deepStrictEqual([small.requests.socketErrors, small.requests.non2xx, small.failed], [3, 2, 5]);
        assert.deepStrictEqual(small.requests.byCode, { "-1": 3, "503": 2 });
    });
    it("refuses what fortio would not write, or a run that does not match the meta, with a clear message", () => {
        const json = fortioJson("fortio.json");
        assert.throws(() => parseFortioResult("nope"), /fortio result: the top level must be an object, got "nope"/);
        assert.throws(() => parseFortioResult({ ...json, RetCodes: { "200": "600" } }), /RetCodes\["200"\] must be a non-negative integer, got "600"/);
        assert.throws(() => parseFortioResult({ ...json, RetCodes: { OK: 600 } }), /RetCodes must be keyed by status code, got "OK"/);
        assert.throws(() => parseFortioResult({ ...json, RetCodes: { "200": 599 } }), /add up to 599 requests but DurationHistogram.Count is 600/);
        assert.throws(() => parseFortioResult({ ...json, DurationHistogram: undefined }), /DurationHistogram must be an object, got nothing/);
        assert.throws(() => parseFortioResult({ ...json, ActualDuration: "3s" }), /ActualDuration must be a non-negative integer/);
        assert.throws(() => parseFortioResult({ ...json, StartTime: "yesterday" }), /StartTime must be a date and time/);
        assert.throws(() => parseFortioResult({ error: true, message: "Aborting because of error", exception: "dial tcp: refused" }),
            /the run failed: Aborting because of error: dial tcp: refused/);
        const noP99 = parseFortioResult({ ...json, DurationHistogram: { ...(json.DurationHistogram as object), Percentiles: [{ Percentile: 50, Value: 1 }] } });
        assert.throws(() => buildReport(noP99, [], meta()), /no 90th percentile: run fortio load with -p "50,90,99"/);
        assert.throws(() => buildReport(ok, [], meta({ qps: 100 })), /qps is 100 but fortio was asked for 200/);
        assert.throws(() => buildReport(fortioWithCodes({}), [], meta()), /no requests were made/);
        assert.throws(() => buildReport(ok, [], meta({ route: "/a/b" })), /route must be one path segment/);
        assert.throws(() => buildReport(ok, [], meta({ route: "mysite.com" })), /after a server name for HTTPS/);
        assert.throws(() => buildReport(ok, [], meta({ route: "Mysite.com/" })), /after a server name for HTTPS/);
        assert.doesNotThrow(() => buildReport(ok, [], meta({ route: "mysite-sni-1.com/", canaryRoute: "canary.mysite-sni-1.com/" })),
            "an HTTPS workload's routes are its server names");
    });
});

describe("drill report: who served the requests", () => {
    it("baseline at the first tick, a new instance from 0, a restart from 0, a vanished instance stops counting", () => {
        const samples = [
            tick(0, ["a", "v1", { "/httpbackend": 1000 }], ["b", "v1", { "/httpbackend": 500 }]),
            tick(1, ["a", "v1", { "/httpbackend": 1010 }], ["b", "v1", { "/httpbackend": 520 }], ["c", "v2", { "/httpbackend": 7 }]),
            tick(2, ["a", "v1", { "/httpbackend": 4 }], ["c", "v2", { "/httpbackend": 17 }]), // a restarted, b gone
            tick(3, ["a", "v1", { "/httpbackend": 9 }], ["c", "v2", { "/httpbackend": 17 }]), // c idle: a 0 row
            tick(4, ["b", "v1", { "/httpbackend": 530 }], ["c", "v2", { "/httpbackend": 20 }]), // b back: from when last seen
        ];
        const r = buildReport(ok, samples, meta());
        assert.deepStrictEqual(prodTimeline(r), {
            1: { v1: 10 + 20, v2: 7 },
            2: { v1: 4, v2: 10 },
            3: { v1: 5, v2: 0 },
            4: { v1: 10, v2: 3 },
        });
        assert.deepStrictEqual(r.versions["/httpbackend"], { v1: 49, v2: 20 });
        assert.deepStrictEqual(r.versions["/httpbackend-canary"], { v1: 0, v2: 0 });
        assert.ok(r.timeline.every((row) => row.seconds === 1));
    });
    it("a restart seen on another path's counter counts every path from 0", () => {
        const samples = [
            tick(0, ["a", "v1", { "/httpbackend": 100, "/health": 50 }]),
            tick(1, ["a", "v1", { "/httpbackend": 150, "/health": 51 }]), // /httpbackend did not go down, /health did not either
            tick(2, ["a", "v2", { "/httpbackend": 160, "/health": 1 }]), // /health went down: restarted (as v2), 160 since
        ];
        assert.deepStrictEqual(prodTimeline(buildReport(ok, samples, meta())), { 1: { v1: 50 }, 2: { v2: 160 } });
    });
    it("an 80/20 split gives shares 0.8 and 0.2; paths outside the routes are ignored; canary counted apart", () => {
        const samples: Sample[] = [];
        for (let s = 0; s <= 10; s++) {
            samples.push(tick(s, ["old", "v1.0.0", { "/httpbackend": 80 * s, "/": 1000 * s, "/health": s }],
                ["new", "v1.1.0", { "/httpbackend": 20 * s, "/httpbackend-canary": 5 * s, "/other": 99 * s }]));
        }
        const r = buildReport(ok, samples, meta({ loadStartMs: T0 - 500 }));
        assert.deepStrictEqual(r.versions, { "/httpbackend": { "v1.0.0": 800, "v1.1.0": 200 }, "/httpbackend-canary": { "v1.0.0": 0, "v1.1.0": 50 } });
        assert.deepStrictEqual(r.share, { "/httpbackend": { "v1.0.0": 0.8, "v1.1.0": 0.2 }, "/httpbackend-canary": { "v1.0.0": 0, "v1.1.0": 1 } });
        assert.deepStrictEqual(r.timeline.slice(0, 4), [
            { t: 1.5, route: "/httpbackend", version: "v1.0.0", requests: 80, seconds: 1 },
            { t: 1.5, route: "/httpbackend", version: "v1.1.0", requests: 20, seconds: 1 },
            { t: 1.5, route: "/httpbackend-canary", version: "v1.0.0", requests: 0, seconds: 1 },
            { t: 1.5, route: "/httpbackend-canary", version: "v1.1.0", requests: 5, seconds: 1 },
        ]);
        assert.strictEqual(r.timeline.length, 10 * 4);
        const noCanary = buildReport(ok, samples, meta({ canaryRoute: undefined }));
        assert.deepStrictEqual(Object.keys(noCanary.versions), ["/httpbackend"]);
        assert.strictEqual(noCanary.canaryRoute, null);
    });
    it("the change in seconds from the load's start, and the meta's expectations kept", () => {
        const r = buildReport(ok, [], meta({ change: { startMs: T0 + 2_000, endMs: T0 + 7_500, ok: false, message: "deploy failed" },
            expected: { maxFailed: 0 } }));
        assert.deepStrictEqual(r.change, { startS: 2, endS: 7.5, seconds: 5.5, ok: false, message: "deploy failed" });
        assert.deepStrictEqual(r.expected, { maxFailed: 0 });
        assert.strictEqual(r.loadStart, new Date(T0).toISOString());
    });
    it("parses the sampler's JSON lines and refuses bad ones, naming the line and field", () => {
        const line = (o: unknown): string => JSON.stringify(o);
        const good = { t: T0, instances: [{ id: "a", version: "v1", canary: true, served: { "/httpbackend": 3 } }] };
        const samples = parseSamples(`${line(good)}\n\n${line({ t: T0 + 1000, instances: [] })}\n`);
        assert.deepStrictEqual(samples, [good, { t: T0 + 1000, instances: [] }]);
        assert.throws(() => parseSamples(`${line(good)}\n{"t": 1,`), /samples line 2: not JSON/);
        assert.throws(() => parseSamples(`${line(good)}\n${line(good)}`), /samples line 2: t must be after the previous tick's 1700000000000/);
        assert.throws(() => parseSamples(line({ t: T0, instances: [{ id: "a", version: "v1", served: { "/x": -1 } }] })),
            /samples line 1: instances\[0\].served\["\/x"\] must be a non-negative integer, got -1/);
        assert.throws(() => parseSamples(line({ t: T0, instances: [{ id: "a", version: "v1" }] })), /instances\[0\].served must be an object, got nothing/);
        assert.throws(() => parseSamples(line({ t: T0, instances: [good.instances[0], good.instances[0]] })), /instances\[1\].id must be unique within a tick/);
        assert.throws(() => parseSamples(line({ t: T0 })), /samples line 1: instances must be a list/);
    });
});

describe("drill report: chart and files", () => {
    const samples: Sample[] = [];
    for (let s = 0; s <= 20; s++) {
        samples.push(tick(s,
            ...(s < 12 ? [["a", "v1.0.0", { "/httpbackend": 150 * s }] as [string, string, Record<string, number>]] : []),
            ...(s >= 6 ? [["b", "v1.1.0", { "/httpbackend": 50 * (s - 6) + (s >= 12 ? 100 * (s - 12) : 0), "/httpbackend-canary": 10 * s }] as
                [string, string, Record<string, number>]] : [])));
    }
    const report = buildReport(fortioWithCodes({ "200": 2990, "503": 7, "-1": 3 }), samples, meta({ loadEndMs: T0 + 20_000 }));

    it("renders a PNG of the requested size", async () => {
        for (const size of [{ width: 900, height: 450 }, { width: 640, height: 360 }]) {
            const png = await renderChartPng(report, size);
            assert.deepStrictEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "PNG signature");
            assert.strictEqual(png.toString("latin1", 12, 16), "IHDR");
            assert.deepStrictEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [size.width, size.height]);
            assert.ok(png.length > 15_000, `a chart, not a blank image: ${png.length} bytes`);
        }
    });
    it("the spec: title with totals, the canary layer only when the canary route had traffic, rules at the change", () => {
        const spec = JSON.stringify(chartSpec(report));
        assert.match(spec, /"dev rolling: 3000 requests, 10 failed, p99 \d+(\.\d+)? ms"/);
        assert.match(spec, /dashed lines: \/httpbackend-canary/);
        assert.match(spec, /"change start 2 s".*"change end 7.5 s"/);
        assert.match(spec, /"font":"DejaVu Sans"/);
        const quiet = buildReport(ok, samples.map((s) => ({ ...s, instances: s.instances.map((i) => ({ ...i, served: { ...i.served, "/httpbackend-canary": 0 } })) })), meta());
        assert.doesNotMatch(JSON.stringify(chartSpec(quiet)), /dashed|"line"/);
    });
    it("text is drawn: resvg finds the DejaVu Sans font", () => {
        const svg = (text: string): string => `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30">`
            + `<text x="4" y="20" font-family="DejaVu Sans" font-size="14">${text}</text></svg>`;
        assert.notDeepStrictEqual(svgToPng(svg("p99 12 ms")), svgToPng(svg("")), "no font: install fonts-dejavu-core");
    });
    it("writeReport writes the JSON and the PNG under names from the scenario", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drill-report-"));
        try {
            const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
            const files = writeReport(path.join(dir, "out"), { ...report, scenario: "rolling upgrade/2" }, png);
            assert.deepStrictEqual(files, { json: path.join(dir, "out", "drill-rolling-upgrade-2.json"), png: path.join(dir, "out", "drill-rolling-upgrade-2.png") });
            assert.deepStrictEqual(reportFileNames({ scenario: "rolling upgrade/2" }), { json: "drill-rolling-upgrade-2.json", png: "drill-rolling-upgrade-2.png" });
            assert.deepStrictEqual((JSON.parse(fs.readFileSync(files.json, "utf8")) as DrillReport).requests, report.requests);
            assert.deepStrictEqual(fs.readFileSync(files.png), png);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
