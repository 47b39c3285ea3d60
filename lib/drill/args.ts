/**
 * The command line of `npm run drill -- <stack> <scenario> [options]` (commands/drill.ts),
 * parsed with Node's util.parseArgs into what a drill is asked for. Pure but for --out, which
 * is resolved against the working directory.
 */
import * as path from "path";
import { parseCommandLine } from "../command-line";
import { DRILL_SCENARIOS, DrillOptions, DrillScenario } from "./scenarios";

export interface DrillArgs extends DrillOptions {
    scenario: DrillScenario;
    workload?: string;
    qps: number;
    minRequests: number;
    maxSeconds: number;
    tailSeconds?: number;
    outDir?: string;
    /** Where the drill's progress goes (default: stdout). */
    log?: (line: string) => void;
    /** Where `pulumi up`'s output goes (default: stdout). */
    upOutput?: (text: string) => void;
}

export const DRILL_USAGE = `usage: npm run drill -- <stack> <${DRILL_SCENARIOS.join("|")}> [--workload NAME] [--version vX.Y.Z] [--weights A,B] [--qps N] [--min-requests N] [--max-seconds N] [--tail N] [--out DIR]`;

const OPTIONS = ["workload", "version", "weights", "qps", "min-requests", "max-seconds", "tail", "out"] as const;

/**
 * The stack and the drill's arguments: --workload (default: the stack's first), --version,
 * --weights A,B (two whole percents), --qps (500), --min-requests (10000), --max-seconds (600),
 * --tail, --out; each number positive, and --min-requests at --qps within --max-seconds.
 * Anything else throws, with the usage.
 */
export function parseDrillArgs(argv: string[]): { stack: string; args: DrillArgs } {
    const usage = DRILL_USAGE;
    const { values: v, positionals } = parseCommandLine(argv, OPTIONS, usage);
    const [stack, scenario, extra] = positionals;
    if (!stack || !(DRILL_SCENARIOS as readonly string[]).includes(scenario ?? "")) {
        throw new Error(usage);
    }
    if (extra !== undefined) {
        throw new Error(`unknown option ${extra}\n${usage}`);
    }
    const num = (flag: string, value: string): number => {
        const n = Number(value);
        if (!Number.isFinite(n) || n <= 0) {
            throw new Error(`${flag} wants a positive number, got '${value}'\n${usage}`);
        }
        return n;
    };
    const args: DrillArgs = { scenario: scenario as DrillScenario, qps: 500, minRequests: 10000, maxSeconds: 600 };
    if (v.workload !== undefined) {
        args.workload = v.workload;
    }
    if (v.version !== undefined) {
        args.version = v.version;
    }
    if (v.weights !== undefined) {
        const w = v.weights.split(",").map(Number);
        if (w.length !== 2 || !w.every((x) => Number.isInteger(x) && x >= 0)) {
            throw new Error(`--weights wants two whole percents, e.g. 80,20 (got '${v.weights}')\n${usage}`);
        }
        args.weights = [w[0], w[1]];
    }
    if (v.qps !== undefined) {
        args.qps = num("--qps", v.qps);
    }
    if (v["min-requests"] !== undefined) {
        args.minRequests = num("--min-requests", v["min-requests"]);
    }
    if (v["max-seconds"] !== undefined) {
        args.maxSeconds = num("--max-seconds", v["max-seconds"]);
    }
    if (v.tail !== undefined) {
        args.tailSeconds = num("--tail", v.tail);
    }
    if (v.out !== undefined) {
        args.outDir = path.resolve(v.out);
    }
    if (args.minRequests / args.qps > args.maxSeconds) {
        throw new Error(`--min-requests ${args.minRequests} at --qps ${args.qps} needs more than --max-seconds ${args.maxSeconds}`);
    }
    return { stack, args };
}
