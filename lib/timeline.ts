/**
 * Where a Pulumi run spends its time, from the engine's event log (`pulumi up --event-log`):
 * every resource step's start and end, the critical path through the stack's dependencies,
 * the time before the first step (program start) and after the last, and the phases outside
 * Pulumi that commands/lab.sh records (toolchain check, engine). Pure: events and the state's
 * dependencies in; rows, a Markdown table and a Gantt chart's Vega-Lite spec out.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import type { TopLevelSpec } from "vega-lite/build/index";
import { chartFrame } from "./charts";

/** One resource step of the run. Times are seconds since the run's first event. */
export interface TimelineRow {
    urn: string;
    /** Type and name, shortened for people (`Command weave-u1`). */
    label: string;
    op: string;
    start: number;
    end: number;
    /** The step failed (resOpFailedEvent). */
    failed: boolean;
    /** On the critical path: the chain of dependencies that ends last. */
    critical: boolean;
}

export interface Timeline {
    rows: TimelineRow[];
    /** Seconds from the first event to the first step (the program starting and registering). */
    programStart: number;
    /** Seconds from the first to the last event. */
    total: number;
    /** The engine's own summary, when the log has one. */
    durationSeconds?: number;
    /** The run's operation counts (create, same, update…), from the summary. */
    changes: Record<string, number>;
}

/** A resource's dependencies as the state has them (`pulumi stack export`: deployment.resources[]). */
export interface StateResource {
    urn: string;
    type?: string;
    parent?: string;
    dependencies?: string[];
}

/** `Type name` of a URN (the last part of its own type, e.g. `Container lab-u1`), as people name a resource. */
export function shortLabel(urn: string): string {
    const parts = urn.split("::");
    const name = parts.slice(3).join("::");
    const types = (parts[2] ?? "").split("$");
    const own = types[types.length - 1].split(":");
    return `${own[own.length - 1]} ${name}`;
}

/**
 * Whether an event's resource is a step of its own: a custom resource, not a provider. A
 * component or the stack spans its children (and the engine leaves `custom` out for them).
 */
function isStep(m: { type: string; new?: { custom?: boolean }; old?: { custom?: boolean } }): boolean {
    return (m.new ?? m.old)?.custom === true && !m.type.startsWith("pulumi:providers:");
}

/** Parses an event log: one JSON event per line; blank and torn last lines are skipped. */
export function parseEventLog(text: string): EngineEvent[] {
    const events: EngineEvent[] = [];
    for (const line of text.split("\n")) {
        if (line.trim() === "") {
            continue;
        }
        try {
            events.push(JSON.parse(line) as EngineEvent);
        } catch {
            // The engine may be writing the last line still (a run in progress).
        }
    }
    return events;
}

/**
 * The critical path: from the step that ended last, back through the dependency (or child, for
 * a component that waits on its children) that ended last before it started, to a step with
 * none. Returns the URNs on it.
 */
export function criticalPath(rows: TimelineRow[], state: StateResource[]): Set<string> {
    const byUrn = new Map(rows.map((r) => [r.urn, r]));
    // What must end before a step begins: its dependencies; for a delete, its dependents
    // (the engine deletes a resource after everything that depends on it).
    const deps = new Map<string, string[]>();
    const dependents = new Map<string, string[]>();
    for (const s of state) {
        deps.set(s.urn, [...(s.dependencies ?? [])]);
        for (const d of s.dependencies ?? []) {
            dependents.set(d, [...(dependents.get(d) ?? []), s.urn]);
        }
    }
    const before = (r: TimelineRow): string[] => r.op === "delete" ? dependents.get(r.urn) ?? [] : deps.get(r.urn) ?? [];
    // A resource that depends on a component waits for that component's children.
    const children = new Map<string, string[]>();
    for (const s of state) {
        if (s.parent !== undefined) {
            children.set(s.parent, [...(children.get(s.parent) ?? []), s.urn]);
        }
    }
    const expand = (urn: string, seen = new Set<string>()): string[] => {
        if (seen.has(urn)) {
            return [];
        }
        seen.add(urn);
        if (byUrn.has(urn)) {
            return [urn];
        }
        return (children.get(urn) ?? []).flatMap((c) => expand(c, seen));
    };
    const path = new Set<string>();
    let current = [...rows].sort((a, b) => b.end - a.end || b.start - a.start)[0];
    while (current !== undefined && !path.has(current.urn)) {
        path.add(current.urn);
        const start = current.start;
        const ended = before(current).flatMap((d) => expand(d))
            .map((u) => byUrn.get(u)).filter((r): r is TimelineRow => r !== undefined && r.end <= start + 1)
            .sort((a, b) => b.end - a.end);
        current = ended[0];
    }
    return path;
}

