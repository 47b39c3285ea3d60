/**
 * Scenario `weave-nomad` (seeds 001, 002, 003): hosts -> binaries -> Weave overlay -> Consul
 * -> Nomad and fabio -> workloads on the overlay -> checks. The overlay comes up beside
 * Consul and Nomad (it needs only the hosts); the jobs run their instances on Weave
 * networks, registered in Consul with their Weave addresses and fabio routes, and roll out
 * new versions with each workload's strategy; the checks prove reachability, routing and
 * subnet isolation.
 */
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { assertArtifacts, fileSha256, HostArtifacts } from "../components/artifacts";
import { HTTPBACKEND_BINARY, HTTPBACKEND_IMAGE, HttpbackendImage } from "../components/httpbackend-image";
import { ConsulCluster } from "../components/consul";
import { Fabio } from "../components/fabio";
import { NomadCluster } from "../components/nomad";
import { NomadJob } from "../components/nomad-job";
import { WeaveChecks } from "../components/weave-checks";
import { WEAVE_ARTIFACTS, WEAVE_TOOLCHAIN_COMMAND, WeaveOverlay } from "../components/weave-overlay";
import { LabCa } from "../components/lab-ca";
import { generatedSecret } from "../components/secret";
import {
    FABIO_PROXY_PORT, FABIO_SNI_PORT, FABIO_UI_PORT, sniCanaryName, splitOverrides, workloadCanaryRoute, workloadRoute,
} from "../lib/fabio";
import { httpbackendJob, WORKLOAD_PORT } from "../lib/jobs";
import { LabConfig, WorkloadSpec } from "../lib/config";
import { buildHosts, hostOutputs, LabOutputs } from "./hosts";

/** Consul HTTP API and Nomad HTTP API, reachable from the machine running Pulumi. */
export const CONSUL_HTTP_PORT = 8500;
export const NOMAD_HTTP_PORT = 4646;

/** The binaries this scenario puts on every host. */
export const WEAVE_NOMAD_BINARIES = [
    { name: "consul", dest: "/usr/local/bin/consul" },
    { name: "nomad", dest: "/usr/local/bin/nomad" },
    { name: "httpbackend", dest: HTTPBACKEND_BINARY },
    { name: "fabio", dest: "/usr/local/bin/fabio" },
    // The drills' load generator (npm run drill), run on a lab host against fabio.
    { name: "fortio", dest: "/usr/local/bin/fortio" },
];

