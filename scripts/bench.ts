/**
 * npm run bench -- <stack> [options]: seed 000's CNI benchmark on one kube-lab cluster.
 *
 * Rounds: "bare-metal" (the same pods on the hosts' network: host to host over the lab
 * network), "idle" (the hosts at rest, for the resource figures), then one round per CNI
 * (and per encrypted variant that runs here), each CNI swapped in place by `pulumi up`
 * (Automation API). In each round a server pod on the second host and a client pod on the
 * third run, --runs times each: TCP and UDP throughput (iperf3), HTTP and FTP downloads
 * (nginx, vsftpd, curl), SCP, and TCP to the server's Service; the MTU of the client's eth0;
 * and during the TCP transfer, both hosts' RAM (without cache) and CPU. Every transfer is
 * bounded (iperf3 -t, curl --max-time) and stays between the lab's hosts. At the end the
 * stack's CNI settings are put back and applied. The results (JSON), the report (Markdown)
 * and its charts (PNG) go to --out (default bench/results/<time>-<stack>).
 *
 * Options: --cnis a,b,… (default: all six), --encrypted a,… (default: weave), --runs N (3),
 * --seconds N (5: each iperf3 run), --file-mib N (256: the download file), --out DIR.
 * The environment is scripts/lab.sh's (npm run bench goes through it).
 */
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { execFile, execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { BenchArgs, parseBenchArgs } from "../lib/bench/args";
import { renderReportMarkdown } from "../lib/bench/markdown";
import { BenchResults, BenchRound, TESTS } from "../lib/bench/results";
import { renderBenchCharts } from "../lib/bench/charts";
import { BENCH_IMAGE, BENCH_NAMESPACE, BenchRoundPlan, benchManifest, benchRounds, cniFeatures, parseTestOutput, testCommand } from "../lib/bench/plan";
import { CNI_VERSIONS } from "../lib/cni";
import { Cni, DEFAULTS } from "../lib/config";
import { renderHostScript, REPO_ROOT, shellQuote } from "../lib/scripts";
import { configOr, HostOut, importNodeImage, sshTo, writeLabKeys } from "./lab-stack";

const run = promisify(execFile);

export type { BenchArgs } from "../lib/bench/args";

/** The CNI's version as netlab builds it. */
function cniVersion(cni: Cni): string {
    const v = CNI_VERSIONS;
    const byCni: Record<Cni, string> = {
        flannel: v.FLANNEL_VERSION, weave: v.WEAVE_VERSION, "kube-router": v.KUBE_ROUTER_VERSION, calico: v.CALICO_VERSION,
        canal: `calico ${v.CALICO_VERSION} + flannel ${v.FLANNEL_VERSION}`, cilium: v.CILIUM_VERSION,
    };
    return byCni[cni];
}

export async function runBench(stack: Stack, args: BenchArgs): Promise<{ results: BenchResults; dir: string }> {
    const log = args.log ?? ((l: string): void => console.log(l));
    const started = Date.now();
    const outputs = await stack.outputs();
    const hosts = outputs.hosts?.value as HostOut[] | undefined;
    if (outputs.scenario?.value !== "kubeadm" || !hosts || hosts.length < 3) {
        throw new Error(`stack ${stack.name} has no kube-lab of three hosts up (outputs: ${Object.keys(outputs).join(", ") || "none"}): run pulumi up on a kubeadm stack first`);
    }
    const artifacts = path.resolve(REPO_ROOT, (await stack.getConfig("netlab:artifactsDir")).value);
    const tarball = path.join(artifacts, "images", "bench.tar");
    const kubectlBin = path.join(artifacts, "kubernetes", "kubectl");
    const kubeconfig = String(outputs.KUBECONFIG.value);
    const kubectl = async (...a: string[]): Promise<string> => (await run(kubectlBin, ["--kubeconfig", kubeconfig, ...a], { maxBuffer: 1 << 26 })).stdout;
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-bench-"));
    const keys = writeLabKeys(work, outputs);
    const ssh = (h: HostOut): string[] => sshTo(keys, h);
    const [, server, client] = hosts;
    // The settings the bench changes, as they were (undefined: not set), to put back at the end.
    const initialConfig = Object.fromEntries(await Promise.all(CNI_KEYS.map(async (k) => [k, await configOr(stack, k, undefined)] as const)));
    const rounds: BenchRound[] = [];
    try {
        log(`bench on ${stack.name}: importing ${path.basename(tarball)} into every node's containerd`);
        importNodeImage(tarball, hosts, keys, BENCH_IMAGE, "bench");
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(work, "scp.key")]);
        const publicKey = fs.readFileSync(path.join(work, "scp.key.pub"), "utf8").trim();
        const machine = JSON.parse(execFileSync("ssh", [...ssh(server), "jq -n --arg k \"$(uname -r)\" --argjson c \"$(nproc)\" "
            + "--argjson m \"$(awk '$1 == \"MemTotal:\" { print int($2 / 1024) }' /proc/meminfo)\" '{kernel: $k, cpus: $c, memTotalMiB: $m}'"], { encoding: "utf8" })) as
            { kernel: string; cpus: number; memTotalMiB: number };

        const usage = async (h: HostOut, seconds: number): Promise<{ ramMiB: number; cpuPercent: number }> =>
            JSON.parse((await run("ssh", [...ssh(h), `bash -c ${shellQuote(renderHostScript("host-scripts/bench-usage.sh", { NETLAB_SECONDS: seconds }))}`])).stdout) as
                { ramMiB: number; cpuPercent: number };

        const removePods = (): Promise<string> => kubectl("delete", "namespace", BENCH_NAMESPACE, "--ignore-not-found", "--wait=true", "--timeout=120s");
        const measured = [server, client];
        /** Per measured host: its RAM and CPU readings, filled by `record`. */
        const noResources = (): NonNullable<BenchRound["resources"]> => Object.fromEntries(measured.map((h) => [h.name, { ramMiB: [], cpuPercent: [] }]));
        const record = (round: BenchRound, host: HostOut, u: { ramMiB: number; cpuPercent: number }): void => {
            round.resources![host.name].ramMiB.push(u.ramMiB);
            round.resources![host.name].cpuPercent.push(u.cpuPercent);
        };

        const deployPods = async (hostNetwork: boolean): Promise<{ serverIp: string; serviceIp: string; mtu: number }> => {
            await removePods();
            const manifest = path.join(work, "bench.json");
            fs.writeFileSync(manifest, benchManifest({ serverNode: server.name, clientNode: client.name, hostNetwork, publicKey, fileMiB: args.fileMiB }));
            await kubectl("apply", "-f", manifest);
            await kubectl("wait", "-n", BENCH_NAMESPACE, "--for=condition=Ready", "pod", "--all", "--timeout=180s");
            const key = fs.readFileSync(path.join(work, "scp.key"));
            await new Promise<void>((resolve, reject) => {
                const p = execFile(kubectlBin, ["--kubeconfig", kubeconfig, "exec", "-i", "-n", BENCH_NAMESPACE, "bench-client", "--",
                    "sh", "-c", "umask 077 && cat > /root/bench.key"], (e) => (e ? reject(new Error(e.message)) : resolve()));
                p.stdin?.end(key);
            });
            const serverIp = (await kubectl("get", "pod", "-n", BENCH_NAMESPACE, "bench-server", "-o", "jsonpath={.status.podIP}")).trim();
            const serviceIp = (await kubectl("get", "service", "-n", BENCH_NAMESPACE, "bench-server", "-o", "jsonpath={.spec.clusterIP}")).trim();
            const mtu = Number((await kubectl("exec", "-n", BENCH_NAMESPACE, "bench-client", "--", "cat", "/sys/class/net/eth0/mtu")).trim());
            return { serverIp, serviceIp, mtu };
        };

        const measure = async (plan: BenchRoundPlan): Promise<BenchRound> => {
            const pods = await deployPods(plan.kind === "bare-metal");
            const round: BenchRound = {
                name: plan.name, kind: plan.kind, cni: plan.cni, encrypted: plan.encrypted, mtu: pods.mtu,
                features: plan.cni ? cniFeatures(plan.cni, plan.encrypted === true) : undefined,
                samples: {}, resources: noResources(), errors: [],
            };
            for (let i = 0; i < args.runs; i++) {
                for (const test of TESTS) {
                    const target = test === "service" ? pods.serviceIp : pods.serverIp;
                    try {
                        const exec = kubectl("exec", "-n", BENCH_NAMESPACE, "bench-client", "--", ...testCommand(test, target, args.seconds));
                        // The hosts' RAM and CPU during the TCP transfer (its first seconds less one, so the reading ends inside it).
                        const during = test === "tcp" ? Promise.allSettled(measured.map((h) => usage(h, Math.max(1, args.seconds - 1)))) : undefined;
                        const output = await exec.finally(() => during);
                        const value = parseTestOutput(test, output, args.fileMiB);
                        (round.samples[test] ??= []).push(value);
                        for (const [j, u] of ((await during) ?? []).entries()) {
                            if (u.status === "fulfilled") {
                                record(round, measured[j], u.value);
                            } else {
                                round.errors!.push(`usage of ${measured[j].name} during tcp run ${i + 1}: ${String(u.reason).split("\n").slice(-2).join(" ")}`);
                            }
                        }
                        log(`  ${plan.name} run ${i + 1} ${test}: ${value.toFixed(0)} Mbit/s`);
                    } catch (e) {
                        const why = `${test} run ${i + 1}: ${(e as Error).message.split("\n").slice(0, 3).join(" ")}`;
                        round.errors!.push(why);
                        log(`  ${plan.name} ${why}`);
                    }
                }
            }
            return round;
        };

        const plans = benchRounds(args.cnis, args.encrypted);
        for (const plan of plans) {
            if (plan.kind === "cni") {
                const t0 = Date.now();
                log(`round ${plan.name}: netlab:cni=${plan.cni}${plan.encrypted ? " with encryption" : ""}, pulumi up`);
                await setCni(stack, plan.cni as Cni, plan.encrypted === true);
                const failure = await upWithRetry(stack, log);
                if (failure !== undefined) {
                    // The round has no figures, the bench goes on with the next CNI.
                    rounds.push({ name: plan.name, kind: "cni", cni: plan.cni, encrypted: plan.encrypted, samples: {}, errors: [`pulumi up: ${failure}`] });
                    continue;
                }
                log(`round ${plan.name}: the CNI is in place after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
            } else {
                log(`round ${plan.name}: the pods on the hosts' network`);
            }
            rounds.push(await measure(plan));
            if (plan.kind === "bare-metal") {
                // The idle round: the hosts at rest, nothing of the bench running.
                await removePods();
                const idle: BenchRound = { name: "idle", kind: "idle", samples: {}, resources: noResources() };
                for (let i = 0; i < args.runs; i++) {
                    (await Promise.all(measured.map((h) => usage(h, args.seconds)))).forEach((u, j) => record(idle, measured[j], u));
                }
                rounds.push(idle);
                log(`round idle: ${JSON.stringify(idle.resources)}`);
            }
        }
        await removePods();
        const results: BenchResults = {
            schema: 1,
            startedAt: new Date(started).toISOString(),
            wallSeconds: 0,
            machine: {
                ...machine, hostProvider: (await configOr(stack, "netlab:hostProvider", DEFAULTS.hostProvider)) as "docker" | "ssh",
                notes: [`idle: the hosts at rest with ${String(outputs.cni.value)} (netlab always runs a CNI; the seed's idle cluster had none)`,
                    "bare metal: the same pods on the hosts' network, host to host over the lab network",
                    "RAM and CPU: the whole host (its cgroup in docker mode), read during the first TCP seconds of each run"],
            },
            versions: { kubernetes: DEFAULTS.kubernetes.version, cni: Object.fromEntries(args.cnis.map((c) => [c, cniVersion(c)])) },
            config: { runs: args.runs, seconds: args.seconds, cnis: args.cnis },
            rounds,
        };
        results.wallSeconds = Math.round((Date.now() - started) / 1000);
        const dir = args.outDir ?? path.join(REPO_ROOT, "bench", "results", `${results.startedAt.replace(/\..*$/, "").replace(/[-:]/g, "")}-${stack.name}`);
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "results.json"), JSON.stringify(results, null, 2) + "\n");
        const charts = await renderBenchCharts(results, dir);
        fs.writeFileSync(path.join(dir, "README.md"), renderReportMarkdown(results, Object.fromEntries(Object.entries(charts).map(([k, f]) => [k, path.basename(f)]))));
        log(`bench: ${results.wallSeconds} s; report ${path.join(dir, "README.md")}`);
        return { results, dir };
    } finally {
        try {
            await kubectl("delete", "namespace", BENCH_NAMESPACE, "--ignore-not-found", "--wait=false");
        } catch {
            // The cluster may be gone.
        }
        if (rounds.some((r) => r.kind === "cni")) {
            log(`putting the stack's CNI settings back: ${CNI_KEYS.map((k) => `${k}=${k.endsWith("Password") ? "[secret]" : initialConfig[k] ?? "(unset)"}`).join(", ")}`);
            for (const k of CNI_KEYS) {
                const v = initialConfig[k];
                await (v === undefined ? stack.removeConfig(k) : stack.setConfig(k, { value: v, secret: k.endsWith("Password") }));
            }
            await stack.up({ onOutput: () => undefined });
        }
        fs.rmSync(work, { recursive: true, force: true });
    }
}

