/**
 * Seed 000's CNI benchmark on one kube-lab cluster (npm run bench).
 *
 * Rounds: "bare-metal" (the same pods on the hosts' network: host to host over the lab
 * network), "idle" (the hosts at rest, for the resource figures), then one round per CNI
 * (and per encrypted variant that runs here), each CNI swapped in place by `up`. In each round
 * a server pod on the second host and a client pod on the third run, --runs times each: TCP and
 * UDP throughput (iperf3), HTTP and FTP downloads (nginx, vsftpd, curl), SCP, and TCP to the
 * server's Service; the MTU of the client's eth0; and during the TCP transfer, both hosts' RAM
 * (without cache) and CPU. Every transfer is bounded (iperf3 -t, curl --max-time) and stays
 * between the lab's hosts. At the end the stack's CNI settings are put back and applied. The
 * results (JSON), the report (Markdown) and its charts (PNG) go to --out (default
 * bench/results/<time>-<stack>).
 *
 * The lab comes through lib/lab.ts's interfaces and BenchLab's: the cluster's kubectl and a
 * key pair for the SCP test.
 */
import * as crypto from "crypto";
import * as path from "path";
import { Cni, DEFAULTS } from "../config";
import { configOr, HostOut, Lab, LabStack, systemClock } from "../lab";
import { renderHostScript, REPO_ROOT } from "../scripts";
import { BenchArgs } from "./args";
import {
    benchResults, cniUpFailedRound, HostUsage, MachineFacts, newIdleRound, newRound, recordSample, recordUsage, recordUsageDuring,
    resultsDirName, testFailure, upFailureGist,
} from "./collect";
import { BENCH_IMAGE, BENCH_NAMESPACE, benchManifest, BenchRoundPlan, benchRounds, CNI_KEYS, CniKey, parseTestOutput, settingsText, testCommand } from "./plan";
import { writeBenchReport } from "./report";
import { BenchResults, BenchRound, TESTS } from "./results";

/** A cluster's kubectl (the artifacts' binary, the stack's kubeconfig). */
export interface Kubectl {
    /** kubectl ARGS: its stdout; throws when it fails. */
    run(...args: string[]): Promise<string>;
    /** The same with `input` on kubectl's stdin. */
    runWithInput(input: string | Buffer, ...args: string[]): Promise<string>;
}

/** A lab as the bench gets it: lib/lab.ts's, its cluster's kubectl, and key pairs. */
export interface BenchLab extends Lab {
    kubectl(kubectlBin: string, kubeconfig: string): Kubectl;
    /** A new SSH key pair (ed25519, no passphrase), for the SCP test. */
    keyPair(): { privateKey: Buffer; publicKey: string };
}

type Log = (line: string) => void;

/** The bench on the stack's kube-lab: every round of the plan, then the results and report written and the stack's CNI put back. */
export async function runBench(lab: BenchLab, args: BenchArgs): Promise<{ results: BenchResults; dir: string }> {
    const { stack } = lab;
    const log = args.log ?? ((l: string): void => console.log(l));
    const clock = lab.clock ?? systemClock;
    const now = (): number => clock.now();
    const started = now();
    const cluster = await openCluster(lab);
    // The settings the bench changes, as they were (undefined: not set), to put back at the end.
    const initialConfig = Object.fromEntries(await Promise.all(CNI_KEYS.map(async (k) => [k, await configOr(stack, k, undefined)] as const))) as
        Record<CniKey, string | undefined>;
    const rounds: BenchRound[] = [];
    try {
        const { machine, key } = prepareNodes(cluster, log);
        for (const plan of benchRounds(args.cnis, args.encrypted)) {
            if (plan.kind === "cni") {
                const failed = await swapCni(stack, plan, log, now);
                if (failed !== undefined) {
                    rounds.push(failed);
                    continue;
                }
            } else {
                log(`round ${plan.name}: the pods on the hosts' network`);
            }
            rounds.push(await measureRound(cluster, plan, args, key, log));
            if (plan.kind === "bare-metal") {
                rounds.push(await measureIdle(cluster, args, log));
            }
        }
        await removePods(cluster);
        const hostProvider = (await configOr(stack, "netlab:hostProvider", DEFAULTS.hostProvider)) as "docker" | "ssh";
        const results = benchResults({
            started, wallSeconds: Math.round((now() - started) / 1000), machine, hostProvider, idleCni: String(cluster.outputs.cni),
            cnis: args.cnis, runs: args.runs, seconds: args.seconds, rounds,
        });
        const dir = args.outDir ?? path.join(REPO_ROOT, "bench", "results", resultsDirName(results.startedAt, stack.name));
        const report = await writeBenchReport(results, dir);
        log(`bench: ${results.wallSeconds} s; report ${report}`);
        return { results, dir };
    } finally {
        try {
            await cluster.kubectl.run("delete", "namespace", BENCH_NAMESPACE, "--ignore-not-found", "--wait=false");
        } catch {
            // The cluster may be gone.
        }
        if (rounds.some((r) => r.kind === "cni")) {
            await putCniBack(stack, initialConfig, log);
        }
    }
}

