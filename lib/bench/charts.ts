/**
 * The charts of a CNI benchmark report: one PNG per test (a bar per round, its min–max as a
 * whisker, bare metal a green bar and a dashed rule) and one each for RAM and CPU during the TCP
 * transfer (the idle cluster a purple bar and a rule), as in the seed's charts. Vega-Lite specs,
 * drawn by lib/charts.ts.
 */
import * as fs from "fs";
import * as path from "path";
import type { TopLevelSpec } from "vega-lite/build/index";
import { CHART_FONT, chartFrame, ChartSize, DEFAULT_CHART_SIZE, renderSpecPng } from "../charts";
import { formatNumber } from "./format";
import { benchTables, BenchTables, ResourceTable, TestTable } from "./tables";
import { BenchResults } from "./results";

/** Bar colours: the seed's green for bare metal and purple for the idle cluster. */
const COLORS = { "bare metal": "#2ca02c", "idle cluster": "#9467bd", "CNI": "#4c78a8", "CNI, encrypted": "#e45756" } as const;
type Group = keyof typeof COLORS;

interface Bar {
    round: string;
    group: Group;
    value: number;
    min: number;
    max: number;
    label: string;
}

function groupOf(kind: string, encrypted: boolean): Group {
    return kind === "bare-metal" ? "bare metal" : kind === "idle" ? "idle cluster" : encrypted ? "CNI, encrypted" : "CNI";
}

/** A horizontal dashed rule across the bars (the subtitle says what it is). */
interface Reference {
    value: number;
    color: string;
}

/** Bars with whiskers, the reference as a dashed rule; the whole image is exactly `size`. */
function barSpec(title: string, subtitle: string[], yTitle: string, bars: Bar[], reference: Reference | null, size: ChartSize): TopLevelSpec {
    const groups = (Object.keys(COLORS) as Group[]).filter((g) => bars.some((b) => b.group === g));
    const x = { field: "round", type: "nominal", sort: bars.map((b) => b.round), title: null, axis: { labelAngle: -30 } } as const;
    return {
        ...chartFrame(size),
        title: { text: title, subtitle, anchor: "start" },
        config: { font: CHART_FONT, view: { stroke: null } },
        layer: [
            {
                data: { values: bars },
                layer: [
                    {
                        mark: { type: "bar", width: { band: 0.7 } },
                        encoding: {
                            x,
                            y: { field: "value", type: "quantitative", title: yTitle },
                            color: {
                                field: "group", type: "nominal", title: null,
                                scale: { domain: groups, range: groups.map((g) => COLORS[g]) },
                                legend: { orient: "top", direction: "horizontal", symbolType: "square" },
                            },
                        },
                    },
                    {
                        mark: { type: "rule", color: "#333333", strokeWidth: 1.5 },
                        encoding: { x, y: { field: "min", type: "quantitative" }, y2: { field: "max" } },
                    },
                    {
                        mark: { type: "text", baseline: "bottom", dy: -3, fontSize: 10, color: "#222222" },
                        encoding: { x, y: { field: "max", type: "quantitative" }, text: { field: "label" } },
                    },
                ],
            },
            ...(reference === null ? [] : [{
                data: { values: [reference] },
                mark: { type: "rule" as const, color: reference.color, strokeWidth: 1.5, strokeDash: [6, 3] },
                encoding: { y: { field: "value", type: "quantitative" as const } },
            }]),
        ],
    };
}

/** The spec of one test's chart: Mbit/s per round (median, whisker min–max), bare metal as a bar and a dashed rule. */
export function testChartSpec(results: BenchResults, table: TestTable, size: ChartSize = DEFAULT_CHART_SIZE): TopLevelSpec {
    const encrypted = new Set(results.rounds.filter((r) => r.encrypted === true).map((r) => r.name));
    const bars = table.rows.filter((r) => r.summary !== null).map((r): Bar => ({
        round: r.round, group: groupOf(r.kind, encrypted.has(r.round)),
        value: r.summary!.median, min: r.summary!.min, max: r.summary!.max,
        label: r.pctOfBareMetal === null || r.kind === "bare-metal" ? formatNumber(r.summary!.median) : `${r.pctOfBareMetal.toFixed(0)}%`,
    }));
    const bare = table.bareMetal;
    return barSpec(`${table.label}: Mbit/s`,
        [`bars: median of ${results.config.runs} runs; whiskers: min–max`,
            bare === null ? "labels: Mbit/s (no bare-metal result)" : `labels: % of bare metal; dashed: bare metal ${formatNumber(bare.median)} Mbit/s`],
        "Mbit/s", bars, bare === null ? null : { value: bare.median, color: COLORS["bare metal"] }, size);
}

/** The spec of the RAM or CPU chart: per round the median across hosts, whisker min–max of every host's runs, the idle cluster as a rule. */
export function resourceChartSpec(results: BenchResults, table: ResourceTable, size: ChartSize = DEFAULT_CHART_SIZE): TopLevelSpec {
    const byName = new Map(results.rounds.map((r) => [r.name, r]));
    const cpu = table.unit === "%";
    const format = (v: number): string => (cpu ? v.toFixed(1) : Math.round(v).toLocaleString("en-US"));
    const bars = table.rows.filter((r) => r.hosts !== null).map((r): Bar => {
        const all = table.hosts.flatMap((h) => (r.perHost[h] === null ? [] : [r.perHost[h].min, r.perHost[h].max]));
        const over = r.overIdle === null ? "" : ` (${r.overIdle >= 0 ? "+" : ""}${format(r.overIdle)})`;
        return {
            round: r.round, group: groupOf(r.kind, byName.get(r.round)?.encrypted === true), value: r.hosts!,
            min: Math.min(...all), max: Math.max(...all), label: `${format(r.hosts!)}${over}`,
        };
    });
    const idle = table.rows.find((r) => r.kind === "idle")?.hosts ?? null;
    return barSpec(`${table.label}${cpu ? "" : ", MiB"}`,
        [`bars: median across hosts (${table.hosts.join(", ")}) of each host's median; whiskers: min–max`,
            `labels: value (over idle)${idle === null ? "" : `; dashed: idle cluster ${format(idle)}${cpu ? " %" : " MiB"}`}`],
        cpu ? "CPU %" : "MiB", bars, idle === null ? null : { value: idle, color: COLORS["idle cluster"] }, size);
}

/** Every chart's spec by name: each test ("tcp", ...), then "ram" and "cpu" when measured. */
export function benchChartSpecs(results: BenchResults, size: ChartSize = DEFAULT_CHART_SIZE, tables: BenchTables = benchTables(results)): Record<string, TopLevelSpec> {
    const specs: Record<string, TopLevelSpec> = {};
    for (const t of tables.tests) {
        specs[t.test] = testChartSpec(results, t, size);
    }
    for (const [name, t] of [["ram", tables.ram], ["cpu", tables.cpu]] as const) {
        if (t.rows.some((r) => r.hosts !== null)) {
            specs[name] = resourceChartSpec(results, t, size);
        }
    }
    return specs;
}

/** Draws every chart as `dir`/bench-NAME.png (dir created if missing); returns name -> file path. */
export async function renderBenchCharts(results: BenchResults, dir: string, size: ChartSize = DEFAULT_CHART_SIZE): Promise<Record<string, string>> {
    fs.mkdirSync(dir, { recursive: true });
    const files: Record<string, string> = {};
    for (const [name, spec] of Object.entries(benchChartSpecs(results, size))) {
        const file = path.join(dir, `bench-${name}.png`);
        fs.writeFileSync(file, await renderSpecPng(spec));
        files[name] = file;
    }
    return files;
}
