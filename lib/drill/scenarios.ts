/**
 * The drills' scenarios (npm run drill): each is a change to one workload's settings that
 * the drill's `pulumi up` performs under load, and what the drill expects of it. Pure: from
 * the workload's settings and its state (the stack's outputs) to the settings to write.
 */
import { Strategy } from "../config";

export const DRILL_SCENARIOS = [
    "rolling", "canary", "canary-isolated", "blue-green", "promote", "revert", "revert-failed", "split",
] as const;
export type DrillScenario = (typeof DRILL_SCENARIOS)[number];
/** The drills of a kubeadm stack: a Deployment's rolling update, and a split's weights (with the mesh). */
export const KUBE_DRILL_SCENARIOS: readonly DrillScenario[] = ["rolling", "split"];
/** The scenarios drills run on. */
export type DrillTarget = "weave-nomad" | "kubeadm";

/** One workload as the stack's config holds it (netlab:workloads[i]). */
export type WorkloadSettings = Record<string, unknown>;

/** What the stack's outputs say of the workload (stacks/weave-nomad.ts `workloads`). */
export interface WorkloadNow {
    deployment: { state: string } | null;
    instances: string[];
    history: { jobVersion: number; stable: boolean; versions: string[] }[];
}

export interface DrillOptions {
    /** The version to move to (default: the next minor version; revert: the previous one). */
    version?: string;
    /** split: the weights of the workload's version and the other one, in percent. */
    weights?: [number, number];
}

export interface DrillPlan {
    /** The workload's settings after the change (fields set to undefined are removed). */
    settings: WorkloadSettings;
    /** The settings to write back after the drill (revert-failed: the failed version is not kept). */
    restore?: WorkloadSettings;
    describe: string;
    expect: {
        /** `up` must fail (a deployment that fails, rolled back by auto_revert). */
        upFails: boolean;
        /** The version that must serve production once the change is over. */
        serving: string[];
        /** canary-isolated: a version production requests must never reach. */
        isolated?: string;
        /** split: each version's share of production requests once the change is over. */
        share?: Record<string, number>;
    };
}

/** v1.2.3 -> v1.3.0. */
export function nextVersion(v: string): string {
    const m = /^v(\d+)\.(\d+)\.(\d+)$/.exec(v);
    if (!m) {
        throw new Error(`'${v}' is not a version of the form vX.Y.Z`);
    }
    return `v${m[1]}.${Number(m[2]) + 1}.0`;
}

/** "10.32.0.3:8081 u2 v1.0.0 canary" (the outputs' instance lines) -> its version and whether it is a canary. */
export function parseInstance(line: string): { version: string; canary: boolean } {
    const parts = line.trim().split(/\s+/);
    if (parts.length < 3) {
        throw new Error(`'${line}' is not an instance line ("address node version [canary]")`);
    }
    return { version: parts[2], canary: parts[3] === "canary" };
}

/** The version production runs now: the non-canary instances' (one version unless a split runs). */
export function productionVersions(now: WorkloadNow): string[] {
    return [...new Set(now.instances.map(parseInstance).filter((i) => !i.canary).map((i) => i.version))].sort();
}

/** The version to go back to: what production runs under a waiting canary, else the last stable job version that ran another one. */
export function previousVersion(current: string, now: WorkloadNow): string {
    if (now.deployment?.state === "awaiting-promotion") {
        const prod = productionVersions(now).filter((v) => v !== current);
        if (prod.length === 1) {
            return prod[0];
        }
    }
    const older = [...now.history].sort((a, b) => b.jobVersion - a.jobVersion)
        .find((h) => h.stable && h.versions.length > 0 && h.versions[0] !== current);
    if (!older) {
        throw new Error(`the job has no earlier stable version than ${current} to go back to (history: ${JSON.stringify(now.history)})`);
    }
    return older.versions[0];
}

const str = (w: WorkloadSettings, k: string, fallback: string): string => {
    const v = w[k];
    return typeof v === "string" ? v : fallback;
};

/**
 * The change a scenario makes to a workload, and what the drill must see. On kubeadm only
 * rolling and split run, and a change writes only kubeadm's settings (no strategy, promote or
 * fault).
 */
