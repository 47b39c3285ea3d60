/**
 * npm run drill -- <stack> <scenario> [options]: an upgrade performed under load, measured.
 *
 * On a weave-nomad stack that is up: fortio starts on the first lab host, sending --qps
 * requests/s to fabio on the second host's lab address (the workload's route; an HTTPS workload's
 * server name on fabio's TCP+SNI listener, verified with the lab CA); a sampler on
 * the same host reads every instance's /stats once a second. On a kubeadm stack (scenarios
 * rolling and split): fortio runs in a pod on the control-plane node (meshed when the stack
 * has a mesh), against the workload's Service, and the sampler reads every pod's /stats from
 * that pod (host-scripts/drill-load.sh, runner pod). Then the scenario's change is
 * written to the stack's config and `pulumi up` performs it (Automation API). The load goes on
 * for a tail after the change (and at least --min-requests in all), then stops; the report
 * (requests, failures, latency percentiles, the share of each version over time) is written
 * as JSON and as a PNG chart, with the drill's checks. Exits non-zero when a check fails.
 *
 * Options: --workload NAME (default: the first), --version vX.Y.Z, --weights A,B (split),
 * --qps N (500), --min-requests N (10000), --max-seconds N (600: fortio's hard bound),
 * --tail N (seconds of load after the change: 5, split 10), --out DIR (.netlab/drills/<stack>).
 * The environment is commands/lab.sh's (npm run drill goes through it).
 */
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderChartPng } from "../lib/drill/chart";
import { buildReport, canaryRequests, DrillReport, parseFortioResult, parseSamples, reportFileNames, Sample } from "../lib/drill/report";
import {
    DRILL_SCENARIOS, DrillOptions, DrillPlan, DrillScenario, DrillTarget, planDrill, settingChanges, WorkloadNow, WorkloadSettings,
} from "../lib/drill/scenarios";
import { canaryRoutePath, FABIO_PROXY_PORT, FABIO_SNI_PORT, LAB_CA_FILE, sniCanaryName } from "../lib/fabio";
import { WORKLOAD_PORT } from "../lib/jobs";
import { CLIENT_LABEL, HTTPBACKEND_PORT } from "../lib/kube-workload";
import { renderHostScript, REPO_ROOT } from "../lib/scripts";
import { configOr, HostOut, importNodeImage, sshTo, writeLabKeys } from "./lib/lab-stack";

export interface DrillArgs extends DrillOptions {
    scenario: DrillScenario;
    workload?: string;
    qps: number;
    minRequests: number;
    maxSeconds: number;
    tailSeconds?: number;
    outDir?: string;
    /** Where the drill's progress goes (default: stdout). */
    log?: (line: string) => void;
}

export interface DrillCheck {
    name: string;
    ok: boolean;
    detail: string;
}

export interface DrillResult {
    plan: DrillPlan;
    report: DrillReport;
    checks: DrillCheck[];
    files: { json: string; png: string };
}

interface WorkloadOut extends WorkloadNow { fabioRoute: string; sni?: string }

/** kube-lab: the load's image (npm run toolchain -- fortio-image), imported by the drill into the node it runs on. */
export const FORTIO_IMAGE = "localhost/netlab/fortio:v1.68.2";
const FORTIO_TARBALL = "images/fortio.tar";
/** kube-lab: the workloads' namespace. */
const KUBE_NAMESPACE = "default";

