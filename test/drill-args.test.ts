import * as assert from "assert";
import * as path from "path";
import { DRILL_USAGE, parseDrillArgs } from "../lib/drill/args";

describe("drill: the command line (lib/drill/args.ts)", () => {
    it("a stack and a scenario: 500 qps, at least 10,000 requests, fortio bounded at 600 s, the rest left to the drill", () => {
        assert.deepStrictEqual(parseDrillArgs(["weave-lab", "rolling"]),
            { stack: "weave-lab", args: { scenario: "rolling", qps: 500, minRequests: 10000, maxSeconds: 600 } });
    });

    it("every option, in either form and anywhere; --out resolved; the last of a repeated option counts", () => {
        const { stack, args } = parseDrillArgs(["kube-lab", "split", "--workload", "web", "--version", "v2.0.0", "--weights", "90,10", "--qps", "250",
            "--min-requests=5000", "--max-seconds", "120", "--tail", "7.5", "--out", "drills/x"]);
        assert.strictEqual(stack, "kube-lab");
        assert.deepStrictEqual(args, {
            scenario: "split", workload: "web", version: "v2.0.0", weights: [90, 10], qps: 250, minRequests: 5000, maxSeconds: 120, tailSeconds: 7.5,
            outDir: path.resolve("drills/x"),
        });
        assert.deepStrictEqual(parseDrillArgs(["--qps", "100", "s", "canary", "--qps", "200"]).args.qps, 200);
        assert.deepStrictEqual(parseDrillArgs(["s", "split", "--weights", "100,0"]).args.weights, [100, 0]);
    });

    it("refuses, with the usage: no stack or scenario, an unknown scenario, option or extra word, a bad number or weights, a missing value", () => {
        const refused = (argv: string[], message: string | RegExp): void => {
            assert.throws(() => parseDrillArgs(argv), (e: Error) => (typeof message === "string" ? e.message === message : message.test(e.message)), argv.join(" "));
        };
        refused([], DRILL_USAGE);
        refused(["weave-lab"], DRILL_USAGE);
        refused(["weave-lab", "rollback"], DRILL_USAGE);
        refused(["weave-lab", "rolling", "--rounds", "3"], `unknown option --rounds\n${DRILL_USAGE}`);
        refused(["weave-lab", "rolling", "-q", "3"], `unknown option -q\n${DRILL_USAGE}`);
        refused(["weave-lab", "rolling", "canary"], `unknown option canary\n${DRILL_USAGE}`);
        refused(["weave-lab", "rolling", "--qps", "0"], `--qps wants a positive number, got '0'\n${DRILL_USAGE}`);
        refused(["weave-lab", "rolling", "--qps", "many"], `--qps wants a positive number, got 'many'\n${DRILL_USAGE}`);
        refused(["weave-lab", "rolling", "--tail=-5"], `--tail wants a positive number, got '-5'\n${DRILL_USAGE}`);
        refused(["weave-lab", "rolling", "--min-requests", "Infinity"], `--min-requests wants a positive number, got 'Infinity'\n${DRILL_USAGE}`);
        for (const w of ["80", "80,20,0", "80.5,19.5", "a,b", "-1,101"]) {
            refused(["weave-lab", "split", `--weights=${w}`], `--weights wants two whole percents, e.g. 80,20 (got '${w}')\n${DRILL_USAGE}`);
        }
        refused(["weave-lab", "rolling", "--out"], /^Option '--out <value>' argument missing\nusage: npm run drill -- /);
        refused(["weave-lab", "rolling", "--max-seconds", "10"], "--min-requests 10000 at --qps 500 needs more than --max-seconds 10");
    });

    it("the usage names every scenario and option", () => {
        assert.strictEqual(DRILL_USAGE, "usage: npm run drill -- <stack> <rolling|canary|canary-isolated|blue-green|promote|revert|revert-failed|split> "
            + "[--workload NAME] [--version vX.Y.Z] [--weights A,B] [--qps N] [--min-requests N] [--max-seconds N] [--tail N] [--out DIR]");
    });
});