export function planDrill(scenario: DrillScenario, w: WorkloadSettings, now: WorkloadNow, opts: DrillOptions = {},
    target: DrillTarget = "weave-nomad"): DrillPlan {
    if (target === "kubeadm") {
        return planKubeDrill(scenario, w, opts);
    }
    const version = str(w, "version", "v1.0.0");
    const strategy = str(w, "strategy", "rolling") as Strategy;
    const to = opts.version ?? nextVersion(version);
    const deploy = (s: Strategy, waits: boolean): DrillPlan => ({
        settings: { ...w, strategy: s, version: to, promote: !waits, split: undefined, fault: undefined },
        describe: `${s} ${version} -> ${to}${waits ? ", left waiting for promotion" : ""}`,
        expect: {
            upFails: false,
            // Waiting canaries: production keeps its version, plus the canaries unless isolated.
            serving: waits ? (s === "canary-isolated" ? [version] : [version, to].sort()) : [to],
            isolated: s === "canary-isolated" ? to : undefined,
        },
    });
    switch (scenario) {
        case "rolling":
            return deploy("rolling", false);
        case "canary":
        case "canary-isolated":
        case "blue-green":
            return deploy(scenario, true);
        case "promote": {
            if (now.deployment?.state !== "awaiting-promotion") {
                throw new Error(`nothing waits for promotion (deployment: ${JSON.stringify(now.deployment)}): run a canary, canary-isolated or blue-green drill first`);
            }
            return { settings: { ...w, promote: true }, describe: `promote ${version} (${strategy})`, expect: { upFails: false, serving: [version] } };
        }
        case "revert": {
            const back = opts.version ?? previousVersion(version, now);
            return {
                // A revert completes in one `up`: it is promoted if the strategy places canaries.
                settings: { ...w, version: back, promote: true, fault: undefined },
                describe: `revert ${version} -> ${back} (${strategy})`,
                expect: { upFails: false, serving: [back] },
            };
        }
        case "revert-failed": {
            const serving = productionVersions(now);
            return {
                settings: { ...w, version: to, fault: "unhealthy", promote: true },
                restore: { ...w },
                describe: `${strategy} ${version} -> ${to} with a failing health check: auto_revert`,
                expect: { upFails: true, serving },
            };
        }
        case "split": {
            const plan = planSplit(w, opts);
            return { ...plan, settings: { ...plan.settings, strategy: "rolling", promote: false, fault: undefined } };
        }
    }
}

/** A split of the workload's version and another one (the one split already, else the next) by the weights. */
function planSplit(w: WorkloadSettings, opts: DrillOptions): DrillPlan {
    const version = str(w, "version", "v1.0.0");
    const existing = Object.keys((w.split as Record<string, number> | undefined) ?? {}).filter((v) => v !== version);
    const other = opts.version ?? existing[0] ?? nextVersion(version);
    const [a, b] = opts.weights ?? [80, 20];
    if (a + b !== 100 || a < 0 || b < 0) {
        throw new Error(`split weights ${a},${b} must be two percents that sum to 100`);
    }
    return {
        settings: { ...w, split: { [version]: a, [other]: b } },
        describe: `split ${version} ${a}% / ${other} ${b}%`,
        expect: { upFails: false, serving: [version, other].filter((_, i) => [a, b][i] > 0).sort(), share: { [version]: a / 100, [other]: b / 100 } },
    };
}

/** kubeadm: a rolling update of the workload's Deployment to another version, or a split. */
function planKubeDrill(scenario: DrillScenario, w: WorkloadSettings, opts: DrillOptions): DrillPlan {
    if (!KUBE_DRILL_SCENARIOS.includes(scenario)) {
        throw new Error(`drill ${scenario} runs on weave-nomad stacks (Nomad's deployments); a kubeadm stack runs ${KUBE_DRILL_SCENARIOS.join(", ")}`);
    }
    if (scenario === "split") {
        return planSplit(w, opts);
    }
    const version = str(w, "version", "v1.0.0");
    if (w.split !== undefined) {
        throw new Error(`workload ${str(w, "name", "httpbackend")} runs a split: a rolling drill updates one version; remove the split first (pulumi config rm --path 'netlab:workloads[i].split')`);
    }
    const to = opts.version ?? nextVersion(version);
    const surge = typeof w.maxSurge === "number" ? w.maxSurge : 1;
    const unavailable = typeof w.maxUnavailable === "number" ? w.maxUnavailable : 0;
    return {
        settings: { ...w, version: to },
        describe: `rolling update ${version} -> ${to} (maxSurge ${surge}, maxUnavailable ${unavailable})`,
        expect: { upFails: false, serving: [to] },
    };
}

/**
 * The config writes that turn `before` into `after` for netlab:workloads[index], as
 * `pulumi config set/rm --path` keys: one per changed field (a split is written whole).
 */
export function settingChanges(index: number, before: WorkloadSettings, after: WorkloadSettings):
    { set: [string, string][]; remove: string[] } {
    const set: [string, string][] = [];
    const remove: string[] = [];
    const key = (field: string): string => `netlab:workloads[${index}].${field}`;
    for (const field of new Set([...Object.keys(before), ...Object.keys(after)])) {
        const a = before[field];
        const b = after[field];
        if (JSON.stringify(a) === JSON.stringify(b)) {
            continue;
        }
        if (b === undefined) {
            remove.push(key(field));
        } else if (typeof b === "object" && b !== null) {
            if (a !== undefined) {
                remove.push(key(field));
            }
            for (const [k, v] of Object.entries(b)) {
                set.push([`${key(field)}["${k}"]`, String(v)]);
            }
        } else {
            set.push([key(field), typeof b === "string" ? b : JSON.stringify(b)]);
        }
    }
    return { set, remove };
}
