import * as assert from "assert";
import * as path from "path";
import { BENCH_USAGE, parseBenchArgs } from "../lib/bench/args";
import { CNIS } from "../lib/config";

describe("bench run: the command line (lib/bench/args.ts)", () => {
    it("a stack alone: every CNI, weave encrypted, 3 runs of 5 s, a 256 MiB file, the default folder", () => {
        assert.deepStrictEqual(parseBenchArgs(["kube-lab"]),
            { stack: "kube-lab", args: { cnis: [...CNIS], encrypted: ["weave"], runs: 3, seconds: 5, fileMiB: 256 } });
    });
    it("every option; the encrypted rounds only of CNIs that run; --out resolved", () => {
        const { stack, args } = parseBenchArgs(["kube-lab", "--cnis", "flannel,weave", "--encrypted", "weave,cilium", "--runs", "4",
            "--seconds", "2", "--file-mib", "32", "--out", "bench/x"]);
        assert.strictEqual(stack, "kube-lab");
        assert.deepStrictEqual(args, { cnis: ["flannel", "weave"], encrypted: ["weave"], runs: 4, seconds: 2, fileMiB: 32, outDir: path.resolve("bench/x") });
        assert.deepStrictEqual(parseBenchArgs(["s", "--cnis", "flannel"]).args.encrypted, [], "weave is not run: nor is its encrypted round");
        assert.deepStrictEqual(parseBenchArgs(["s", "--encrypted", ""]).args.encrypted, [], "no encrypted round");
        assert.strictEqual(parseBenchArgs(["s", "--runs", "3", "--runs", "5"]).args.runs, 5, "the last one counts");
    });
    it("refuses, with the usage: no stack, two stacks, an unknown option or CNI, too few runs or seconds, a missing value", () => {
        const refused = (argv: string[], why: RegExp): void => {
            assert.throws(() => parseBenchArgs(argv), (e: Error) => why.test(e.message) && e.message.endsWith(BENCH_USAGE), argv.join(" "));
        };
        refused([], /^usage:/);
        refused(["--runs", "3"], /^usage:/);
        refused(["a", "b"], /^usage:/);
        refused(["s", "--rounds", "3"], /--rounds/);
        refused(["s", "--cnis", "flannel,antrea"], /^unknown CNI antrea \(calico, canal, cilium, flannel, kube-router, weave\)/);
        refused(["s", "--runs", "2"], /^--runs wants a whole number of at least 3, got '2'/);
        refused(["s", "--seconds", "1.5"], /^--seconds wants a whole number of at least 2, got '1.5'/);
        refused(["s", "--file-mib", "0"], /^--file-mib wants a whole number of at least 1, got '0'/);
        refused(["s", "--out"], /--out/);
    });
});