/** `up`, once more when it fails (a swap's checks can catch a node still settling); the last failure's gist, or undefined. */
async function upWithRetry(stack: Stack, log: (l: string) => void): Promise<string | undefined> {
    let why = "";
    for (let attempt = 1; attempt <= 2; attempt++) {
        try {
            await stack.up({ onOutput: () => undefined });
            return undefined;
        } catch (e) {
            why = String((e as Error).message).split("\n").filter((l) => /FAIL|error:/.test(l)).slice(-3).join(" ").trim();
            log(`  pulumi up failed (attempt ${attempt} of 2): ${why}`);
        }
    }
    return why;
}

/** The stack settings a bench round changes. */
const CNI_KEYS = ["netlab:cni", "netlab:cniEncryption", "netlab:weavePassword"] as const;

/** netlab:cni and netlab:cniEncryption; Weave's encryption needs a password: one is made when the stack has none. */
async function setCni(stack: Stack, cni: Cni, encrypted: boolean): Promise<void> {
    await stack.setConfig("netlab:cni", { value: cni });
    await stack.setConfig("netlab:cniEncryption", { value: String(encrypted) });
    if (encrypted && cni === "weave" && (await configOr(stack, "netlab:weavePassword", "")) === "") {
        await stack.setConfig("netlab:weavePassword", { value: crypto.randomBytes(18).toString("base64"), secret: true });
    }
}

async function main(): Promise<void> {
    const { stack: name, args } = parseBenchArgs(process.argv.slice(2));
    const stack = await LocalWorkspace.selectStack({ stackName: name, workDir: REPO_ROOT });
    await runBench(stack, args);
}

if (require.main === module) {
    main().catch((e: unknown) => {
        console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
    });
}