/** The stack's kube-lab as the bench drives it: its hosts, kubectl, a key pair for the SCP test. */
interface Cluster {
    lab: BenchLab;
    outputs: Record<string, unknown>;
    hosts: HostOut[];
    /** The bench's server (the second host) and client (the third), the hosts whose RAM and CPU are read. */
    server: HostOut;
    client: HostOut;
    measured: HostOut[];
    artifacts: string;
    kubectl: Kubectl;
}

/** The stack's kube-lab, refused unless it is one of three hosts and up. */
async function openCluster(lab: BenchLab): Promise<Cluster> {
    const { stack } = lab;
    const outputs = await stack.outputs();
    const hosts = outputs.hosts as HostOut[] | undefined;
    if (outputs.scenario !== "kubeadm" || !hosts || hosts.length < 3) {
        throw new Error(`stack ${stack.name} has no kube-lab of three hosts up (outputs: ${Object.keys(outputs).join(", ") || "none"}): run pulumi up on a kubeadm stack first`);
    }
    const artifacts = path.resolve(REPO_ROOT, await stack.getConfig("netlab:artifactsDir"));
    const kubectl = lab.kubectl(path.join(artifacts, "kubernetes", "kubectl"), String(outputs.KUBECONFIG));
    const [, server, client] = hosts;
    return { lab, outputs, hosts, server, client, measured: [server, client], artifacts, kubectl };
}

/** A key pair for the SCP test: the server's authorized key, the client's private one. */
type ScpKey = ReturnType<BenchLab["keyPair"]>;

/** The bench's image into every node's containerd, a key for the SCP test, and the machine's facts (read on the server's host). */
function prepareNodes(c: Cluster, log: Log): { machine: MachineFacts; key: ScpKey } {
    const tarball = path.join(c.artifacts, "images", "bench.tar");
    log(`bench on ${c.lab.stack.name}: importing ${path.basename(tarball)} into every node's containerd`);
    c.lab.hosts.importImage(tarball, c.hosts, BENCH_IMAGE, "bench");
    const key = c.lab.keyPair();
    const machine = JSON.parse(c.lab.hosts.run(c.server, "jq -n --arg k \"$(uname -r)\" --argjson c \"$(nproc)\" "
        + "--argjson m \"$(awk '$1 == \"MemTotal:\" { print int($2 / 1024) }' /proc/meminfo)\" '{kernel: $k, cpus: $c, memTotalMiB: $m}'")) as MachineFacts;
    return { machine, key };
}

/** A host's RAM and CPU over `seconds` (host-scripts/bench-usage.sh). */
async function hostUsage(c: Cluster, h: HostOut, seconds: number): Promise<HostUsage> {
    return JSON.parse(await c.lab.hosts.runAsync(h, renderHostScript("host-scripts/bench-usage.sh", { NETLAB_SECONDS: seconds }))) as HostUsage;
}

function removePods(c: Cluster): Promise<string> {
    return c.kubectl.run("delete", "namespace", BENCH_NAMESPACE, "--ignore-not-found", "--wait=true", "--timeout=120s");
}

/** The server and client pods, afresh (on the hosts' network or the CNI's), the key in the client; their addresses and the client's MTU. */
async function deployPods(c: Cluster, hostNetwork: boolean, key: ScpKey, fileMiB: number): Promise<{ serverIp: string; serviceIp: string; mtu: number }> {
    await removePods(c);
    const k = c.kubectl;
    await k.runWithInput(benchManifest({ serverNode: c.server.name, clientNode: c.client.name, hostNetwork, publicKey: key.publicKey, fileMiB }), "apply", "-f", "-");
    await k.run("wait", "-n", BENCH_NAMESPACE, "--for=condition=Ready", "pod", "--all", "--timeout=180s");
    await k.runWithInput(key.privateKey, "exec", "-i", "-n", BENCH_NAMESPACE, "bench-client", "--", "sh", "-c", "umask 077 && cat > /root/bench.key");
    const serverIp = (await k.run("get", "pod", "-n", BENCH_NAMESPACE, "bench-server", "-o", "jsonpath={.status.podIP}")).trim();
    const serviceIp = (await k.run("get", "service", "-n", BENCH_NAMESPACE, "bench-server", "-o", "jsonpath={.spec.clusterIP}")).trim();
    const mtu = Number((await k.run("exec", "-n", BENCH_NAMESPACE, "bench-client", "--", "cat", "/sys/class/net/eth0/mtu")).trim());
    return { serverIp, serviceIp, mtu };
}

