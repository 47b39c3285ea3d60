/**
 * NomadCluster: a Nomad server + client on every lab host (bootstrap-expect = host count),
 * joined through the local Consul agents, docker driver, under systemd; then a gate that
 * waits for a leader, every server in the Raft peer set and every client ready with Docker.
 */
import * as pulumi from "@pulumi/pulumi";
import { hostCommand } from "./host-command";
import { NOMAD_UNIT, nomadAgentConfig } from "../lib/agents";
import { renderHostScript } from "../lib/scripts";
import { agentCommand } from "./agent";
import { LabHost } from "./hosts";

export interface NomadClusterArgs {
    /** The hosts; every one runs a server and a client. */
    hosts: LabHost[];
    /** Datacenter name (the same as Consul's). Default: dc1. */
    datacenter?: string;
    /** Resources that must exist first (the nomad binary, the Consul cluster it joins through). */
    dependsOn?: pulumi.Resource[];
}

export class NomadCluster extends pulumi.ComponentResource {
    /** What the cluster gate printed: leader, servers and client nodes. */
    public readonly status: pulumi.Output<string>;

    constructor(name: string, args: NomadClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("netlab:nomad:NomadCluster", name, {}, opts);
        const expect = args.hosts.length;
        const agents = args.hosts.map((h) => agentCommand(`${name}-${h.name}`, h, {
            agent: "nomad",
            user: "root",
            config: nomadAgentConfig({ node: h.name, datacenter: args.datacenter ?? "dc1", bind: h.labAddress, expect }),
            unit: NOMAD_UNIT,
            health: "curl -fsS http://127.0.0.1:4646/v1/agent/self",
            validate: "nomad config validate /etc/nomad.d",
        }, { parent: this, dependsOn: args.dependsOn }));
        const gate = hostCommand(`${name}-cluster`, args.hosts[0], {
            create: "bash -s",
            stdin: renderHostScript("host-scripts/nomad-wait-cluster.sh", { NETLAB_EXPECT: expect, NETLAB_TIMEOUT: 180 }),
            triggers: agents.map((a) => a.stdout),
        }, { parent: this, dependsOn: agents });
        this.status = gate.stdout;
        this.registerOutputs({ status: this.status });
    }
}
