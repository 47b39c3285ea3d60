/**
 * A drill's raw results, checked: fortio's JSON (`fortio load -json FILE`) and the sampler's
 * JSON lines (every instance's per-path request counters, about once a second). Input that is
 * not what a drill produces throws a DrillInputError naming the file, field and value. Pure.
 */
import { JsonChecker } from "../json-check";

/** Input that is not what a drill produces: the message names the file, field and value. */
export class DrillInputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "DrillInputError";
    }
}

/** One percentile of a fortio histogram. */
export interface FortioPercentile {
    /** 0 to 100, as given to `fortio load -p`. */
    Percentile: number;
    /** Seconds. */
    Value: number;
}

/** The parts of fortio's stats.HistogramData that a report uses; durations in seconds. */
export interface FortioHistogram {
    Count: number;
    Avg: number;
    Max: number;
    /** Absent (omitted by fortio) when Count is 0. */
    Percentiles: FortioPercentile[];
}

/** The parts of fortio's HTTPRunnerResults (`fortio load -json FILE`, v1.68) that a report uses. */
export interface FortioResult {
    /** RFC 3339 time the load started. */
    StartTime: string;
    /** "200", or "max" for as fast as possible. */
    RequestedQPS: string;
    ActualQPS: number;
    /** Nanoseconds. */
    ActualDuration: number;
    /** HTTP status code (as text) to count; -1 is a socket or connection error. */
    RetCodes: Record<string, number>;
    /** Every request, errors included. */
    DurationHistogram: FortioHistogram;
    /** The requests fortio counts as errors (not 2xx, nor 418); null when fortio wrote none. */
    ErrorsDurationHistogram: FortioHistogram | null;
    /** Connections opened by each of fortio's threads (null when fortio wrote none). */
    Sockets: number[] | null;
    /** Connections opened in all; more than the thread count means connections were closed under fortio. */
    SocketCount: number;
}

/** One instance of the service at one sampler tick. */
export interface InstanceSample {
    /** Unique per instance, e.g. its container's host name. */
    id: string;
    version: string;
    canary: boolean;
    /** Requests served since the instance started, by first path segment ("/httpbackend", "/" for the root). */
    served: Record<string, number>;
}

/** One sampler tick: every instance that answered. */
export interface Sample {
    /** Unix milliseconds. */
    t: number;
    instances: InstanceSample[];
}

/** Field checks that throw DrillInputError naming `where` and the field, and fortio's histograms. */
class Checker extends JsonChecker {
    constructor(where: string) {
        super(where, DrillInputError);
    }

    histogram(v: unknown, field: string): FortioHistogram {
        const h = this.object(v, field);
        const count = this.count(h.Count, `${field}.Count`);
        const pcts = this.list(h.Percentiles ?? [], `${field}.Percentiles`);
        return {
            Count: count,
            Avg: this.number(h.Avg, `${field}.Avg`),
            Max: this.number(h.Max, `${field}.Max`),
            Percentiles: pcts.map((p, i) => {
                const o = this.object(p, `${field}.Percentiles[${i}]`);
                return { Percentile: this.number(o.Percentile, `${field}.Percentiles[${i}].Percentile`),
                    Value: this.number(o.Value, `${field}.Percentiles[${i}].Value`) };
            }),
        };
    }
}

/** Checks the parsed JSON of `fortio load -json FILE` and returns the parts a report uses. */
export function parseFortioResult(json: unknown): FortioResult {
    const c = new Checker("fortio result");
    const r = c.object(json, "the top level");
    if (r.error === true) {
        const detail = [r.message, r.exception].filter((s) => typeof s === "string" && s !== "").join(": ");
        throw new DrillInputError(`fortio result: the run failed: ${detail || "no message"}`);
    }
    const retCodesRaw = c.object(r.RetCodes, "RetCodes");
    const retCodes: Record<string, number> = {};
    for (const [code, n] of Object.entries(retCodesRaw)) {
        if (!/^-?\d+$/.test(code)) {
            c.fail("RetCodes", "must be keyed by status code", code);
        }
        retCodes[code] = c.count(n, `RetCodes["${code}"]`);
    }
    const duration = c.histogram(r.DurationHistogram, "DurationHistogram");
    const coded = Object.values(retCodes).reduce((a, b) => a + b, 0);
    if (coded !== duration.Count) {
        throw new DrillInputError(`fortio result: RetCodes add up to ${coded} requests but DurationHistogram.Count is ${duration.Count}`);
    }
    const startTime = c.string(r.StartTime, "StartTime");
    if (Number.isNaN(Date.parse(startTime))) {
        c.fail("StartTime", "must be a date and time", startTime);
    }
    const sockets = r.Sockets === null || r.Sockets === undefined ? null
        : c.list(r.Sockets, "Sockets").map((n, i) => c.count(n, `Sockets[${i}]`));
    return {
        StartTime: startTime,
        RequestedQPS: c.string(r.RequestedQPS, "RequestedQPS"),
        ActualQPS: c.number(r.ActualQPS, "ActualQPS"),
        ActualDuration: c.count(r.ActualDuration, "ActualDuration"),
        RetCodes: retCodes,
        DurationHistogram: duration,
        ErrorsDurationHistogram: r.ErrorsDurationHistogram === null || r.ErrorsDurationHistogram === undefined ? null
            : c.histogram(r.ErrorsDurationHistogram, "ErrorsDurationHistogram"),
        Sockets: sockets,
        SocketCount: c.count(r.SocketCount, "SocketCount"),
    };
}

/** Parses the sampler's output: one JSON object per line (blank lines skipped), ticks in time order. */
export function parseSamples(jsonl: string): Sample[] {
    const samples: Sample[] = [];
    jsonl.split("\n").forEach((text, index) => {
        if (text.trim() === "") {
            return;
        }
        const c = new Checker(`samples line ${index + 1}`);
        let json: unknown;
        try {
            json = JSON.parse(text);
        } catch (e) {
            throw new DrillInputError(`samples line ${index + 1}: not JSON (${(e as Error).message})`);
        }
        const o = c.object(json, "the line");
        const t = c.count(o.t, "t");
        const previous = samples[samples.length - 1];
        if (previous !== undefined && t <= previous.t) {
            c.fail("t", `must be after the previous tick's ${previous.t}`, t);
        }
        const ids = new Set<string>();
        const instances = c.list(o.instances, "instances").map((raw, i): InstanceSample => {
            const f = `instances[${i}]`;
            const inst = c.object(raw, f);
            const id = c.string(inst.id, `${f}.id`);
            if (ids.has(id)) {
                c.fail(`${f}.id`, "must be unique within a tick", id);
            }
            ids.add(id);
            if (inst.canary !== undefined && typeof inst.canary !== "boolean") {
                c.fail(`${f}.canary`, "must be true or false", inst.canary);
            }
            const served: Record<string, number> = {};
            for (const [prefix, n] of Object.entries(c.object(inst.served, `${f}.served`))) {
                served[prefix] = c.count(n, `${f}.served["${prefix}"]`);
            }
            return { id, version: c.string(inst.version, `${f}.version`), canary: inst.canary === true, served };
        });
        samples.push({ t, instances });
    });
    return samples;
}