export function weaveNomadScenario(cfg: LabConfig): LabOutputs {
    const artifactsDir = cfg.artifactsDir as string;
    // Every file the lab pushes is there, or up stops before its first resource.
    assertArtifacts(artifactsDir, WEAVE_NOMAD_BINARIES.map((b) => b.name), "npm run toolchain -- weave-lab");
    assertArtifacts(artifactsDir, WEAVE_ARTIFACTS, WEAVE_TOOLCHAIN_COMMAND);
    const hosts = buildHosts(cfg, [CONSUL_HTTP_PORT, NOMAD_HTTP_PORT, FABIO_PROXY_PORT, FABIO_UI_PORT, FABIO_SNI_PORT]);
    const binaries = new HostArtifacts("binaries", {
        hosts: hosts.hosts,
        privateKey: hosts.privateKey,
        artifactsDir: cfg.artifactsDir as string,
        files: WEAVE_NOMAD_BINARIES,
    });
    const weave = new WeaveOverlay("weave", {
        hosts: hosts.hosts,
        privateKey: hosts.privateKey,
        artifactsDir: cfg.artifactsDir as string,
        settings: cfg.weave,
        // Encrypted by default: the user's password, else one made for the stack (netlab:weave.encrypted false: none).
        password: cfg.secrets.weavePassword !== undefined ? pulumi.secret(cfg.secrets.weavePassword)
            : cfg.weave.encrypted ? generatedSecret("weave-password", 24, {}) : undefined,
        privilegedHosts: cfg.privileged,
    });
    const consul = new ConsulCluster("consul", {
        hosts: hosts.hosts,
        datacenter: cfg.consul.datacenter,
        gossipKey: cfg.secrets.consulGossipKey === undefined ? undefined : pulumi.secret(cfg.secrets.consulGossipKey),
        dependsOn: [binaries],
    });
    const httpbackend = new HttpbackendImage("httpbackend-image", {
        hosts: hosts.hosts,
        binarySha256: fileSha256(path.resolve(binaries.dir, "httpbackend")),
        dependsOn: [binaries],
    });
    // Nomad and fabio talk to Consul's API on 127.0.0.1: they wait for the cluster, not for the
    // hosts' DNS switch (which goes on beside them; the checks wait for it).
    const nomad = new NomadCluster("nomad", {
        hosts: hosts.hosts,
        datacenter: cfg.consul.datacenter,
        dependsOn: [binaries, consul.cluster],
    });
    const workloads = cfg.workloads.map((w) => ({ ...w, subnet: w.subnet ?? cfg.weave.defaultSubnet }));
    // HTTPS workloads (seed 001's TCP+SNI path): a certificate each from the stack's own CA.
    const tlsNames = Object.fromEntries(workloads.flatMap((w) => (w.tls === undefined ? [] : [[w.name, serverNames(w)]])));
    const ca = Object.keys(tlsNames).length === 0 ? undefined : new LabCa("lab-ca", { stack: pulumi.getStack(), certificates: tlsNames });
    const fabio = new Fabio("fabio", {
        hosts: hosts.hosts,
        dependsOn: [binaries, consul.cluster],
        sni: ca === undefined ? undefined : { names: Object.values(tlsNames).flat(), ca: ca.certificate },
    });
    const jobs = workloads.map((w, i) => {
        const placement = w.placement.length > 0 ? w.placement : cfg.hosts.map((h) => h.name);
        return new NomadJob(`job-${w.name}`, {
            host: hosts.hosts[0],
            jobName: w.name,
            jobHcl: httpbackendJob({
                ...w, datacenter: cfg.consul.datacenter, image: HTTPBACKEND_IMAGE, placement, port: WORKLOAD_PORT,
                network: weave.networks[w.subnet],
            }),
            count: w.count,
            promote: w.promote,
            routes: w.split === undefined ? "" : splitOverrides(w, w.split),
            tls: ca?.issued[w.name],
            fabioApi: `http://127.0.0.1:${FABIO_UI_PORT}`,
            configKey: `netlab:workloads[${i}]`,
            // Relaunched routers (a new range, password, …) take the instances' addresses with them.
            triggers: [weave.launchId],
            dependsOn: [nomad, fabio, httpbackend, ...weave.ready],
        });
    });
    const checks = new WeaveChecks("checks", {
        hosts: hosts.hosts,
        datacenter: cfg.consul.datacenter,
        workloads: workloads.map((w) => ({ name: w.name, subnet: w.subnet, route: workloadRoute(w), sni: w.tls?.sni })),
        fabioPort: FABIO_PROXY_PORT,
        sniPort: FABIO_SNI_PORT,
        ca: ca?.certificate,
        networks: weave.networks,
        image: HTTPBACKEND_IMAGE,
        port: WORKLOAD_PORT,
        triggers: [weave.launchId, ...jobs.map((j) => j.instances)],
        // The checks resolve *.consul on every host: after the DNS switch as well as the jobs.
        dependsOn: [...jobs, consul],
    });
    return {
        scenario: cfg.scenario,
        weaveDataPath: weave.dataPath,
        weaveNetworks: weave.networks,
        binaries: binaries.installed,
        consulMembers: consul.members,
        consulDns: consul.dns,
        CONSUL_HTTP_ADDR: hosts.hosts[0].published.apply((p) => `http://${p[String(CONSUL_HTTP_PORT)]}`),
        consulGossipKey: consul.gossipKey,
        nomadStatus: nomad.status,
        httpbackendImages: httpbackend.images,
        workloads: pulumi.all(jobs.map((j) => j.state)).apply((states) => Object.fromEntries(workloads.map((w, i) => [w.name, {
            strategy: w.strategy,
            deployment: states[i].deployment,
            versions: versionCounts(states[i].instances),
            instances: states[i].instances.map((x) => `${x.address} ${x.node} ${x.version}${x.canary ? " canary" : ""}`),
            routes: states[i].routes,
            fabioRoute: workloadRoute(w),
            canaryRoute: w.strategy === "canary-isolated" ? workloadCanaryRoute(w) : undefined,
            sni: w.tls?.sni,
            split: w.split,
            history: states[i].history,
        }]))),
        FABIO_ADDR: hosts.hosts[0].published.apply((p) => `http://${p[String(FABIO_PROXY_PORT)]}`),
        FABIO_UI: hosts.hosts[0].published.apply((p) => `http://${p[String(FABIO_UI_PORT)]}`),
        fabio: fabio.status,
        // HTTPS workloads: fabio's TCP+SNI listener, the names every host resolves to it, and the CA to trust.
        FABIO_SNI_ADDR: hosts.hosts[0].published.apply((p) => p[String(FABIO_SNI_PORT)]),
        sniNames: fabio.names,
        labCa: ca?.certificate,
        checks: checks.matrix,
        NOMAD_ADDR: hosts.hosts[0].published.apply((p) => `http://${p[String(NOMAD_HTTP_PORT)]}`),
        ...hostOutputs(hosts),
    };
}

/**
 * An HTTPS workload's server names: its own, and its isolated canaries' (whatever its strategy
 * now, so that a switch to canary-isolated needs no new certificate).
 */
function serverNames(w: WorkloadSpec): string[] {
    const sni = w.tls?.sni as string;
    return [sni, sniCanaryName(sni)];
}

/** Passing instances per version, and how many of them are canaries. */
function versionCounts(instances: { version: string; canary: boolean }[]): Record<string, { passing: number; canaries: number }> {
    const out: Record<string, { passing: number; canaries: number }> = {};
    for (const x of instances) {
        const v = (out[x.version] ??= { passing: 0, canaries: 0 });
        v.passing++;
        v.canaries += x.canary ? 1 : 0;
    }
    return out;
}