/** A round's --runs runs of every test, and the hosts' RAM and CPU during each TCP run; a failed run is one of its errors. */
async function measureRound(c: Cluster, plan: BenchRoundPlan, args: BenchArgs, key: ScpKey, log: Log): Promise<BenchRound> {
    const pods = await deployPods(c, plan.kind === "bare-metal", key, args.fileMiB);
    const measured = c.measured.map((h) => h.name);
    const round = newRound(plan, pods.mtu, measured);
    for (let i = 0; i < args.runs; i++) {
        for (const test of TESTS) {
            const target = test === "service" ? pods.serviceIp : pods.serverIp;
            try {
                const exec = c.kubectl.run("exec", "-n", BENCH_NAMESPACE, "bench-client", "--", ...testCommand(test, target, args.seconds));
                // The hosts' RAM and CPU during the TCP transfer (its first seconds less one, so the reading ends inside it).
                const during = test === "tcp" ? Promise.allSettled(c.measured.map((h) => hostUsage(c, h, Math.max(1, args.seconds - 1)))) : undefined;
                const output = await exec.finally(() => during);
                const value = parseTestOutput(test, output, args.fileMiB);
                recordSample(round, test, value);
                recordUsageDuring(round, measured, (await during) ?? [], i + 1);
                log(`  ${plan.name} run ${i + 1} ${test}: ${value.toFixed(0)} Mbit/s`);
            } catch (e) {
                const why = testFailure(test, i + 1, e as Error);
                round.errors!.push(why);
                log(`  ${plan.name} ${why}`);
            }
        }
    }
    return round;
}

/** The idle round: the hosts at rest, nothing of the bench running, read --runs times. */
async function measureIdle(c: Cluster, args: BenchArgs, log: Log): Promise<BenchRound> {
    await removePods(c);
    const idle = newIdleRound(c.measured.map((h) => h.name));
    for (let i = 0; i < args.runs; i++) {
        (await Promise.all(c.measured.map((h) => hostUsage(c, h, args.seconds)))).forEach((u, j) => recordUsage(idle, c.measured[j].name, u));
    }
    log(`round idle: ${JSON.stringify(idle.resources)}`);
    return idle;
}

/** The round's CNI swapped in by `up`; a round with no figures when it does not come up (the bench goes on with the next CNI). */
async function swapCni(stack: LabStack, plan: BenchRoundPlan, log: Log, now: () => number): Promise<BenchRound | undefined> {
    const t0 = now();
    log(`round ${plan.name}: netlab:cni=${plan.cni}${plan.encrypted ? " with encryption" : ""}, pulumi up`);
    await setCni(stack, plan.cni as Cni, plan.encrypted === true);
    const failure = await upWithRetry(stack, log);
    if (failure !== undefined) {
        return cniUpFailedRound(plan, failure);
    }
    log(`round ${plan.name}: the CNI is in place after ${((now() - t0) / 1000).toFixed(0)} s`);
    return undefined;
}

/** `up`, once more when it fails (a swap's checks can catch a node still settling); the last failure's gist, or undefined. */
async function upWithRetry(stack: LabStack, log: Log): Promise<string | undefined> {
    let why = "";
    for (let attempt = 1; attempt <= 2; attempt++) {
        try {
            await stack.up(() => undefined);
            return undefined;
        } catch (e) {
            why = upFailureGist(e as Error);
            log(`  pulumi up failed (attempt ${attempt} of 2): ${why}`);
        }
    }
    return why;
}

/** netlab:cni and netlab:cniEncryption; Weave's encryption needs a password: one is made when the stack has none. */
async function setCni(stack: LabStack, cni: Cni, encrypted: boolean): Promise<void> {
    await stack.setConfig("netlab:cni", cni);
    await stack.setConfig("netlab:cniEncryption", String(encrypted));
    if (encrypted && cni === "weave" && (await configOr(stack, "netlab:weavePassword", "")) === "") {
        await stack.setConfig("netlab:weavePassword", crypto.randomBytes(18).toString("base64"), { secret: true });
    }
}

/** The stack's CNI settings as they were before the bench, applied. */
async function putCniBack(stack: LabStack, initialConfig: Record<CniKey, string | undefined>, log: Log): Promise<void> {
    log(`putting the stack's CNI settings back: ${settingsText(initialConfig)}`);
    for (const k of CNI_KEYS) {
        const v = initialConfig[k];
        await (v === undefined ? stack.removeConfig(k) : stack.setConfig(k, v, { secret: k.endsWith("Password") }));
    }
    await stack.up(() => undefined);
}
