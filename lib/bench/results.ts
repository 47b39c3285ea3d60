/**
 * The results a CNI benchmark run writes (`npm run bench`, after seed 000): rounds of runs per
 * test, per CNI, with bare metal and an idle cluster as references; their types, their rounds
 * looked up, and the checks of a results file read back. tables.ts summarises them, verdict.ts
 * judges them, seed-comparison.ts ranks them against the seed, markdown.ts writes them up.
 */
import * as fs from "fs";
import { JsonChecker } from "../json-check";


/** The tests, in the seed's order; "service" (pod to Service) is netlab's own. */
export const TESTS = ["tcp", "udp", "http", "ftp", "scp", "service"] as const;
export type Test = typeof TESTS[number];

export const TEST_LABELS: Record<Test, string> = {
    tcp: "TCP pod to pod (iperf3)",
    udp: "UDP pod to pod (iperf3)",
    http: "HTTP download (nginx, curl)",
    ftp: "FTP download (vsftpd, curl)",
    scp: "SCP (OpenSSH)",
    service: "TCP pod to Service",
};

export const ROUND_KINDS = ["bare-metal", "idle", "cni"] as const;
export type RoundKind = typeof ROUND_KINDS[number];

export const HOST_PROVIDERS = ["docker", "ssh"] as const;

/** What a CNI offers in this lab (netlab's traits, and what ran). */
export interface BenchFeatures {
    networkPolicy: boolean;
    encryption: boolean;
    mtuAuto: boolean;
}

/** One host's resource use, one value per run. */
export interface HostResources {
    /** Used RAM without buffers/cache, MiB. */
    ramMiB: number[];
    /** CPU as % of the whole host (all cores = 100). */
    cpuPercent: number[];
}

export interface BenchRound {
    /** "bare-metal", "idle", or the CNI with "-encrypted" when encrypted: "flannel", "weave-encrypted". */
    name: string;
    kind: RoundKind;
    cni?: string;
    encrypted?: boolean;
    /** MTU seen on the pod's eth0 (bare metal: the host interface). */
    mtu?: number;
    features?: BenchFeatures;
    /** One value per run; Mbit/s. */
    samples: Partial<Record<Test, number[]>>;
    /** By host (u2, u3): during the TCP transfer (idle round: at rest). */
    resources?: Record<string, HostResources>;
    errors?: string[];
}

export interface BenchResults {
    schema: 1;
    /** ISO 8601. */
    startedAt: string;
    wallSeconds: number;
    machine: { cpus: number; memTotalMiB: number; kernel: string; hostProvider: "docker" | "ssh"; notes: string[] };
    /** cni: CNI name -> version. */
    versions: { kubernetes: string; cni: Record<string, string> };
    config: { runs: number; seconds: number; cnis: string[] };
    rounds: BenchRound[];
}

// ---------------------------------------------------------------------------------------------
// Rounds looked up

/** A round's runs of `test`, in Mbit/s (none without the round or the test). */
export function values(round: BenchRound | undefined, test: Test): number[] {
    return round?.samples[test] ?? [];
}

/** The bare-metal round (the reference), if it ran. */
export function bareMetalRound(results: BenchResults): BenchRound | undefined {
    return results.rounds.find((r) => r.kind === "bare-metal");
}

/** The idle round (the hosts at rest), if it ran. */
export function idleRound(results: BenchResults): BenchRound | undefined {
    return results.rounds.find((r) => r.kind === "idle");
}

/** The CNI rounds (the contenders). */
export function cniRounds(results: BenchResults): BenchRound[] {
    return results.rounds.filter((r) => r.kind === "cni");
}

/** Input that is not what a bench run writes: the message names the field and value. */
export class BenchInputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "BenchInputError";
    }
}

// ---------------------------------------------------------------------------------------------
// Shape checks

/** Field checks that throw BenchInputError naming `where` and the field; numbers are >= 0 unless said. */
class Checker extends JsonChecker {
    constructor(where: string) {
        super(where, BenchInputError);
    }

    override number(v: unknown, field: string, min = 0, max = Infinity): number {
        return super.number(v, field, min, max);
    }

    override numbers(v: unknown, field: string, min = 0, max = Infinity): number[] {
        return super.numbers(v, field, min, max);
    }
}

