/**
 * npm run drill -- <stack> <scenario> [options]: an upgrade performed under load, measured
 * (lib/drill/run.ts says how). Prints the drill's table and where its report and chart are;
 * exits non-zero when a check fails.
 *
 * Options: --workload NAME (default: the first), --version vX.Y.Z, --weights A,B (split),
 * --qps N (500), --min-requests N (10000), --max-seconds N (600: fortio's hard bound),
 * --tail N (seconds of load after the change: 5, split 10), --out DIR (.netlab/drills/<stack>).
 * The environment is commands/lab.sh's (npm run drill goes through it).
 */
import { parseDrillArgs } from "../lib/drill/args";
import { drillTable, runDrill } from "../lib/drill/run";
import { openLab, withLab } from "./lib/lab-stack";
import { runMain } from "./lib/main";

runMain(module, "drill", async () => {
    const { stack, args } = parseDrillArgs(process.argv.slice(2));
    const result = await withLab(stack, openLab, (lab) => runDrill(lab, args));
    console.log(`\n${drillTable(result)}\n\nreport: ${result.files.json}\nchart:  ${result.files.png}`);
    if (result.checks.some((c) => !c.ok)) {
        process.exitCode = 1;
    }
});