/** The run's timeline from its events (and the state's dependencies for the critical path). */
export function buildTimeline(events: EngineEvent[], state: StateResource[] = []): Timeline {
    const sorted = [...events].sort((a, b) => a.sequence - b.sequence);
    if (sorted.length === 0) {
        throw new Error("the event log has no events");
    }
    const t0 = sorted[0].timestamp;
    const open = new Map<string, { start: number; op: string }>();
    const rows: TimelineRow[] = [];
    let durationSeconds: number | undefined;
    let changes: Record<string, number> = {};
    for (const e of sorted) {
        const t = e.timestamp - t0;
        if (e.resourcePreEvent && !e.resourcePreEvent.planning) {
            const m = e.resourcePreEvent.metadata;
            if (isStep(m)) {
                open.set(`${m.urn} ${m.op}`, { start: t, op: m.op });
            }
        } else if ((e.resOutputsEvent && !e.resOutputsEvent.planning) || e.resOpFailedEvent) {
            const m = (e.resOutputsEvent ?? e.resOpFailedEvent)?.metadata;
            if (m === undefined || !isStep(m)) {
                continue;
            }
            const key = `${m.urn} ${m.op}`;
            const began = open.get(key);
            open.delete(key);
            rows.push({
                urn: m.urn, label: shortLabel(m.urn), op: m.op, start: began?.start ?? t, end: t,
                failed: e.resOpFailedEvent !== undefined, critical: false,
            });
        } else if (e.summaryEvent) {
            durationSeconds = e.summaryEvent.durationSeconds;
            changes = { ...e.summaryEvent.resourceChanges };
        }
    }
    // Steps that began and never ended (a cancelled run) end with the log.
    const last = sorted[sorted.length - 1].timestamp - t0;
    for (const [key, o] of open) {
        const urn = key.slice(0, key.lastIndexOf(" "));
        rows.push({ urn, label: shortLabel(urn), op: o.op, start: o.start, end: last, failed: true, critical: false });
    }
    const steps = rows.filter((r) => r.op !== "same" || r.end > r.start);
    const onPath = criticalPath(steps, state);
    for (const r of rows) {
        r.critical = onPath.has(r.urn);
    }
    rows.sort((a, b) => a.start - b.start || a.end - b.end || a.label.localeCompare(b.label));
    const programStart = rows.length > 0 ? Math.min(...rows.map((r) => r.start)) : last;
    return { rows, programStart, total: last, durationSeconds, changes };
}

/** A phase of the command around Pulumi (commands/lab.sh): name and seconds. */
export interface Phase {
    name: string;
    seconds: number;
}

/** The timeline as Markdown: phases, summary, then every step that took time, longest first. */
export function timelineMarkdown(title: string, tl: Timeline, phases: Phase[] = [], top = 40): string {
    const lines = [`# ${title}`, ""];
    if (phases.length > 0) {
        lines.push("| phase | seconds |", "| --- | ---: |", ...phases.map((p) => `| ${p.name} | ${p.seconds.toFixed(1)} |`), "");
    }
    const changes = Object.entries(tl.changes).map(([k, v]) => `${k} ${v}`).join(", ");
    lines.push(`Engine: ${tl.total} s from the first event to the last` +
        (tl.durationSeconds === undefined ? "" : ` (Pulumi's duration ${tl.durationSeconds} s)`) +
        `; the first step began at ${tl.programStart} s (program start)` + (changes ? `; ${changes}.` : "."), "");
    const path = tl.rows.filter((r) => r.critical).sort((a, b) => a.start - b.start);
    if (path.length > 0) {
        lines.push(`Critical path (${path.length} steps, ${path[path.length - 1].end - path[0].start} s): ` +
            path.map((r) => `${r.label} (${r.end - r.start} s)`).join(" → "), "");
    }
    const busy = tl.rows.filter((r) => r.end > r.start).sort((a, b) => (b.end - b.start) - (a.end - a.start)).slice(0, top);
    lines.push("| resource | op | start s | seconds | critical |", "| --- | --- | ---: | ---: | --- |",
        ...busy.map((r) => `| ${r.label.replace(/\|/g, "\\|")} | ${r.op}${r.failed ? " (failed)" : ""} | ${r.start} | ${r.end - r.start} | ${r.critical ? "yes" : ""} |`));
    const quick = tl.rows.length - busy.length;
    if (quick > 0) {
        lines.push("", `${quick} more step(s) took under a second (or are past the first ${top}).`);
    }
    return lines.join("\n") + "\n";
}

/** A Gantt chart of the steps that took time (and every step on the critical path). */
export function timelineSpec(title: string, tl: Timeline): TopLevelSpec {
    const shown = tl.rows.filter((r) => r.end > r.start || r.critical);
    const data = shown.map((r, i) => ({
        step: `${String(i + 1).padStart(3, "0")} ${r.label}`, start: r.start, end: Math.max(r.end, r.start + 0.4),
        seconds: r.end - r.start, op: r.failed ? `${r.op} (failed)` : r.op, path: r.critical ? "critical path" : "other",
    }));
    const height = Math.max(200, 18 * data.length + 80);
    return {
        ...chartFrame({ width: 1100, height }),
        title: { text: title, subtitle: `${tl.total} s in the engine; first step at ${tl.programStart} s`, anchor: "start" },
        data: { values: data },
        mark: { type: "bar", cornerRadius: 2 },
        encoding: {
            y: { field: "step", type: "nominal", sort: null, title: null, axis: { labelLimit: 420 } },
            x: { field: "start", type: "quantitative", title: "seconds since the run began" },
            x2: { field: "end" },
            color: { field: "op", type: "nominal", title: "step" },
            stroke: { field: "path", type: "nominal", scale: { domain: ["critical path", "other"], range: ["black", "transparent"] }, title: null },
            strokeWidth: { value: 2 },
            tooltip: [{ field: "step" }, { field: "seconds" }, { field: "op" }],
        },
    };
}
