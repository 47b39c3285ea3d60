/**
 * Drill reports: a drill upgrades a service while fortio sends load to it through fabio, and a
 * sampler polls every instance's per-path request counters about once a second. This module
 * turns the checked raw results (inputs.ts: fortio's JSON, the sampler's ticks) and the
 * drill's meta into one DrillReport: fortio's totals and latencies, and which version served
 * how many requests on which route, in total and per sampler tick. Pure functions except
 * writeReport; chart.ts draws the report.
 */
import * as fs from "fs";
import * as path from "path";
import { show } from "../json-check";
import { DrillInputError, FortioHistogram, FortioResult, InstanceSample, Sample } from "./inputs";

/** What the drill did and when. */
export interface DrillMeta {
    stack: string;
    scenario: string;
    workload: string;
    /** The production path prefix the load targets, e.g. "/httpbackend". */
    route: string;
    /** The canary path prefix, e.g. "/httpbackend-canary". */
    canaryRoute?: string;
    /** The qps fortio was asked for (0: as fast as possible). */
    qps: number;
    loadStartMs: number;
    loadEndMs: number;
    change: { startMs: number; endMs: number; ok: boolean; message?: string };
    /** Free-form expectations, copied into the report for whoever checks it. */
    expected?: Record<string, unknown>;
}

/** Requests a version served on a route in the sampler interval ending at `t`. */
export interface TimelineRow {
    /** Seconds since the load started, of the tick that ends the interval. */
    t: number;
    route: string;
    version: string;
    requests: number;
    /** The interval's length in seconds (requests / seconds is the rate). */
    seconds: number;
}

export interface DrillReport {
    stack: string;
    scenario: string;
    workload: string;
    route: string;
    canaryRoute: string | null;
    /** When the load started, ISO 8601. */
    loadStart: string;
    /** From fortio: every request it sent, by outcome. */
    requests: { total: number; ok: number; non2xx: number; socketErrors: number; byCode: Record<string, number> };
    /** non2xx + socketErrors. */
    failed: number;
    latencyMs: { p50: number; p90: number; p99: number; avg: number; max: number };
    /** Latency of the requests fortio counts as errors; null when there were none. */
    errorLatencyMs: { avg: number; max: number } | null;
    qps: { requested: number; actual: number };
    /** Connections fortio opened. */
    sockets: number;
    loadSeconds: number;
    /** Seconds relative to the load's start. */
    change: { startS: number; endS: number; seconds: number; ok: boolean; message: string | null };
    /** From the samples: requests per route, per version, over the whole drill. */
    versions: Record<string, Record<string, number>>;
    /** versions as fractions of each route's requests (0 when the route had none). */
    share: Record<string, Record<string, number>>;
    timeline: TimelineRow[];
    expected?: Record<string, unknown>;
}

function round(v: number, decimals: number): number {
    const f = 10 ** decimals;
    return Math.round(v * f) / f;
}

/** Versions in a stable, human order: v1.9.0 before v1.10.0. */
function byVersion(a: string, b: string): number {
    return a.localeCompare(b, "en", { numeric: true });
}

function percentileMs(h: FortioHistogram, p: number): number {
    const found = h.Percentiles.find((x) => x.Percentile === p);
    if (found === undefined) {
        throw new DrillInputError(`fortio result: DurationHistogram has no ${p}th percentile: run fortio load with -p "50,90,99"`);
    }
    return round(found.Value * 1000, 3);
}

/**
 * Requests per route and version from the sampler's cumulative counters, over each interval
 * between ticks. An instance at the first tick counts from its counters then; one that first
 * appears later started during the drill and counts from 0; one that disappears stops
 * contributing (its requests since it was last seen are unknown; if it comes back under the
 * same id, it counts from when it was last seen); any counter that goes down means the
 * instance restarted under the same id, and all its counters count from 0 again. Paths other than
 * `routes` are ignored. Rows exist for every route and every version that has an instance at
 * the tick, 0 included.
 */
export function sampleTimeline(samples: Sample[], routes: string[], loadStartMs: number): TimelineRow[] {
    const rows: TimelineRow[] = [];
    let tick = new Map<string, Map<string, number>>();
    const flush = (i: number): void => {
        if (i === 0) {
            return;
        }
        const t = round((samples[i].t - loadStartMs) / 1000, 3);
        const seconds = round((samples[i].t - samples[i - 1].t) / 1000, 3);
        for (const route of routes) {
            const perVersion = tick.get(route)!;
            for (const version of [...perVersion.keys()].sort(byVersion)) {
                rows.push({ t, route, version, requests: perVersion.get(version)!, seconds });
            }
        }
    };
    let current = -1;
    for (const { i, inst, delta } of instanceDeltas(samples, routes)) {
        if (i !== current) {
            if (current >= 0) {
                flush(current);
            }
            current = i;
            tick = new Map(routes.map((r) => [r, new Map<string, number>()]));
        }
        for (const route of routes) {
            const perVersion = tick.get(route)!;
            perVersion.set(inst.version, (perVersion.get(inst.version) ?? 0) + delta[route]);
        }
    }
    if (current >= 0) {
        flush(current);
    }
    return rows;
}

/**
 * Every instance at every tick with the requests it served on each route since the tick
 * before (the rules of sampleTimeline). Ticks without an instance yield nothing.
 */
