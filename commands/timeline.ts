/**
 * commands/lab.sh timeline STACK [--log FILE] [--top N]: where the last `up` or `destroy` of
 * STACK spent its time. Reads the engine's event log that commands/lab.sh keeps for every run
 * (.netlab/runs/STACK/<time>-<action>.events.jsonl) and the phases it timed around Pulumi,
 * asks the state for the dependencies (critical path), and writes beside the log a Markdown
 * table (<run>.timeline.md, also printed) and a Gantt chart (<run>.timeline.png).
 * The environment is commands/lab.sh's (state backend, passphrase).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { renderSpecPng } from "../lib/charts";
import { REPO_ROOT } from "../lib/scripts";
import { buildTimeline, parseEventLog, Phase, StateResource, timelineMarkdown, timelineSpec } from "../lib/timeline";
import { runMain } from "./lib/main";

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

async function main(): Promise<void> {
    const { values, positionals } = parseArgs({
        args: process.argv.slice(2),
        allowPositionals: true,
        options: { log: { type: "string" }, top: { type: "string", default: "40" } },
    });
    const stack = positionals[0];
    if (stack === undefined || positionals.length > 1) {
        throw new Error("usage: commands/lab.sh timeline STACK [--log FILE] [--top N]");
    }
    const log = values.log ?? latestEventLog(stack);
    if (log === undefined || !fs.existsSync(log)) {
        throw new Error(`no event log for stack ${stack}: run commands/lab.sh up ${stack} (or destroy) first, or pass --log FILE`);
    }
    const base = log.replace(/\.events\.jsonl$/, "");
    const title = `${stack}: ${path.basename(base)}`;
    const tl = buildTimeline(parseEventLog(fs.readFileSync(log, "utf8")), stateResources(stack, base));
    const md = timelineMarkdown(title, tl, readPhases(`${base}.phases`), Number(values.top));
    fs.writeFileSync(`${base}.timeline.md`, md);
    fs.writeFileSync(`${base}.timeline.png`, await renderSpecPng(timelineSpec(title, tl)));
    process.stdout.write(md);
    process.stdout.write(`\nwrote ${base}.timeline.md and ${base}.timeline.png\n`);
}

runMain(module, "timeline", main);
