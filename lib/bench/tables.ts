/**
 * The seed's tables of a CNI benchmark's results: per test a row per round (median, min–max, %
 * of bare metal), and the RAM and CPU of each round per host and over the idle round. Pure.
 */
import { medianOrNull, Summary, summarize } from "./stats";
import { BenchResults, bareMetalRound, idleRound, RoundKind, Test, TEST_LABELS, TESTS, values } from "./results";

export interface TestRow {
    round: string;
    kind: RoundKind;
    encrypted: boolean;
    /** Null when the round has no result for the test. */
    summary: Summary | null;
    /** The round's median as % of bare metal's median; null without either. */
    pctOfBareMetal: number | null;
}

export interface TestTable {
    test: Test;
    label: string;
    unit: "Mbit/s";
    bareMetal: Summary | null;
    /** Every round but the idle one, in the results' order. */
    rows: TestRow[];
}

export interface ResourceRow {
    round: string;
    kind: RoundKind;
    /** The round's runs on each host; null for a host it has no values for. */
    perHost: Record<string, Summary | null>;
    /** The median across hosts of their medians (with two hosts: their mean). */
    hosts: number | null;
    /** Per host: its median minus the idle round's median on that host (CNI rounds only). */
    overIdlePerHost: Record<string, number | null>;
    /** The median across hosts of overIdlePerHost: what the CNI and its traffic cost over the idle round. */
    overIdle: number | null;
}

export type ResourceMetric = "ramMiB" | "cpuPercent";

export interface ResourceTable {
    metric: ResourceMetric;
    label: string;
    unit: "MiB" | "%";
    hosts: string[];
    /** Every round with resources, in the results' order, the idle round included. */
    rows: ResourceRow[];
}

export interface BenchTables {
    /** Tests some round has a result for, in TESTS order. */
    tests: TestTable[];
    ram: ResourceTable;
    cpu: ResourceTable;
}

function testTable(results: BenchResults, test: Test): TestTable {
    const bare = values(bareMetalRound(results), test);
    const bareMedian = medianOrNull(bare);
    const rows = results.rounds.filter((r) => r.kind !== "idle" || values(r, test).length > 0).map((r): TestRow => {
        const v = values(r, test);
        const summary = v.length === 0 ? null : summarize(v);
        return {
            round: r.name, kind: r.kind, encrypted: r.encrypted === true, summary,
            pctOfBareMetal: summary === null || bareMedian === null || bareMedian === 0 ? null : (summary.median / bareMedian) * 100,
        };
    });
    return { test, label: TEST_LABELS[test], unit: "Mbit/s", bareMetal: bare.length === 0 ? null : summarize(bare), rows };
}

function resourceTable(results: BenchResults, metric: ResourceMetric): ResourceTable {
    const withResources = results.rounds.filter((r) => r.resources !== undefined && Object.keys(r.resources).length > 0);
    const hosts = [...new Set(withResources.flatMap((r) => Object.keys(r.resources!)))].sort();
    const idle = idleRound(results);
    const idleMedian = (host: string): number | null => medianOrNull(idle?.resources?.[host]?.[metric] ?? []);
    const rows = withResources.map((r): ResourceRow => {
        const perHost: Record<string, Summary | null> = {};
        const overIdlePerHost: Record<string, number | null> = {};
        for (const host of hosts) {
            const v = r.resources![host]?.[metric] ?? [];
            perHost[host] = v.length === 0 ? null : summarize(v);
            const base = idleMedian(host);
            overIdlePerHost[host] = r.kind !== "cni" || perHost[host] === null || base === null ? null : perHost[host].median - base;
        }
        const known = (xs: (number | null)[]): number[] => xs.filter((x): x is number => x !== null);
        return {
            round: r.name, kind: r.kind, perHost,
            hosts: medianOrNull(known(Object.values(perHost).map((s) => s?.median ?? null))),
            overIdlePerHost,
            overIdle: medianOrNull(known(Object.values(overIdlePerHost))),
        };
    });
    return metric === "ramMiB"
        ? { metric, label: "RAM during the TCP transfer, without buffers/cache", unit: "MiB", hosts, rows }
        : { metric, label: "CPU during the TCP transfer, % of the whole host (all cores = 100)", unit: "%", hosts, rows };
}

/** The seed's tables: per test a row per round (median, min–max, % of bare metal), and RAM and CPU over idle. */
export function benchTables(results: BenchResults): BenchTables {
    return {
        tests: TESTS.filter((t) => results.rounds.some((r) => values(r, t).length > 0)).map((t) => testTable(results, t)),
        ram: resourceTable(results, "ramMiB"),
        cpu: resourceTable(results, "cpuPercent"),
    };
}
