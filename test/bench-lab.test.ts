/**
 * runBench (lib/bench/run.ts) end to end against a fake lab: a stack that keeps flat config
 * keys and performs (or fails) `up`, hosts that report their RAM and CPU, a kubectl that
 * answers the bench's pods with iperf3, curl and scp figures.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BENCH_IMAGE } from "../lib/bench/plan";
import { parseBenchResults } from "../lib/bench/results";
import { BenchLab, Kubectl, runBench } from "../lib/bench/run";
import { HostOut, HostRunner, LabStack } from "../lib/lab";

const HOSTS: HostOut[] = ["u1", "u2", "u3"].map((name, i) => ({
    name, labAddress: `192.168.56.${i + 3}`, ssh: { host: "127.0.0.1", port: 2200 + i, user: "root" },
}));

/** A stack whose config is flat keys; `up` fails while the CNI is one of `failing`. */
class FakeStack implements LabStack {
    readonly name = "kube-lab";
    ups: string[] = [];
    constructor(public config: Record<string, string>, private readonly failing: string[]) {}
    outputs(): Promise<Record<string, unknown>> {
        return Promise.resolve({ scenario: "kubeadm", hosts: HOSTS, KUBECONFIG: "/tmp/kube-lab.kubeconfig", cni: "calico" });
    }
    getConfig(key: string): Promise<string> {
        const v = this.config[key];
        return v === undefined ? Promise.reject(new Error(`configuration key '${key}' not found`)) : Promise.resolve(v);
    }
    setConfig(key: string, value: string, opts: { path?: boolean } = {}): Promise<void> {
        assert.ok(!opts.path, `${key}: the bench sets whole keys`);
        this.config[key] = value;
        return Promise.resolve();
    }
    removeConfig(key: string): Promise<void> {
        delete this.config[key];
        return Promise.resolve();
    }
    up(): Promise<void> {
        this.ups.push(this.config["netlab:cni"]);
        return this.failing.includes(this.config["netlab:cni"])
            ? Promise.reject(new Error(`Updating (kube-lab):\n    error: FAIL pod network: ${this.config["netlab:cni"]} pods not ready\n`)) : Promise.resolve();
    }
}

/** kubectl: what the bench's pods print for each test, and every call it got. */
class FakeKubectl implements Kubectl {
    calls: string[][] = [];
    inputs: { args: string[]; input: string }[] = [];
    run(...args: string[]): Promise<string> {
        this.calls.push(args);
        const cmd = args.slice(args.indexOf("--") + 1);
        if (args[0] === "get") {
            return Promise.resolve(args[1] === "pod" ? "10.244.2.5" : "10.96.0.20");
        }
        if (args[0] !== "exec") {
            return Promise.resolve("");
        }
        if (cmd[0] === "cat") {
            return Promise.resolve("1450\n");
        }
        if (cmd[0] === "iperf3") {
            return Promise.resolve(JSON.stringify({ end: { sum_received: { bits_per_second: 940e6 }, sum: { bits_per_second: 900e6, lost_percent: 10 } } }));
        }
        return Promise.resolve(cmd[0] === "curl" ? "117000000" : "0.5\n");
    }
    runWithInput(input: string | Buffer, ...args: string[]): Promise<string> {
        this.inputs.push({ args, input: input.toString() });
        return Promise.resolve("");
    }
}

class FakeHosts implements HostRunner {
    imports: { hosts: string[]; ref: string }[] = [];
    readings: string[] = [];
    run(host: HostOut, script: string): string {
        assert.strictEqual(host.name, "u2", "the machine's facts are read on the server's host");
        assert.match(script, /^jq -n /);
        return JSON.stringify({ kernel: "6.1.0-test", cpus: 2, memTotalMiB: 7900 });
    }
    runAsync(host: HostOut, script: string): Promise<string> {
        assert.match(script, /NETLAB_SECONDS='\d+'/);
        this.readings.push(host.name);
        return Promise.resolve(JSON.stringify({ ramMiB: host.name === "u2" ? 900 : 800, cpuPercent: 12.5 }));
    }
    importImage(_tarball: string, hosts: HostOut[], ref: string): void {
        this.imports.push({ hosts: hosts.map((h) => h.name), ref });
    }
}