const DRILL_DIR = "/var/lib/netlab-drill";
/** A split's share must be measured over at least this many requests after the change. */
export const SPLIT_MIN_REQUESTS = 2000;
/** Requests sent by hand to an isolated canary's own route. */
export const CANARY_PROBES = 50;
/** How far a measured share may be from the split's weight. */
export const SPLIT_TOLERANCE = 0.05;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** "/httpbackend/" (fabio's route) -> "/httpbackend" (what httpbackend counts requests under). */
const counterKey = (route: string): string => `/${route.split("/").filter(Boolean)[0] ?? ""}`;

/** Runs one drill on an opened stack. */
export async function runDrill(stack: Stack, args: DrillArgs): Promise<DrillResult> {
    const log = args.log ?? ((l: string): void => console.log(l));
    const outputs = await stack.outputs();
    const hosts = outputs.hosts?.value as HostOut[] | undefined;
    const workloads = outputs.workloads?.value as Record<string, WorkloadOut> | undefined;
    const target = outputs.scenario?.value as DrillTarget | undefined;
    if ((target !== "weave-nomad" && target !== "kubeadm") || !hosts || !workloads) {
        throw new Error(`stack ${stack.name} has no weave-nomad or kubeadm lab up (outputs: ${Object.keys(outputs).join(", ") || "none"}): drills run on a stack after pulumi up`);
    }
    const kube = target === "kubeadm";
    const configured = JSON.parse((await stack.getConfig("netlab:workloads")).value) as WorkloadSettings[];
    const nameOf = (w: WorkloadSettings | undefined): string => (typeof w?.name === "string" ? w.name : "httpbackend");
    const name = args.workload ?? nameOf(configured[0]);
    const index = configured.findIndex((w) => nameOf(w) === name);
    const now = workloads[name];
    if (index < 0 || !now) {
        throw new Error(`no workload '${name}' in netlab:workloads (${configured.map((w) => w.name).join(", ")})`);
    }
    const plan = planDrill(args.scenario, configured[index], now, args, target);
    log(`drill ${args.scenario} on ${stack.name}/${name}: ${plan.describe}`);

    const keys = writeLabKeys(fs.mkdtempSync(path.join(os.tmpdir(), "netlab-drill-")), outputs);
    const router = hosts[1 % hosts.length];
    const load = loadTarget(name, now, router.labAddress, kube);
    // weave-lab: fortio on the first host; kube-lab: in a pod on the control-plane node (the first host).
    const runner: Record<string, string | number> = kube ? {
        NETLAB_RUNNER: "pod", NETLAB_PORT: HTTPBACKEND_PORT, NETLAB_NAMESPACE: KUBE_NAMESPACE, NETLAB_NODE: hosts[0].name,
        NETLAB_IMAGE: FORTIO_IMAGE, NETLAB_CLIENT_LABEL: CLIENT_LABEL, NETLAB_MESH: await configOr(stack, "netlab:mesh", "none"),
    } : {
        NETLAB_RUNNER: "host", NETLAB_PORT: WORKLOAD_PORT,
        NETLAB_SCHEME: load.tls === undefined ? "http" : "https", NETLAB_CACERT: load.tls?.cacert ?? "", NETLAB_RESOLVE: load.tls?.resolve ?? "",
        NETLAB_CONNECTION_REUSE: load.tls?.connectionReuse ?? "",
    };
    const onHost = (vars: Record<string, string | number>): string => execFileSync("ssh", [...sshTo(keys, hosts[0]), "bash -s"], {
        input: renderHostScript("host-scripts/drill-load.sh", { NETLAB_DIR: `${DRILL_DIR}/${stack.name}`, NETLAB_SERVICE: name, ...runner, ...vars }),
        encoding: "utf8", maxBuffer: 1 << 28,
    });
    const { url, route } = load;
    if (kube) {
        const artifacts = path.resolve(REPO_ROOT, await configOr(stack, "netlab:artifactsDir", ".toolchain/artifacts"));
        importNodeImage(path.join(artifacts, FORTIO_TARBALL), [hosts[0]], keys, FORTIO_IMAGE, "fortio-image");
    }
    const minSeconds = args.minRequests / args.qps;
    const tail = args.tailSeconds ?? (args.scenario === "split" ? 10 : 5);
    try {
        log(onHost({ NETLAB_ACTION: "start", NETLAB_URL: url, NETLAB_QPS: args.qps, NETLAB_MAX_SECONDS: args.maxSeconds }).trim());
        const loadStartMs = Date.now();
        await sleep(3000);
        const changes = await writeSettings(stack, index, configured[index], plan.settings);
        log(`config: ${[...changes.set.map(([k, v]) => `${k}=${v}`), ...changes.remove.map((k) => `rm ${k}`)].join(", ")}`);
        const change = { startMs: Date.now(), endMs: 0, ok: true, message: undefined as string | undefined };
        try {
            await stack.up({ onOutput: (o) => process.stdout.write(o) });
        } catch (e) {
            change.ok = false;
            change.message = whyUpFailed(String((e as Error).message));
        }
        change.endMs = Date.now();
        log(`up ${change.ok ? "done" : "failed"} after ${((change.endMs - change.startMs) / 1000).toFixed(1)} s`);
        let canaryProbe: string | undefined;
        if (plan.expect.isolated !== undefined && change.ok) {
            // The canaries' own route, exercised by hand as the seed does: it must answer the new version.
            const canaryUrl = load.canaryUrl as string;
            canaryProbe = onHost({ NETLAB_ACTION: "probe", NETLAB_URL: canaryUrl, NETLAB_COUNT: CANARY_PROBES }).trim();
            log(`${CANARY_PROBES} requests to ${canaryUrl}:\n${canaryProbe}`);
        }
        const until = Math.max(change.endMs + tail * 1000, loadStartMs + minSeconds * 1000 + 1000);
        await sleep(Math.max(0, until - Date.now()));
        log(onHost({ NETLAB_ACTION: "stop" }).trim());
        const loadEndMs = Date.now();
        if (plan.restore) {
            await writeSettings(stack, index, plan.settings, plan.restore);
            log("config restored to the settings before the drill (the failed version is not kept)");
        }
        const fortio = parseFortioResult(JSON.parse(onHost({ NETLAB_ACTION: "cat-result" })));
        const samples = parseSamples(onHost({ NETLAB_ACTION: "cat-samples" }));
        const report = buildReport(fortio, samples, {
            stack: stack.name, scenario: args.scenario, workload: name, route,
            canaryRoute: load.canaryRoute, qps: args.qps, loadStartMs, loadEndMs, change,
            expected: { ...plan.expect, describe: plan.describe, canaryProbe },
        });
        const checks = drillChecks(plan, report, samples, args.minRequests);
        const dir = args.outDir ?? path.join(REPO_ROOT, ".netlab", "drills", stack.name);
        fs.mkdirSync(dir, { recursive: true });
        // drill-<scenario>-<when the load started>: drills of one scenario do not overwrite each other.
        const when = new Date(loadStartMs).toISOString().replace(/\..*$/, "").replace(/[-:]/g, "");
        const names = reportFileNames({ scenario: `${args.scenario}-${when}` });
        const files = { json: path.join(dir, names.json), png: path.join(dir, names.png) };
        fs.writeFileSync(files.json, JSON.stringify({ ...report, checks }, null, 2) + "\n");
        fs.writeFileSync(files.png, await renderChartPng(report));
        return { plan, report, checks, files };
    } finally {
        try {
            onHost({ NETLAB_ACTION: "clean" });
        } catch {
            // The host may be gone; the load is bounded by fortio's -t anyway.
        }
        fs.rmSync(path.dirname(keys.keyFile), { recursive: true, force: true });
    }
}

/** Where a drill's load goes, and what the instances count its requests under. */
export interface LoadTarget {
    url: string;
    /** The production route's counter key in the instances' /stats. */
    route: string;
    /** weave-lab: the isolated canaries' own URL and counter key. */
    canaryUrl?: string;
    canaryRoute?: string;
    /**
     * An HTTPS workload: the CA file (on the load's host) its certificate is verified with, the
     * address its server name goes to, and fortio's -connection-reuse.
     */
    tls?: { cacert: string; resolve: string; connectionReuse: string };
}

/**
 * The load's target: kube-lab's Service; weave-lab's fabio on the router host, by path on its
 * HTTP listener, or for an HTTPS workload by server name on its TCP+SNI listener (the name
 * resolved to the router, the certificate verified with the lab CA, requests counted by the
 * instances under the server name they came with and the path, "mysite-sni-1.com/").
 */
export function loadTarget(name: string, now: WorkloadOut, routerAddress: string, kube: boolean): LoadTarget {
    if (kube) {
        return { url: `http://${name}.${KUBE_NAMESPACE}.svc.cluster.local:${HTTPBACKEND_PORT}/`, route: "/" };
    }
    if (now.sni !== undefined) {
        const canary = sniCanaryName(now.sni);
        return {
            url: `https://${now.sni}:${FABIO_SNI_PORT}/`, route: `${now.sni}/`,
            canaryUrl: `https://${canary}:${FABIO_SNI_PORT}/`, canaryRoute: `${canary}/`,
            tls: { cacert: LAB_CA_FILE, resolve: routerAddress, connectionReuse: TLS_CONNECTION_REUSE },
        };
    }
    return {
        url: `http://${routerAddress}:${FABIO_PROXY_PORT}${now.fabioRoute}`, route: counterKey(now.fabioRoute),
        canaryUrl: `http://${routerAddress}:${FABIO_PROXY_PORT}${canaryRoutePath(name)}`, canaryRoute: counterKey(canaryRoutePath(name)),
    };
}

/**
 * fabio's TCP+SNI listener picks an instance once per connection (the TLS stream passes through
 * whole), so a load that kept its connections would never reach a canary, a new colour or a
 * split's new version. On the HTTPS path every connection of the load carries this many
 * requests (fortio's -connection-reuse MIN:MAX), then fortio opens a new one, as clients that
 * reconnect do: a split's shares are then shares of connections, each of the same size.
 */
export const TLS_CONNECTION_REUSE = "20:20";

/** Writes a workload's settings `from` -> `to` into the stack's config (settingChanges); returns what it wrote. */
async function writeSettings(stack: Stack, index: number, from: WorkloadSettings, to: WorkloadSettings): Promise<ReturnType<typeof settingChanges>> {
    const changes = settingChanges(index, from, to);
    for (const key of changes.remove) {
        await stack.removeConfig(key, true);
    }
    for (const [key, value] of changes.set) {
        await stack.setConfig(key, { value }, true);
    }
    return changes;
}

/** What a failed `up` said about it: netlab's own lines (a host script's verdict and fix), else the last lines. */
export function whyUpFailed(text: string): string {
    const lines = text.split("\n").map((l) => l.trim());
    const ours = [...new Set(lines.filter((l) => /^(nomad-job|Fix):/.test(l)))];
    return (ours.length > 0 ? ours : lines.filter(Boolean).slice(-8)).join("\n");
}

/** Requests per version on a route after the change was over (from the report's timeline). */
export function afterChange(report: DrillReport, route: string, settleSeconds = 1): Record<string, number> {
    const out: Record<string, number> = {};
    for (const row of report.timeline) {
        if (row.route === route && row.t > report.change.endS + settleSeconds) {
            out[row.version] = (out[row.version] ?? 0) + row.requests;
        }
    }
    return out;
}

/** What the drill must have seen, from its plan's expectations. */
export function drillChecks(plan: DrillPlan, report: DrillReport, samples: Sample[], minRequests: number): DrillCheck[] {
    const checks: DrillCheck[] = [];
    const add = (name: string, ok: boolean, detail: string): void => void checks.push({ name, ok, detail });
    add("requests", report.requests.total >= minRequests, `${report.requests.total} sent (at least ${minRequests})`);
    add("no failed request", report.failed === 0,
        `${report.failed} failed: ${report.requests.non2xx} non-2xx, ${report.requests.socketErrors} socket errors (${JSON.stringify(report.requests.byCode)})`);
    add("up", report.change.ok !== plan.expect.upFails,
        plan.expect.upFails ? `must fail (auto_revert): ${report.change.ok ? "it succeeded" : report.change.message}` : `must succeed: ${report.change.message ?? "ok"}`);
    add("load covers the change", report.change.endS < report.loadSeconds, `change ended at ${report.change.endS.toFixed(1)} s of ${report.loadSeconds.toFixed(1)} s of load`);
    const after = afterChange(report, report.route);
    const servedAfter = Object.keys(after).filter((v) => after[v] > 0).sort();
    add("serving after the change", JSON.stringify(servedAfter) === JSON.stringify(plan.expect.serving),
        `production served ${JSON.stringify(after)} after the change; expected versions ${plan.expect.serving.join(", ")}`);
    if (plan.expect.isolated !== undefined) {
        const leaked = canaryRequests(samples, report.route);
        add("isolated canary", leaked === 0, `${leaked} production requests reached a canary (${plan.expect.isolated})`);
        const canary = report.canaryRoute ? report.versions[report.canaryRoute] ?? {} : {};
        const served = Object.entries(canary).filter(([, n]) => n > 0);
        add("canary route", served.length === 1 && served[0][0] === plan.expect.isolated && served[0][1] >= CANARY_PROBES,
            `the canary route served ${JSON.stringify(canary)} (${CANARY_PROBES} requests sent to it: only ${plan.expect.isolated} may answer)`);
    }
    if (plan.expect.share !== undefined) {
        const total = Object.values(after).reduce((a, b) => a + b, 0);
        const off = Object.entries(plan.expect.share).map(([v, want]) => ({ v, want, got: total > 0 ? (after[v] ?? 0) / total : 0 }));
        add("split share", total >= SPLIT_MIN_REQUESTS && off.every((o) => Math.abs(o.got - o.want) <= SPLIT_TOLERANCE),
            `${off.map((o) => `${o.v} ${(o.got * 100).toFixed(1)}% (want ${o.want * 100}%)`).join(", ")} over ${total} requests after the change (at least ${SPLIT_MIN_REQUESTS}, within ${SPLIT_TOLERANCE * 100} points)`);
    }
    return checks;
}

/** Prints a drill's table: what the note and the README show. */
export function drillTable(r: DrillResult): string {
    const rep = r.report;
    const rows: [string, string][] = [
        ["change", r.plan.describe],
        ["requests", String(rep.requests.total)],
        ["failed (non-2xx + socket)", `${rep.failed} (${rep.requests.non2xx} + ${rep.requests.socketErrors})`],
        ["latency p50 / p90 / p99 (ms)", `${rep.latencyMs.p50.toFixed(2)} / ${rep.latencyMs.p90.toFixed(2)} / ${rep.latencyMs.p99.toFixed(2)}`],
        ["qps requested / actual", `${rep.qps.requested} / ${rep.qps.actual.toFixed(1)}`],
        ["change took (s)", rep.change.seconds.toFixed(1)],
        ["load (s)", rep.loadSeconds.toFixed(1)],
        ["versions (production route)", JSON.stringify(rep.versions[rep.route] ?? {})],
        ...r.checks.map((c): [string, string] => [`check: ${c.name}`, `${c.ok ? "PASS" : "FAIL"} ${c.detail}`]),
    ];
    return ["| | |", "|---|---|", ...rows.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, "\\|").replace(/\n/g, " ")} |`)].join("\n");
}

function parseArgs(argv: string[]): { stack: string; args: DrillArgs } {
    const usage = `usage: npm run drill -- <stack> <${DRILL_SCENARIOS.join("|")}> [--workload NAME] [--version vX.Y.Z] [--weights A,B] [--qps N] [--min-requests N] [--max-seconds N] [--tail N] [--out DIR]`;
    const [stack, scenario, ...rest] = argv;
    if (!stack || !(DRILL_SCENARIOS as readonly string[]).includes(scenario ?? "")) {
        throw new Error(usage);
    }
    const args: DrillArgs = { scenario: scenario as DrillScenario, qps: 500, minRequests: 10000, maxSeconds: 600 };
    const num = (flag: string, v: string | undefined): number => {
        const n = Number(v);
        if (!Number.isFinite(n) || n <= 0) {
            throw new Error(`${flag} wants a positive number, got '${v}'\n${usage}`);
        }
        return n;
    };
    for (let i = 0; i < rest.length; i += 2) {
        const [flag, v] = [rest[i], rest[i + 1]];
        switch (flag) {
            case "--workload": args.workload = v; break;
            case "--version": args.version = v; break;
            case "--weights": {
                const w = (v ?? "").split(",").map(Number);
                if (w.length !== 2 || !w.every((x) => Number.isInteger(x) && x >= 0)) {
                    throw new Error(`--weights wants two whole percents, e.g. 80,20 (got '${v}')\n${usage}`);
                }
                args.weights = [w[0], w[1]];
                break;
            }
            case "--qps": args.qps = num(flag, v); break;
            case "--min-requests": args.minRequests = num(flag, v); break;
            case "--max-seconds": args.maxSeconds = num(flag, v); break;
            case "--tail": args.tailSeconds = num(flag, v); break;
            case "--out": args.outDir = path.resolve(v ?? "."); break;
            default: throw new Error(`unknown option ${flag}\n${usage}`);
        }
    }
    if (args.minRequests / args.qps > args.maxSeconds) {
        throw new Error(`--min-requests ${args.minRequests} at --qps ${args.qps} needs more than --max-seconds ${args.maxSeconds}`);
    }
    return { stack, args };
}

async function main(): Promise<void> {
    const { stack: name, args } = parseArgs(process.argv.slice(2));
    const stack = await LocalWorkspace.selectStack({ stackName: name, workDir: REPO_ROOT });
    const result = await runDrill(stack, args);
    console.log(`\n${drillTable(result)}\n\nreport: ${result.files.json}\nchart:  ${result.files.png}`);
    if (result.checks.some((c) => !c.ok)) {
        process.exitCode = 1;
    }
}

if (require.main === module) {
    main().catch((e: unknown) => {
        console.error(`drill: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
    });
}
