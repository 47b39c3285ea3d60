/**
 * The runs commands/lab.sh records for every up and destroy (.netlab/runs/STACK/<time>-<action>.*:
 * Pulumi's engine event log, the phases timed around it, the state before a destroy), read
 * back for `commands/lab.sh timeline`.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../../lib/scripts";
import { Phase, StateResource } from "../../lib/timeline";

/** The newest event log of STACK's runs, or undefined. */
export function latestEventLog(stack: string, runsDir = path.join(REPO_ROOT, ".netlab", "runs")): string | undefined {
    const dir = path.join(runsDir, stack);
    if (!fs.existsSync(dir)) {
        return undefined;
    }
    const logs = fs.readdirSync(dir).filter((f) => f.endsWith(".events.jsonl")).sort();
    return logs.length === 0 ? undefined : path.join(dir, logs[logs.length - 1]);
}

/** The phases commands/lab.sh wrote beside a log: `name<TAB>seconds` lines. */
export function readPhases(file: string): Phase[] {
    if (!fs.existsSync(file)) {
        return [];
    }
    return fs.readFileSync(file, "utf8").split("\n").filter((l) => l.includes("\t")).map((l) => {
        const [name, seconds] = l.split("\t");
        return { name, seconds: Number(seconds) };
    });
}

/** The resources (parents, dependencies) of a `pulumi stack export`. */
function exportedResources(text: string): StateResource[] {
    return ((JSON.parse(text) as { deployment?: { resources?: StateResource[] } }).deployment?.resources) ?? [];
}

/**
 * The dependencies for a run's critical path: the state lab.sh saved beside it (a destroy),
 * else the stack's state now, else the newest state saved beside a later run of the stack
 * (an up that a destroy followed), else none.
 */
export function stateResources(stack: string, base: string): StateResource[] {
    if (fs.existsSync(`${base}.state.json`)) {
        return exportedResources(fs.readFileSync(`${base}.state.json`, "utf8"));
    }
    try {
        const live = exportedResources(execFileSync("pulumi", ["stack", "export", "--stack", stack],
            { encoding: "utf8", maxBuffer: 256 << 20, stdio: ["ignore", "pipe", "ignore"] }));
        if (live.length > 0) {
            return live;
        }
    } catch {
        // No such stack any more: try what lab.sh saved.
    }
    const dir = path.dirname(base);
    const later = fs.readdirSync(dir).filter((f) => f.endsWith(".state.json") && path.join(dir, f) > base).sort();
    return later.length === 0 ? [] : exportedResources(fs.readFileSync(path.join(dir, later[0]), "utf8"));
}
