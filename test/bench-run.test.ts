import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BENCH_USAGE, parseBenchArgs } from "../lib/bench/args";
import {
    benchResults, cniUpFailedRound, cniVersion, newIdleRound, newRound, recordSample, recordUsageDuring, resultsDirName, testFailure, upFailureGist,
} from "../lib/bench/collect";
import { CNI_KEYS, settingsText } from "../lib/bench/plan";
import { writeBenchReport } from "../lib/bench/report";
import { parseBenchResults, readBenchResults } from "../lib/bench/results";
import { CNI_VERSIONS } from "../lib/cni";
import { CNIS, DEFAULTS } from "../lib/config";

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

describe("bench run: what a run collects (lib/bench/collect.ts)", () => {
    const hosts = ["u2", "u3"];

    it("a CNI round starts with its features, the pod's MTU and an empty record per measured host; bare metal has no CNI", () => {
        const weave = newRound({ name: "weave-encrypted", kind: "cni", cni: "weave", encrypted: true }, 1414, hosts);
        assert.deepStrictEqual(weave, {
            name: "weave-encrypted", kind: "cni", cni: "weave", encrypted: true, mtu: 1414,
            features: { networkPolicy: true, encryption: true, mtuAuto: false },
            samples: {}, resources: { u2: { ramMiB: [], cpuPercent: [] }, u3: { ramMiB: [], cpuPercent: [] } }, errors: [],
        });
        const bare = JSON.parse(JSON.stringify(newRound({ name: "bare-metal", kind: "bare-metal" }, 1500, hosts))) as Record<string, unknown>;
        assert.deepStrictEqual(Object.keys(bare), ["name", "kind", "mtu", "samples", "resources", "errors"]);
        assert.deepStrictEqual(newIdleRound(hosts), { name: "idle", kind: "idle", samples: {}, resources: { u2: { ramMiB: [], cpuPercent: [] }, u3: { ramMiB: [], cpuPercent: [] } } });
    });
    it("records each run's figure, the hosts' readings during TCP, and a failed reading or test as an error", () => {
        const r = newRound({ name: "flannel", kind: "cni", cni: "flannel", encrypted: false }, 1450, hosts);
        recordSample(r, "tcp", 900);
        recordSample(r, "tcp", 950);
        recordUsageDuring(r, hosts, [
            { status: "fulfilled", value: { ramMiB: 1200, cpuPercent: 40 } },
            { status: "rejected", reason: new Error("ssh: connect\nline two\nConnection refused") },
        ], 2);
        assert.deepStrictEqual(r.samples, { tcp: [900, 950] });
        assert.deepStrictEqual(r.resources, { u2: { ramMiB: [1200], cpuPercent: [40] }, u3: { ramMiB: [], cpuPercent: [] } });
        assert.deepStrictEqual(r.errors, ["usage of u3 during tcp run 2: line two Connection refused"]);
        assert.strictEqual(testFailure("ftp", 3, new Error("Command failed\ncurl: (28) timeout\nthird\nfourth")), "ftp run 3: Command failed curl: (28) timeout third");
    });
    it("a CNI that does not come up: the gist of pulumi's failure, a round with no figures", () => {
        const gist = upFailureGist(new Error("Updating (kube-lab)\n  error: one\nnoise\n  FAIL u2: two\n  error: three\n  error: four\nResources: 3 unchanged"));
        assert.strictEqual(gist, "FAIL u2: two   error: three   error: four");
        assert.deepStrictEqual(cniUpFailedRound({ name: "cilium", kind: "cni", cni: "cilium", encrypted: false }, gist),
            { name: "cilium", kind: "cni", cni: "cilium", encrypted: false, samples: {}, errors: [`pulumi up: ${gist}`] });
    });
    it("the results file: a valid one, with the versions netlab builds, the idle round's CNI, and the folder named by its start", () => {
        const results = benchResults({
            started: Date.parse("2026-11-30T21:08:07.250Z"), wallSeconds: 1150, machine: { kernel: "6.1.0", cpus: 2, memTotalMiB: 24026 },
            hostProvider: "docker", idleCni: "flannel", cnis: ["flannel", "canal"], runs: 3, seconds: 5,
            rounds: [newRound({ name: "flannel", kind: "cni", cni: "flannel", encrypted: false }, 1450, hosts)],
        });
        assert.deepStrictEqual(parseBenchResults(JSON.parse(JSON.stringify(results))), results);
        assert.deepStrictEqual(results.versions, {
            kubernetes: DEFAULTS.kubernetes.version,
            cni: { flannel: CNI_VERSIONS.FLANNEL_VERSION, canal: `calico ${CNI_VERSIONS.CALICO_VERSION} + flannel ${CNI_VERSIONS.FLANNEL_VERSION}` },
        });
        assert.match(results.machine.notes[0], /^idle: the hosts at rest with flannel /);
        assert.strictEqual(resultsDirName(results.startedAt, "kube-lab"), "20261130T210807-kube-lab");
        assert.deepStrictEqual(CNIS.map((c) => cniVersion(c).length > 0), CNIS.map(() => true));
    });
    it("the settings put back are logged, a password never shown", () => {
        assert.deepStrictEqual([...CNI_KEYS], ["netlab:cni", "netlab:cniEncryption", "netlab:weavePassword"]);
        assert.strictEqual(settingsText({ "netlab:cni": "flannel", "netlab:cniEncryption": undefined, "netlab:weavePassword": "hunter2" }),
            "netlab:cni=flannel, netlab:cniEncryption=(unset), netlab:weavePassword=[secret]");
    });
});

describe("bench run: the report written (lib/bench/report.ts)", () => {
    it("results.json that reads back, a PNG per chart and README.md linking each by its name", async () => {
        const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bench-run-")), "out");
        try {
            const r = readBenchResults(path.join(__dirname, "fixtures", "bench", "results.json"));
            r.rounds = r.rounds.map((x) => ({ ...x, samples: { tcp: x.samples.tcp ?? [] } }));
            const report = await writeBenchReport(r, dir);
            assert.strictEqual(report, path.join(dir, "README.md"));
            assert.deepStrictEqual(readBenchResults(path.join(dir, "results.json")), r);
            assert.deepStrictEqual(fs.readdirSync(dir).sort(), ["README.md", "bench-cpu.png", "bench-ram.png", "bench-tcp.png", "results.json"]);
            const md = fs.readFileSync(report, "utf8");
            for (const png of ["bench-tcp.png", "bench-ram.png", "bench-cpu.png"]) {
                assert.ok(md.includes(`](${png})`), `links ${png}`);
            }
        } finally {
            fs.rmSync(path.dirname(dir), { recursive: true, force: true });
        }
    });
});
