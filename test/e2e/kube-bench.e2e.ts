/**
 * e2e for the CNI benchmark (npm run bench, seed 000) on a kube-lab: a short bench over two
 * CNIs (flannel, then weave swapped in place), three runs of every test, then the stack's CNI
 * put back. Every figure must be there and plausible: throughput above zero and below what a
 * 2-core machine moves, MTUs of the CNIs, RAM and CPU within the hosts' totals; the report,
 * its JSON and its charts written. Then destroy leaves nothing. Output in .netlab/bench/e2e-bench.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { openBenchLab } from "../../commands/lib/lab-stack";
import { parseBenchResults, TESTS } from "../../lib/bench/results";
import { runBench } from "../../lib/bench/run";
import { checkPrerequisites, dockerObjects, LabStack, Phases, ROOT } from "./lab";

describe("e2e: CNI benchmark on kube-lab (bare metal, idle, flannel, weave; three runs each)", function () {
    this.timeout(60 * 60 * 1000);
    const phases = new Phases();
    const lab = new LabStack("e2e-bench", "kube-lab");
    const outDir = path.join(ROOT, ".netlab", "bench", "e2e-bench");

    before(function () {
        checkPrerequisites(["command", "docker", "kubernetes"]);
        assert.ok(fs.existsSync(path.join(ROOT, ".toolchain", "artifacts", "images", "bench.tar")), "run 'npm run toolchain -- bench' first");
    });

    after(async function () {
        console.log(`      phases: ${phases.times.map(([n, s]) => `${n} ${s.toFixed(1)} s`).join(", ")}`);
        await lab.dispose().catch(() => undefined);
    });

    it("pulumi up: a kube-lab with flannel", async () => {
        const stack = await lab.open();
        const result = await phases.time("up", () => stack.up({ onOutput: () => undefined }));
        assert.strictEqual(result.summary.result, "succeeded");
    });

    it("the bench measures every test three times on bare metal, flannel and weave, and puts the stack's CNI back", async () => {
        fs.rmSync(outDir, { recursive: true, force: true });
        const opened = openBenchLab(lab.opened);
        const { results, dir } = await phases.time("bench", () => runBench(opened, {
            cnis: ["flannel", "weave"], encrypted: [], runs: 3, seconds: 2, fileMiB: 32, outDir, log: (l) => console.log(`      ${l}`),
        }).finally(() => opened.close()));
        assert.strictEqual(dir, outDir);
        // What was written reads back as valid results.
        const saved = parseBenchResults(JSON.parse(fs.readFileSync(path.join(dir, "results.json"), "utf8")));
        assert.deepStrictEqual(saved.rounds.map((r) => r.name), ["bare-metal", "idle", "flannel", "weave"]);
        for (const r of results.rounds.filter((x) => x.kind !== "idle")) {
            assert.deepStrictEqual(r.errors, [], `${r.name}: no test failed`);
            for (const t of TESTS) {
                const v = r.samples[t] ?? [];
                assert.strictEqual(v.length, 3, `${r.name} ${t}: three runs`);
                assert.ok(v.every((x) => x > 1 && x < 200000), `${r.name} ${t}: plausible Mbit/s ${v.join(", ")}`);
            }
        }
        const mtu = Object.fromEntries(results.rounds.map((r) => [r.name, r.mtu]));
        assert.deepStrictEqual([mtu.flannel, mtu.weave], [1450, 1438], "the MTUs the CNIs give the pods here");
        assert.ok((mtu["bare-metal"] ?? 0) >= 1450, "bare metal: the hosts' interface");
        for (const r of results.rounds) {
            for (const [host, u] of Object.entries(r.resources ?? {})) {
                assert.strictEqual(u.ramMiB.length, 3, `${r.name} ${host}`);
                assert.ok(u.ramMiB.every((m) => m > 50 && m < results.machine.memTotalMiB), `${r.name} ${host} RAM ${u.ramMiB.join(", ")} MiB`);
                assert.ok(u.cpuPercent.every((c) => c >= 0 && c <= 100), `${r.name} ${host} CPU ${u.cpuPercent.join(", ")} %`);
            }
        }
        const report = fs.readFileSync(path.join(dir, "README.md"), "utf8");
        console.log(report.split("\n").slice(0, 60).map((l) => `      ${l}`).join("\n"));
        for (const png of fs.readdirSync(dir).filter((f) => f.endsWith(".png"))) {
            assert.ok(report.includes(png), `the report links ${png}`);
            assert.ok(fs.readFileSync(path.join(dir, png)).subarray(1, 4).toString() === "PNG", png);
        }
        assert.ok(fs.readdirSync(dir).filter((f) => f.endsWith(".png")).length >= TESTS.length);
        const outputs = await lab.opened.outputs();
        assert.strictEqual(outputs.cni.value, "flannel", "the stack's CNI is back");
    });

    it("destroy leaves no container, network or volume of the stack", async () => {
        const stack = lab.opened;
        await phases.time("destroy", () => stack.destroy({ onOutput: () => undefined }));
        const left = dockerObjects(lab.prefix);
        assert.deepStrictEqual([left.containers, left.networks], [[], []]);
    });
});