describe("bench run: runBench against a fake lab (lib/bench/run.ts)", () => {
    it("bare metal, idle, then each CNI swapped in by `up` (one that does not come up is a round of its error); the stack's CNI put back", async () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-bench-lab-"));
        try {
            const stack = new FakeStack({ "netlab:cni": "calico", "netlab:artifactsDir": "/srv/artifacts" }, ["weave"]);
            const kubectl = new FakeKubectl();
            const hosts = new FakeHosts();
            const bins: string[] = [];
            const lab: BenchLab = {
                stack, hosts,
                kubectl: (bin, kubeconfig) => {
                    bins.push(`${bin} ${kubeconfig}`);
                    return kubectl;
                },
                keyPair: () => ({ privateKey: Buffer.from("PRIVATE KEY"), publicKey: "ssh-ed25519 AAAA bench" }),
            };
            const log: string[] = [];
            const { results, dir } = await runBench(lab, { cnis: ["flannel", "weave"], encrypted: [], runs: 3, seconds: 2, fileMiB: 32, outDir: out, log: (l) => log.push(l) });

            assert.strictEqual(dir, out);
            assert.deepStrictEqual(bins, ["/srv/artifacts/kubernetes/kubectl /tmp/kube-lab.kubeconfig"]);
            assert.deepStrictEqual(hosts.imports, [{ hosts: ["u1", "u2", "u3"], ref: BENCH_IMAGE }]);
            assert.deepStrictEqual(results.rounds.map((r) => r.name), ["bare-metal", "idle", "flannel", "weave"]);
            const bare = results.rounds[0];
            assert.deepStrictEqual([bare.mtu, bare.errors, bare.samples.tcp, bare.samples.udp, bare.samples.scp],
                [1450, [], [940, 940, 940], [810, 810, 810], [536.870912, 536.870912, 536.870912]]);
            assert.deepStrictEqual(bare.resources?.u2, { ramMiB: [900, 900, 900], cpuPercent: [12.5, 12.5, 12.5] }, "read during each TCP run");
            assert.deepStrictEqual(results.rounds[1].resources?.u3.ramMiB, [800, 800, 800], "idle: read --runs times");
            assert.deepStrictEqual(results.rounds[3].errors, ["pulumi up: error: FAIL pod network: weave pods not ready"]);
            assert.deepStrictEqual(results.machine.kernel, "6.1.0-test");

            // Each measured round applies its pods (on the hosts' network for bare metal) and puts the SCP key into the client.
            const applied = kubectl.inputs.filter((i) => i.args.join(" ") === "apply -f -").map((i) => JSON.parse(i.input) as { items: { spec?: { hostNetwork?: boolean } }[] });
            assert.deepStrictEqual(applied.map((m) => m.items[1].spec?.hostNetwork), [true, false]);
            assert.deepStrictEqual(kubectl.inputs.filter((i) => i.args.includes("-i")).map((i) => i.input), ["PRIVATE KEY", "PRIVATE KEY"]);

            assert.deepStrictEqual(stack.ups, ["flannel", "weave", "weave", "calico"], "weave tried twice; the stack's CNI applied again at the end");
            assert.deepStrictEqual(stack.config, { "netlab:cni": "calico", "netlab:artifactsDir": "/srv/artifacts" }, "the settings the bench changed are put back");
            assert.deepStrictEqual(kubectl.calls.at(-1), ["delete", "namespace", "netlab-bench", "--ignore-not-found", "--wait=false"]);
            assert.ok(log.includes("putting the stack's CNI settings back: netlab:cni=calico, netlab:cniEncryption=(unset), netlab:weavePassword=[secret]"), log.join("\n"));
            assert.deepStrictEqual(parseBenchResults(JSON.parse(fs.readFileSync(path.join(out, "results.json"), "utf8"))).rounds.length, 4);
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    });

    it("refuses a stack that is not a kube-lab of three hosts, before it changes anything", async () => {
        const stack = new FakeStack({ "netlab:cni": "calico" }, []);
        stack.outputs = (): Promise<Record<string, unknown>> => Promise.resolve({ scenario: "weave-nomad", hosts: HOSTS });
        const lab: BenchLab = { stack, hosts: new FakeHosts(), kubectl: () => new FakeKubectl(), keyPair: () => assert.fail("no key pair") };
        await assert.rejects(runBench(lab, { cnis: ["flannel"], encrypted: [], runs: 3, seconds: 2, fileMiB: 1 }),
            /stack kube-lab has no kube-lab of three hosts up \(outputs: scenario, hosts\): run pulumi up on a kubeadm stack first/);
        assert.deepStrictEqual(stack.ups, []);
    });
});
