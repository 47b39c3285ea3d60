/**
 * npm run bench -- <stack> [options]: seed 000's CNI benchmark on one kube-lab cluster
 * (lib/bench/run.ts says how). Writes the results (JSON), the report (Markdown) and its charts
 * (PNG) to --out (default bench/results/<time>-<stack>).
 *
 * Options: --cnis a,b,… (default: all six), --encrypted a,… (default: weave), --runs N (3),
 * --seconds N (5: each iperf3 run), --file-mib N (256: the download file), --out DIR.
 * The environment is commands/lab.sh's (npm run bench goes through it).
 */
import { parseBenchArgs } from "../lib/bench/args";
import { runBench } from "../lib/bench/run";
import { openBenchLab, withLab } from "./lib/lab-stack";
import { runMain } from "./lib/main";

runMain(module, "bench", async () => {
    const { stack, args } = parseBenchArgs(process.argv.slice(2));
    await withLab(stack, openBenchLab, (lab) => runBench(lab, args));
});
