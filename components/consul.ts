/**
 * ConsulCluster: a Consul server agent on every lab host (bootstrap-expect = host count,
 * retry-join to the other hosts, UI, DNS on 8600, gossip encryption with a secret key),
 * under systemd, then a gate that waits for a leader and every server alive; finally every
 * host resolves *.consul through its agent without losing its normal DNS.
 */
import * as pulumi from "@pulumi/pulumi";
import { hostCommand, installAndRun } from "./host-command";
import { CONSUL_UNIT, consulServerConfig } from "../lib/agents";
import { renderHostScript, shellQuote } from "../lib/scripts";
import { agentCommand } from "./agent";
import { generatedSecret } from "./secret";
import { LabHost, stdoutByHost } from "./hosts";

/** Where the program installs host-scripts/consul-dns.sh (its unit runs it at boot). */
export const CONSUL_DNS_SCRIPT = "/usr/local/lib/netlab/consul-dns.sh";

export interface ConsulClusterArgs {
    /** The hosts; every one runs a server. */
    hosts: LabHost[];
    /** Datacenter name. Default: dc1. */
    datacenter?: string;
    /** Gossip encryption key (base64 of 32 bytes); generated once when unset. */
    gossipKey?: pulumi.Input<string>;
    /** Resources that must exist first (e.g. the consul binary on the hosts). */
    dependsOn?: pulumi.Resource[];
}

export class ConsulCluster extends pulumi.ComponentResource {
    /** The gossip key in use (secret). */
    public readonly gossipKey: pulumi.Output<string>;
    /** What the cluster gate printed: leader and members. */
    public readonly members: pulumi.Output<string>;
    /** Per host: what `*.consul` resolution printed once it worked. */
    public readonly dns: pulumi.Output<Record<string, string>>;
    /**
     * The cluster's gate (a leader, every server alive): what a client of Consul's API needs
     * (Nomad, fabio). Depending on the component instead also waits for every host's DNS switch.
     */
    public readonly cluster: pulumi.Resource;

    constructor(name: string, args: ConsulClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("netlab:consul:ConsulCluster", name, {}, opts);
        if (args.gossipKey !== undefined) {
            this.gossipKey = pulumi.secret(args.gossipKey);
        } else {
            this.gossipKey = generatedSecret(`${name}-gossip-key`, 32, { parent: this });
        }
        const expect = args.hosts.length;
        const servers = args.hosts.map((h) => agentCommand(`${name}-${h.name}`, h, {
            agent: "consul",
            user: "consul",
            config: pulumi.secret(this.gossipKey.apply((key) => consulServerConfig({
                node: h.name, datacenter: args.datacenter ?? "dc1", bind: h.labAddress,
                peers: args.hosts.filter((p) => p !== h).map((p) => p.labAddress), expect, gossipKey: key,
            }))),
            unit: CONSUL_UNIT,
            health: "consul info",
            validate: "consul validate /etc/consul.d",
        }, { parent: this, dependsOn: args.dependsOn }));
        const gate = hostCommand(`${name}-cluster`, args.hosts[0], {
            create: "bash -s",
            stdin: renderHostScript("host-scripts/consul-wait-cluster.sh", { NETLAB_EXPECT: expect, NETLAB_TIMEOUT: 120 }),
            // Re-checked whenever a server's config changes.
            triggers: servers.map((s) => s.stdout),
        }, { parent: this, dependsOn: servers });
        this.members = gate.stdout;
        this.cluster = gate;
        // Installed on the host and run from there: its unit runs it again at every boot.
        const run = installAndRun(CONSUL_DNS_SCRIPT);
        const dns = args.hosts.map((h) => hostCommand(`${name}-${h.name}-dns`, h, {
            create: run,
            update: run,
            stdin: renderHostScript("host-scripts/consul-dns.sh"),
            delete: `bash -c ${shellQuote(renderHostScript("host-scripts/consul-dns.sh", { NETLAB_ACTION: "delete" }))}`,
        }, { parent: this, dependsOn: [gate] }));
        this.dns = stdoutByHost(args.hosts, dns.map((d) => d.stdout));
        this.registerOutputs({ gossipKey: this.gossipKey, members: this.members, dns: this.dns });
    }
}
