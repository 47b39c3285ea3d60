/**
 * What a drill must have seen, from its plan's expectations and its report: every request
 * answered, `up` succeeding (or failing where auto_revert must), the versions serving after the
 * change, an isolated canary's route, a split's shares. Pure.
 */
import { Sample } from "./inputs";
import { canaryRequests, DrillReport } from "./report";
import { DrillPlan } from "./scenarios";

export interface DrillCheck {
    name: string;
    ok: boolean;
    detail: string;
}

/** A split's share must be measured over at least this many requests after the change. */
export const SPLIT_MIN_REQUESTS = 2000;
/** Requests sent by hand to an isolated canary's own route. */
export const CANARY_PROBES = 50;
/** How far a measured share may be from the split's weight. */
export const SPLIT_TOLERANCE = 0.05;

/** What a failed `up` said about it: netlab's own lines (a host script's verdict and fix), else the last lines. */
export function whyUpFailed(text: string): string {
    const lines = text.split("\n").map((l) => l.trim());
    const ours = [...new Set(lines.filter((l) => /^(nomad-job|Fix):/.test(l)))];
    return (ours.length > 0 ? ours : lines.filter(Boolean).slice(-8)).join("\n");
}

/** Requests per version on a route after the change was over (from the report's timeline). */
export function afterChange(report: DrillReport, route: string, settleSeconds = 1): Record<string, number> {
    const out: Record<string, number> = {};
    for (const row of report.timeline) {
        if (row.route === route && row.t > report.change.endS + settleSeconds) {
            out[row.version] = (out[row.version] ?? 0) + row.requests;
        }
    }
    return out;
}

/** What the drill must have seen, from its plan's expectations. */
export function drillChecks(plan: DrillPlan, report: DrillReport, samples: Sample[], minRequests: number): DrillCheck[] {
    const checks: DrillCheck[] = [];
    const add = (name: string, ok: boolean, detail: string): void => void checks.push({ name, ok, detail });
    add("requests", report.requests.total >= minRequests, `${report.requests.total} sent (at least ${minRequests})`);
    add("no failed request", report.failed === 0,
        `${report.failed} failed: ${report.requests.non2xx} non-2xx, ${report.requests.socketErrors} socket errors (${JSON.stringify(report.requests.byCode)})`);
    add("up", report.change.ok !== plan.expect.upFails,
        plan.expect.upFails ? `must fail (auto_revert): ${report.change.ok ? "it succeeded" : report.change.message}` : `must succeed: ${report.change.message ?? "ok"}`);
    add("load covers the change", report.change.endS < report.loadSeconds, `change ended at ${report.change.endS.toFixed(1)} s of ${report.loadSeconds.toFixed(1)} s of load`);
    const after = afterChange(report, report.route);
    const servedAfter = Object.keys(after).filter((v) => after[v] > 0).sort();
    add("serving after the change", JSON.stringify(servedAfter) === JSON.stringify(plan.expect.serving),
        `production served ${JSON.stringify(after)} after the change; expected versions ${plan.expect.serving.join(", ")}`);
    if (plan.expect.isolated !== undefined) {
        const leaked = canaryRequests(samples, report.route);
        add("isolated canary", leaked === 0, `${leaked} production requests reached a canary (${plan.expect.isolated})`);
        const canary = report.canaryRoute ? report.versions[report.canaryRoute] ?? {} : {};
        const served = Object.entries(canary).filter(([, n]) => n > 0);
        add("canary route", served.length === 1 && served[0][0] === plan.expect.isolated && served[0][1] >= CANARY_PROBES,
            `the canary route served ${JSON.stringify(canary)} (${CANARY_PROBES} requests sent to it: only ${plan.expect.isolated} may answer)`);
    }
    if (plan.expect.share !== undefined) {
        const total = Object.values(after).reduce((a, b) => a + b, 0);
        const off = Object.entries(plan.expect.share).map(([v, want]) => ({ v, want, got: total > 0 ? (after[v] ?? 0) / total : 0 }));
        add("split share", total >= SPLIT_MIN_REQUESTS && off.every((o) => Math.abs(o.got - o.want) <= SPLIT_TOLERANCE),
            `${off.map((o) => `${o.v} ${(o.got * 100).toFixed(1)}% (want ${o.want * 100}%)`).join(", ")} over ${total} requests after the change (at least ${SPLIT_MIN_REQUESTS}, within ${SPLIT_TOLERANCE * 100} points)`);
    }
    return checks;
}