function parseRound(c: Checker, raw: unknown, f: string): BenchRound {
    const r = c.object(raw, f);
    const kind = c.oneOf(r.kind, `${f}.kind`, ROUND_KINDS);
    const round: BenchRound = { name: c.string(r.name, `${f}.name`), kind, samples: {} };
    if (r.cni !== undefined || kind === "cni") {
        round.cni = c.string(r.cni, `${f}.cni`);
    }
    if (r.encrypted !== undefined) {
        round.encrypted = c.boolean(r.encrypted, `${f}.encrypted`);
    }
    if (r.mtu !== undefined) {
        round.mtu = c.positiveInteger(r.mtu, `${f}.mtu`);
    }
    if (r.features !== undefined) {
        const o = c.object(r.features, `${f}.features`);
        round.features = {
            networkPolicy: c.boolean(o.networkPolicy, `${f}.features.networkPolicy`),
            encryption: c.boolean(o.encryption, `${f}.features.encryption`),
            mtuAuto: c.boolean(o.mtuAuto, `${f}.features.mtuAuto`),
        };
    }
    for (const [test, values] of Object.entries(c.object(r.samples, `${f}.samples`))) {
        const t = c.oneOf(test, `${f}.samples key`, TESTS);
        round.samples[t] = c.numbers(values, `${f}.samples.${t}`);
    }
    if (r.resources !== undefined) {
        round.resources = {};
        for (const [host, hr] of Object.entries(c.object(r.resources, `${f}.resources`))) {
            const h = c.object(hr, `${f}.resources.${host}`);
            round.resources[host] = {
                ramMiB: c.numbers(h.ramMiB, `${f}.resources.${host}.ramMiB`),
                cpuPercent: c.numbers(h.cpuPercent, `${f}.resources.${host}.cpuPercent`, 0, 100),
            };
        }
    }
    if (r.errors !== undefined) {
        round.errors = c.strings(r.errors, `${f}.errors`);
    }
    return round;
}

/**
 * Checks the parsed JSON of a bench run's results against BenchResults and returns a clean copy
 * (unknown top-level fields dropped). Throws BenchInputError naming the field, e.g.
 * `bench results: rounds[2].samples.tcp[1] must be a number >= 0, got "fast"`.
 */
export function parseBenchResults(json: unknown, where = "bench results"): BenchResults {
    const c = new Checker(where);
    const o = c.object(json, "the top level");
    if (o.schema !== 1) {
        c.fail("schema", "must be 1", o.schema);
    }
    const startedAt = c.string(o.startedAt, "startedAt");
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(startedAt) || Number.isNaN(Date.parse(startedAt))) {
        c.fail("startedAt", "must be an ISO 8601 date and time", startedAt);
    }
    const m = c.object(o.machine, "machine");
    const v = c.object(o.versions, "versions");
    const cniVersions: Record<string, string> = {};
    for (const [name, version] of Object.entries(c.object(v.cni, "versions.cni"))) {
        cniVersions[name] = c.string(version, `versions.cni.${name}`);
    }
    const k = c.object(o.config, "config");
    const rounds = c.list(o.rounds, "rounds").map((r, i) => parseRound(c, r, `rounds[${i}]`));
    const names = new Set<string>();
    rounds.forEach((r, i) => {
        if (names.has(r.name)) {
            c.fail(`rounds[${i}].name`, "must be unique", r.name);
        }
        names.add(r.name);
    });
    for (const kind of ["bare-metal", "idle"] as const) {
        const n = rounds.filter((r) => r.kind === kind).length;
        if (n > 1) {
            c.fail("rounds", `must hold at most one round of kind ${kind}`, `${n} of them`);
        }
    }
    return {
        schema: 1,
        startedAt,
        wallSeconds: c.number(o.wallSeconds, "wallSeconds"),
        machine: {
            cpus: c.positiveInteger(m.cpus, "machine.cpus"),
            memTotalMiB: c.number(m.memTotalMiB, "machine.memTotalMiB"),
            kernel: c.string(m.kernel, "machine.kernel"),
            hostProvider: c.oneOf(m.hostProvider, "machine.hostProvider", HOST_PROVIDERS),
            notes: c.list(m.notes ?? [], "machine.notes").map((n, i) => c.string(n, `machine.notes[${i}]`)),
        },
        versions: { kubernetes: c.string(v.kubernetes, "versions.kubernetes"), cni: cniVersions },
        config: {
            runs: c.positiveInteger(k.runs, "config.runs"),
            seconds: c.number(k.seconds, "config.seconds"),
            cnis: c.strings(k.cnis, "config.cnis"),
        },
        rounds,
    };
}

/** Reads and checks a results file; errors name the file. */
export function readBenchResults(file: string): BenchResults {
    let json: unknown;
    try {
        json = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new BenchInputError(`${file}: not a JSON file (${(e as Error).message})`);
    }
    return parseBenchResults(json, file);
}
