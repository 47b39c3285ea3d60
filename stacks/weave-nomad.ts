/**
 * Scenario `weave-nomad` (seed 002): hosts -> binaries -> Weave overlay -> Consul -> Nomad
 * -> workloads. Built so far: the hosts, the Consul and Nomad binaries on them (from the
 * local artifacts directory), the Consul and Nomad clusters, the httpbackend image on
 * every host, and the jobs of the workloads outside Weave subnets. The rest is issue #4,
 * and `pulumi up` says so instead of pretending.
 */
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { fileSha256, HostArtifacts } from "../components/artifacts";
import { HTTPBACKEND_BINARY, HTTPBACKEND_IMAGE, HttpbackendImage } from "../components/httpbackend-image";
import { ConsulCluster } from "../components/consul";
import { NomadCluster } from "../components/nomad";
import { NomadJob } from "../components/nomad-job";
import { httpbackendJob } from "../lib/jobs";
import { LabConfig } from "../lib/config";
import { buildHosts, hostOutputs, LabOutputs } from "./hosts";

export const PENDING_LAYERS = ["weave overlay", "workloads in weave subnets", "lab checks"];

/** Workloads outside Weave subnets answer on a static port of their hosts: 8081, 8082, … in config order. */
export const FIRST_WORKLOAD_PORT = 8081;

/** Consul HTTP API and Nomad HTTP API, reachable from the machine running Pulumi. */
export const CONSUL_HTTP_PORT = 8500;
export const NOMAD_HTTP_PORT = 4646;

/** The binaries this scenario puts on every host. */
export const WEAVE_NOMAD_BINARIES = [
    { name: "consul", dest: "/usr/local/bin/consul" },
    { name: "nomad", dest: "/usr/local/bin/nomad" },
    { name: "httpbackend", dest: HTTPBACKEND_BINARY },
];

export function weaveNomadScenario(cfg: LabConfig): LabOutputs {
    const hosts = buildHosts(cfg, [CONSUL_HTTP_PORT, NOMAD_HTTP_PORT]);
    const binaries = new HostArtifacts("binaries", {
        hosts: hosts.hosts,
        privateKey: hosts.privateKey,
        artifactsDir: cfg.artifactsDir as string,
        files: WEAVE_NOMAD_BINARIES,
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
    const nomad = new NomadCluster("nomad", {
        hosts: hosts.hosts,
        datacenter: cfg.consul.datacenter,
        dependsOn: [binaries, consul],
    });
    // Until the overlay exists, only workloads without a Weave subnet run: on their hosts' ports.
    const onHostPorts = cfg.workloads.filter((w) => w.subnet === undefined);
    const jobs = onHostPorts.map((w, i) => {
        const placement = w.placement.length > 0 ? w.placement : cfg.hosts.map((h) => h.name);
        return new NomadJob(`job-${w.name}`, {
            host: hosts.hosts[0],
            jobName: w.name,
            jobHcl: httpbackendJob({
                name: w.name, datacenter: cfg.consul.datacenter, count: w.count, version: w.version,
                image: HTTPBACKEND_IMAGE, placement, port: FIRST_WORKLOAD_PORT + i,
            }),
            count: w.count,
            dependsOn: [nomad, httpbackend],
        });
    });
    void pulumi.log.warn(`scenario weave-nomad: built the hosts, their binaries, Consul, Nomad, the httpbackend image and jobs; not yet implemented: ${PENDING_LAYERS.join(", ")}`);
    return {
        scenario: cfg.scenario,
        notBuilt: PENDING_LAYERS,
        binaries: binaries.installed,
        consulMembers: consul.members,
        consulDns: consul.dns,
        CONSUL_HTTP_ADDR: hosts.hosts[0].published.apply((p) => `http://${p[String(CONSUL_HTTP_PORT)]}`),
        consulGossipKey: consul.gossipKey,
        nomadStatus: nomad.status,
        httpbackendImages: httpbackend.images,
        workloads: pulumi.all(jobs.map((j) => j.instances)).apply((outs) =>
            Object.fromEntries(onHostPorts.map((w, i) => [w.name, outs[i].trim().split("\n")]))),
        NOMAD_ADDR: hosts.hosts[0].published.apply((p) => `http://${p[String(NOMAD_HTTP_PORT)]}`),
        ...hostOutputs(hosts),
    };
}
