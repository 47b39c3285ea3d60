/**
 * One drill on a lab that is up: an upgrade performed under load, measured (npm run drill).
 *
 * On a weave-nomad stack: fortio starts on the first lab host, sending --qps requests/s to
 * fabio on the second host's lab address (the workload's route; an HTTPS workload's server name
 * on fabio's TCP+SNI listener, verified with the lab CA); a sampler on the same host reads every
 * instance's /stats once a second. On a kubeadm stack (scenarios rolling and split): fortio runs
 * in a pod on the control-plane node (meshed when the stack has a mesh), against the workload's
 * Service, and the sampler reads every pod's /stats from that pod (host-scripts/drill-load.sh,
 * runner pod). Then the scenario's change is written to the stack's config and `up` performs
 * it. The load goes on for a tail after the change (and at least --min-requests in all), then
 * stops; the report (requests, failures, latency percentiles, the share of each version over
 * time) is written as JSON and as a PNG chart, with the drill's checks.
 *
 * The lab comes through lib/lab.ts's interfaces: the stack (outputs, config, up), the first
 * host (the load's: each step of host-scripts/drill-load.sh, rendered here) and the clock.
 */
import * as fs from "fs";
import * as path from "path";
import { WORKLOAD_PORT } from "../jobs";
import { CLIENT_LABEL, HTTPBACKEND_PORT } from "../kube-workload";
import { configOr, HostOut, Lab, LabStack, systemClock } from "../lab";
import { renderHostScript, REPO_ROOT } from "../scripts";
import { DrillArgs } from "./args";
import { renderChartPng } from "./chart";
import { CANARY_PROBES, DrillCheck, drillChecks, whyUpFailed } from "./checks";
import { parseFortioResult, parseSamples } from "./inputs";
import { buildReport, DrillReport, reportFileNames } from "./report";
import { DrillPlan, DrillTarget, planDrill, settingChanges, WorkloadSettings } from "./scenarios";
import { FORTIO_IMAGE, FORTIO_TARBALL, KUBE_NAMESPACE, loadTarget, WorkloadOut } from "./target";

export interface DrillResult {
    plan: DrillPlan;
    report: DrillReport;
    checks: DrillCheck[];
    files: { json: string; png: string };
}

/** Where the load's host keeps a drill's files (one folder per stack). */
export const DRILL_DIR = "/var/lib/netlab-drill";

