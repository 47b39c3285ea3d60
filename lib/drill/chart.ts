/**
 * The chart of a drill report: requests per second per version over time, as a Vega-Lite spec
 * (drawn by lib/charts.ts).
 */
import type { TopLevelSpec } from "vega-lite/build/index";
import { CHART_FONT, chartFrame, ChartSize, DEFAULT_CHART_SIZE, renderSpecPng, renderSpecSvg } from "../charts";
import type { DrillReport } from "./report";

export { CHART_FONT, ChartSize, DEFAULT_CHART_SIZE, svgToPng } from "../charts";

/** Milliseconds with three significant-ish digits: 0.631, 12.3, 1234. */
function formatMs(ms: number): string {
    return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(ms >= 1 ? 2 : 3);
}

/** Requests per second of one version on one route over the interval ending at `t`. */
interface RateRow {
    t: number;
    route: string;
    version: string;
    rps: number;
}

function rates(report: DrillReport, route: string): RateRow[] {
    return report.timeline.filter((r) => r.route === route)
        .map((r) => ({ t: r.t, route: r.route, version: r.version, rps: r.seconds > 0 ? r.requests / r.seconds : 0 }));
}

/**
 * The Vega-Lite spec: the production route as areas stacked by version, the canary route (when
 * it had traffic) as dashed lines per version, and two rules at the change's start and end.
 * The whole image, title and legend included, is exactly `size`.
 */
export function chartSpec(report: DrillReport, size: ChartSize = DEFAULT_CHART_SIZE): TopLevelSpec {
    const canaryRoute = report.canaryRoute;
    // Only the versions that served the canary route: the others would be flat lines at 0.
    const canary = canaryRoute === null ? []
        : rates(report, canaryRoute).filter((r) => (report.versions[canaryRoute]?.[r.version] ?? 0) > 0);
    const withCanary = canary.length > 0;
    const x = { field: "t", type: "quantitative", title: "seconds since the load started" } as const;
    const color = {
        field: "version", type: "nominal", sort: Object.keys(report.versions[report.route] ?? {}),
        legend: { title: "version", symbolType: "square", orient: "bottom", direction: "horizontal" },
    } as const;
    const changeColor = report.change.ok ? "#444444" : "#c0392b";
    const change = report.change.ok ? `change ok in ${report.change.seconds} s`
        : `change FAILED after ${report.change.seconds} s${report.change.message === null ? "" : `: ${report.change.message}`}`;
    const p99 = formatMs(report.latencyMs.p99);
    return {
        ...chartFrame(size),
        title: {
            text: `${report.stack} ${report.scenario}: ${report.requests.total} requests, ${report.failed} failed, p99 ${p99} ms`,
            subtitle: [
                `${report.workload}, ${report.qps.actual.toFixed(1)} qps (asked ${report.qps.requested}); ${change}`,
                withCanary ? `areas: ${report.route} stacked by version; dashed lines: ${report.canaryRoute}` : `${report.route}, stacked by version`,
            ],
            anchor: "start",
        },
        config: { font: CHART_FONT, view: { stroke: null } },
        layer: [
            {
                data: { values: rates(report, report.route) },
                mark: { type: "area", interpolate: "step-before", opacity: 0.85 },
                encoding: {
                    x,
                    y: { field: "rps", type: "quantitative", stack: "zero", title: "requests per second" },
                    color,
                },
            },
            ...(withCanary ? [{
                data: { values: canary },
                mark: { type: "line" as const, interpolate: "step-before" as const, strokeDash: [6, 3], strokeWidth: 2 },
                encoding: { x, y: { field: "rps", type: "quantitative" as const }, color },
            }] : []),
            {
                data: { values: [
                    { t: report.change.startS, label: `change start ${report.change.startS} s` },
                    { t: report.change.endS, label: `change end ${report.change.endS} s` },
                ] },
                layer: [
                    { mark: { type: "rule", color: changeColor, strokeWidth: 1.5, strokeDash: [4, 2] }, encoding: { x } },
                    {
                        mark: { type: "text", align: "left", baseline: "top", dx: 4, dy: 4, color: changeColor, fontSize: 11 },
                        encoding: { x, y: { value: 0 }, text: { field: "label" } },
                    },
                ],
            },
        ],
    };
}

/** The chart as SVG text. */
export function renderChartSvg(report: DrillReport, size: ChartSize = DEFAULT_CHART_SIZE): Promise<string> {
    return renderSpecSvg(chartSpec(report, size));
}

/** The report's chart as a PNG of exactly `size`. */
export function renderChartPng(report: DrillReport, size: ChartSize = DEFAULT_CHART_SIZE): Promise<Buffer> {
    return renderSpecPng(chartSpec(report, size));
}
