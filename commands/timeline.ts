/**
 * commands/lab.sh timeline STACK [--log FILE] [--top N]: where the last `up` or `destroy` of
 * STACK spent its time. Reads the engine's event log that commands/lab.sh keeps for every run
 * (.netlab/runs/STACK/<time>-<action>.events.jsonl) and the phases it timed around Pulumi,
 * asks the state for the dependencies (critical path), and writes beside the log a Markdown
 * table (<run>.timeline.md, also printed) and a Gantt chart (<run>.timeline.png).
 * The environment is commands/lab.sh's (state backend, passphrase).
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { renderSpecPng } from "../lib/charts";
import { buildTimeline, parseEventLog, timelineMarkdown, timelineSpec } from "../lib/timeline";
import { latestEventLog, readPhases, stateResources } from "./lib/runs";
import { runMain } from "./lib/main";

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