/** Runs one drill on a lab that is up. */
export async function runDrill(lab: Lab, args: DrillArgs): Promise<DrillResult> {
    const { stack, hosts: runner } = lab;
    const clock = lab.clock ?? systemClock;
    const log = args.log ?? ((l: string): void => console.log(l));
    const outputs = await stack.outputs();
    const hosts = outputs.hosts as HostOut[] | undefined;
    const workloads = outputs.workloads as Record<string, WorkloadOut> | undefined;
    const target = outputs.scenario as DrillTarget | undefined;
    if ((target !== "weave-nomad" && target !== "kubeadm") || !hosts || !workloads) {
        throw new Error(`stack ${stack.name} has no weave-nomad or kubeadm lab up (outputs: ${Object.keys(outputs).join(", ") || "none"}): drills run on a stack after pulumi up`);
    }
    const kube = target === "kubeadm";
    const configured = JSON.parse(await stack.getConfig("netlab:workloads")) as WorkloadSettings[];
    const nameOf = (w: WorkloadSettings | undefined): string => (typeof w?.name === "string" ? w.name : "httpbackend");
    const name = args.workload ?? nameOf(configured[0]);
    const index = configured.findIndex((w) => nameOf(w) === name);
    const now = workloads[name];
    if (index < 0 || !now) {
        throw new Error(`no workload '${name}' in netlab:workloads (${configured.map((w) => w.name).join(", ")})`);
    }
    const plan = planDrill(args.scenario, configured[index], now, args, target);
    log(`drill ${args.scenario} on ${stack.name}/${name}: ${plan.describe}`);

    const router = hosts[1 % hosts.length];
    const load = loadTarget(name, now, router.labAddress, kube);
    // weave-lab: fortio on the first host; kube-lab: in a pod on the control-plane node (the first host).
    const runnerVars: Record<string, string | number> = kube ? {
        NETLAB_RUNNER: "pod", NETLAB_PORT: HTTPBACKEND_PORT, NETLAB_NAMESPACE: KUBE_NAMESPACE, NETLAB_NODE: hosts[0].name,
        NETLAB_IMAGE: FORTIO_IMAGE, NETLAB_CLIENT_LABEL: CLIENT_LABEL, NETLAB_MESH: await configOr(stack, "netlab:mesh", "none"),
    } : {
        NETLAB_RUNNER: "host", NETLAB_PORT: WORKLOAD_PORT,
        NETLAB_SCHEME: load.tls === undefined ? "http" : "https", NETLAB_CACERT: load.tls?.cacert ?? "", NETLAB_RESOLVE: load.tls?.resolve ?? "",
        NETLAB_CONNECTION_REUSE: load.tls?.connectionReuse ?? "",
    };
    const onHost = (vars: Record<string, string | number>): string => runner.run(hosts[0],
        renderHostScript("host-scripts/drill-load.sh", { NETLAB_DIR: `${DRILL_DIR}/${stack.name}`, NETLAB_SERVICE: name, ...runnerVars, ...vars }));
    const { url, route } = load;
    if (kube) {
        const artifacts = path.resolve(REPO_ROOT, await configOr(stack, "netlab:artifactsDir", ".toolchain/artifacts"));
        runner.importImage(path.join(artifacts, FORTIO_TARBALL), [hosts[0]], FORTIO_IMAGE, "fortio-image");
    }
    const minSeconds = args.minRequests / args.qps;
    const tail = args.tailSeconds ?? (args.scenario === "split" ? 10 : 5);
    try {
        log(onHost({ NETLAB_ACTION: "start", NETLAB_URL: url, NETLAB_QPS: args.qps, NETLAB_MAX_SECONDS: args.maxSeconds }).trim());
        const loadStartMs = clock.now();
        await clock.sleep(3000);
        const changes = await writeSettings(stack, index, configured[index], plan.settings);
        log(`config: ${[...changes.set.map(([k, v]) => `${k}=${v}`), ...changes.remove.map((k) => `rm ${k}`)].join(", ")}`);
        const change = { startMs: clock.now(), endMs: 0, ok: true, message: undefined as string | undefined };
        try {
            await stack.up(args.upOutput ?? ((o) => void process.stdout.write(o)));
        } catch (e) {
            change.ok = false;
            change.message = whyUpFailed(String((e as Error).message));
        }
        change.endMs = clock.now();
        log(`up ${change.ok ? "done" : "failed"} after ${((change.endMs - change.startMs) / 1000).toFixed(1)} s`);
        let canaryProbe: string | undefined;
        if (plan.expect.isolated !== undefined && change.ok) {
            // The canaries' own route, exercised by hand as the seed does: it must answer the new version.
            const canaryUrl = load.canaryUrl as string;
            canaryProbe = onHost({ NETLAB_ACTION: "probe", NETLAB_URL: canaryUrl, NETLAB_COUNT: CANARY_PROBES }).trim();
            log(`${CANARY_PROBES} requests to ${canaryUrl}:\n${canaryProbe}`);
        }
        const until = Math.max(change.endMs + tail * 1000, loadStartMs + minSeconds * 1000 + 1000);
        await clock.sleep(Math.max(0, until - clock.now()));
        log(onHost({ NETLAB_ACTION: "stop" }).trim());
        const loadEndMs = clock.now();
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
    }
}

/** Writes a workload's settings `from` -> `to` into the stack's config (settingChanges); returns what it wrote. */
async function writeSettings(stack: LabStack, index: number, from: WorkloadSettings, to: WorkloadSettings): Promise<ReturnType<typeof settingChanges>> {
    const changes = settingChanges(index, from, to);
    for (const key of changes.remove) {
        await stack.removeConfig(key, { path: true });
    }
    for (const [key, value] of changes.set) {
        await stack.setConfig(key, value, { path: true });
    }
    return changes;
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