export function* instanceDeltas(samples: Sample[], routes: string[]): Generator<{ i: number; inst: InstanceSample; delta: Record<string, number> }> {
    const lastSeen = new Map<string, Record<string, number>>();
    for (const [i, sample] of samples.entries()) {
        for (const inst of sample.instances) {
            const before = lastSeen.get(inst.id);
            // Any counter going down (health checks' too) means a restart: everything counts from 0 again.
            const restarted = before !== undefined && Object.entries(before).some(([p, n]) => (inst.served[p] ?? 0) < n);
            const base = i === 0 ? inst.served : before === undefined || restarted ? {} : before;
            yield { i, inst, delta: Object.fromEntries(routes.map((r) => [r, (inst.served[r] ?? 0) - (base[r] ?? 0)])) };
            lastSeen.set(inst.id, inst.served);
        }
    }
}

/** Requests served on `route` by instances while they were canaries (an isolated canary must have none on production's route). */
export function canaryRequests(samples: Sample[], route: string): number {
    let n = 0;
    for (const { inst, delta } of instanceDeltas(samples, [route])) {
        n += inst.canary ? delta[route] : 0;
    }
    return n;
}

/** Builds the report of one drill from fortio's result, the sampler's ticks and the drill's meta. */
export function buildReport(fortio: FortioResult, samples: Sample[], meta: DrillMeta): DrillReport {
    for (const [name, route] of [["route", meta.route], ["canaryRoute", meta.canaryRoute]] as const) {
        // A path's first segment, after an HTTPS workload's TLS server name (what httpbackend counts requests under).
        if (route !== undefined && !/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?\/[^/]*$/.test(route)) {
            throw new DrillInputError(`drill meta: ${name} must be one path segment such as "/httpbackend", after a server name for HTTPS ("mysite-sni-1.com/"), got ${show(route)}`);
        }
    }
    if (meta.canaryRoute === meta.route) {
        throw new DrillInputError(`drill meta: canaryRoute must differ from route, both are ${show(meta.route)}`);
    }
    const requestedQps = Number(fortio.RequestedQPS);
    if (Number.isFinite(requestedQps) && requestedQps !== meta.qps) {
        throw new DrillInputError(`drill meta: qps is ${meta.qps} but fortio was asked for ${fortio.RequestedQPS}: `
            + "the meta and the fortio result are not from the same run");
    }
    const h = fortio.DurationHistogram;
    if (h.Count === 0) {
        throw new DrillInputError("fortio result: no requests were made (DurationHistogram.Count is 0)");
    }

    let ok = 0;
    let socketErrors = 0;
    for (const [code, n] of Object.entries(fortio.RetCodes)) {
        const c = Number(code);
        if (c < 0) {
            socketErrors += n;
        } else if (c >= 200 && c <= 299) {
            ok += n;
        }
    }
    const non2xx = h.Count - ok - socketErrors;
    const errors = fortio.ErrorsDurationHistogram;

    const routes = meta.canaryRoute === undefined ? [meta.route] : [meta.route, meta.canaryRoute];
    const allVersions = [...new Set(samples.flatMap((s) => s.instances.map((i) => i.version)))].sort(byVersion);
    const timeline = sampleTimeline(samples, routes, meta.loadStartMs);
    const versions: Record<string, Record<string, number>> = {};
    const share: Record<string, Record<string, number>> = {};
    for (const route of routes) {
        const counts = Object.fromEntries(allVersions.map((v) => [v, 0]));
        for (const row of timeline) {
            if (row.route === route) {
                counts[row.version] += row.requests;
            }
        }
        const total = Object.values(counts).reduce((a, b) => a + b, 0);
        versions[route] = counts;
        share[route] = Object.fromEntries(allVersions.map((v) => [v, total === 0 ? 0 : counts[v] / total]));
    }

    const startS = round((meta.change.startMs - meta.loadStartMs) / 1000, 3);
    const endS = round((meta.change.endMs - meta.loadStartMs) / 1000, 3);
    return {
        stack: meta.stack,
        scenario: meta.scenario,
        workload: meta.workload,
        route: meta.route,
        canaryRoute: meta.canaryRoute ?? null,
        loadStart: new Date(meta.loadStartMs).toISOString(),
        requests: { total: h.Count, ok, non2xx, socketErrors, byCode: { ...fortio.RetCodes } },
        failed: non2xx + socketErrors,
        latencyMs: { p50: percentileMs(h, 50), p90: percentileMs(h, 90), p99: percentileMs(h, 99),
            avg: round(h.Avg * 1000, 3), max: round(h.Max * 1000, 3) },
        errorLatencyMs: errors === null || errors.Count === 0 ? null
            : { avg: round(errors.Avg * 1000, 3), max: round(errors.Max * 1000, 3) },
        qps: { requested: meta.qps, actual: round(fortio.ActualQPS, 3) },
        sockets: fortio.SocketCount,
        loadSeconds: round(fortio.ActualDuration / 1e9, 3),
        change: { startS, endS, seconds: round(endS - startS, 3), ok: meta.change.ok, message: meta.change.message ?? null },
        versions,
        share,
        timeline,
        ...(meta.expected === undefined ? {} : { expected: meta.expected }),
    };
}

/** A file-name-safe form of a scenario name. */
function slug(name: string): string {
    return name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[.-]+/, "") || "drill";
}

/** The names writeReport gives a scenario's files. */
export function reportFileNames(report: Pick<DrillReport, "scenario">): { json: string; png: string } {
    const base = `drill-${slug(report.scenario)}`;
    return { json: `${base}.json`, png: `${base}.png` };
}

/** Writes the report as JSON and its chart as PNG into `dir` (created if missing); returns their paths. */
export function writeReport(dir: string, report: DrillReport, png: Buffer): { json: string; png: string } {
    const names = reportFileNames(report);
    fs.mkdirSync(dir, { recursive: true });
    const files = { json: path.join(dir, names.json), png: path.join(dir, names.png) };
    fs.writeFileSync(files.json, JSON.stringify(report, null, 2) + "\n");
    fs.writeFileSync(files.png, png);
    return files;
}
