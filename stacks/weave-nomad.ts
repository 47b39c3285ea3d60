/**
 * Scenario `weave-nomad` (seed 002): hosts -> binaries -> Weave overlay -> Consul -> Nomad
 * -> workloads. Built so far: the hosts and the Consul and Nomad binaries on them (from the
 * local artifacts directory). The layers above are issue #4, and `pulumi up` says so
 * instead of pretending.
 */
import * as pulumi from "@pulumi/pulumi";
import { HostArtifacts } from "../components/artifacts";
import { LabConfig } from "../lib/config";
import { buildHosts, hostOutputs, LabOutputs } from "./hosts";

export const PENDING_LAYERS = ["weave overlay", "consul cluster", "nomad cluster", "httpbackend jobs", "lab checks"];

/** The binaries this scenario puts on every host. */
export const WEAVE_NOMAD_BINARIES = [
    { name: "consul", dest: "/usr/local/bin/consul" },
    { name: "nomad", dest: "/usr/local/bin/nomad" },
];

export function weaveNomadScenario(cfg: LabConfig): LabOutputs {
    const hosts = buildHosts(cfg);
    const binaries = new HostArtifacts("binaries", {
        hosts: hosts.hosts,
        privateKey: hosts.privateKey,
        artifactsDir: cfg.artifactsDir as string,
        files: WEAVE_NOMAD_BINARIES,
    });
    void pulumi.log.warn(`scenario weave-nomad: built the hosts and their binaries; not yet implemented: ${PENDING_LAYERS.join(", ")}`);
    return { scenario: cfg.scenario, notBuilt: PENDING_LAYERS, binaries: binaries.installed, ...hostOutputs(hosts) };
}
