/**
 * Scenario `hosts` (the dev stack): the three lab hosts and nothing else, the quickest
 * useful lab. The other scenarios start from the same layer.
 */
import * as pulumi from "@pulumi/pulumi";
import { LabHosts } from "../components/hosts";
import { LabConfig } from "../lib/config";
import { knownHostsLine } from "../lib/ssh";

/** What every scenario exports. */
export interface LabOutputs {
    [name: string]: unknown;
}

/** Builds the hosts layer of any scenario; `publish` lists host ports the user reaches from this machine. */
export function buildHosts(cfg: LabConfig, publish: number[] = []): LabHosts {
    return new LabHosts("lab", {
        provider: cfg.hostProvider,
        hosts: cfg.hosts,
        labNetwork: cfg.labNetwork,
        privileged: cfg.privileged,
        sshPrivateKey: cfg.secrets.sshPrivateKey === undefined ? undefined : pulumi.secret(cfg.secrets.sshPrivateKey),
        namePrefix: `netlab-${pulumi.getStack()}`,
        publish,
    });
}

/** The outputs every scenario exports about its hosts. */
export function hostOutputs(hosts: LabHosts): LabOutputs {
    return {
        hosts: hosts.hosts.map((h) => ({ name: h.name, labAddress: h.labAddress, ssh: h.endpoint })),
        // After `commands/lab.sh key STACK` (lab.key and lab.known_hosts in the working copy).
        sshCommands: pulumi.all(hosts.hosts.map((h) => h.endpoint)).apply((eps) => Object.fromEntries(eps.map((e, i) =>
            [hosts.hosts[i].name, `ssh -i lab.key -o UserKnownHostsFile=lab.known_hosts -p ${e.port} ${e.user}@${e.host}`]))),
        // The hosts' pinned SSH host keys, as a known_hosts file (ssh checks every connection against it).
        knownHosts: pulumi.all(hosts.hosts.map((h) => pulumi.all([h.endpoint, h.hostKey]))).apply((pairs) =>
            pairs.map(([e, key]) => knownHostsLine(e.host, e.port, key)).join("\n") + "\n"),
        sshPrivateKey: hosts.privateKey,
        readiness: hosts.readiness,
    };
}

export function hostsScenario(cfg: LabConfig): LabOutputs {
    return { scenario: cfg.scenario, ...hostOutputs(buildHosts(cfg)) };
}
