/**
 * The command line of `npm run bench -- <stack> [options]` (commands/bench.ts), parsed with
 * Node's util.parseArgs into what a bench run is asked for. Pure but for --out, which is
 * resolved against the working directory.
 */
import * as path from "path";
import { parseCommandLine } from "../command-line";
import { Cni, CNIS } from "../config";

export interface BenchArgs {
    cnis: Cni[];
    encrypted: Cni[];
    runs: number;
    seconds: number;
    fileMiB: number;
    outDir?: string;
    log?: (line: string) => void;
}

export const BENCH_USAGE = "usage: npm run bench -- <stack> [--cnis a,b,…] [--encrypted a,…] [--runs N] [--seconds N] [--file-mib N] [--out DIR]";

/**
 * The stack and the bench's arguments: --cnis (default: all six), --encrypted (default: weave;
 * only those also in --cnis are kept), --runs (at least 3, default 3), --seconds (at least 2,
 * default 5), --file-mib (at least 1, default 256), --out. Anything else throws, with the usage.
 */
export function parseBenchArgs(argv: string[]): { stack: string; args: BenchArgs } {
    const usage = BENCH_USAGE;
    const { values: v, positionals } = parseCommandLine(argv, ["cnis", "encrypted", "runs", "seconds", "file-mib", "out"], usage);
    const [stack] = positionals;
    if (positionals.length !== 1 || !stack || stack.startsWith("--")) {
        throw new Error(usage);
    }
    const cniList = (value: string): Cni[] => {
        const list = value.split(",").filter(Boolean);
        const bad = list.filter((c) => !(CNIS as readonly string[]).includes(c));
        if (bad.length > 0) {
            throw new Error(`unknown CNI ${bad.join(", ")} (${CNIS.join(", ")})\n${usage}`);
        }
        return list as Cni[];
    };
    const whole = (flag: string, value: string, min: number): number => {
        const n = Number(value);
        if (!Number.isInteger(n) || n < min) {
            throw new Error(`${flag} wants a whole number of at least ${min}, got '${value}'\n${usage}`);
        }
        return n;
    };
    const args: BenchArgs = {
        cnis: v.cnis === undefined ? [...CNIS] : cniList(v.cnis),
        encrypted: v.encrypted === undefined ? ["weave"] : cniList(v.encrypted),
        runs: v.runs === undefined ? 3 : whole("--runs", v.runs, 3),
        seconds: v.seconds === undefined ? 5 : whole("--seconds", v.seconds, 2),
        fileMiB: v["file-mib"] === undefined ? 256 : whole("--file-mib", v["file-mib"], 1),
    };
    if (v.out !== undefined) {
        args.outDir = path.resolve(v.out);
    }
    args.encrypted = args.encrypted.filter((c) => args.cnis.includes(c));
    return { stack, args };
}
