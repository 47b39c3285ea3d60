/**
 * Fabio: seed 001's router on every lab host, under systemd beside Consul and Nomad. It
 * reads its routes from the Consul tags of passing instances (`urlprefix-/<workload>/`) and
 * a split's weights from Consul's KV store, and proxies on FABIO_PROXY_PORT of every host:
 * from the host, from the lab network and from the overlay (the hosts' `weave expose`
 * addresses). Under systemd rather than as a Nomad system job: the router must stay up
 * while the drills take Nomad's jobs through their deployments, and it answers on the
 * host's own addresses without a port mapping.
 */
import * as pulumi from "@pulumi/pulumi";
import { FABIO_UI_PORT, FABIO_UNIT, fabioProperties } from "../lib/fabio";
import { agentCommand } from "./agent";
import { LabHost, stdoutByHost } from "./hosts";

export interface FabioArgs {
    hosts: LabHost[];
    /** The fabio binary on the hosts, and Consul to read from. */
    dependsOn: pulumi.Resource[];
}

export class Fabio extends pulumi.ComponentResource {
    /** Per host: what the install printed once fabio answered. */
    public readonly status: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: FabioArgs, opts?: pulumi.ComponentResourceOptions) {
        super("netlab:fabio:Fabio", name, {}, opts);
        const agents = args.hosts.map((h) => agentCommand(`${name}-${h.name}`, h, {
            agent: "fabio",
            user: "fabio",
            config: fabioProperties(),
            configFile: "fabio.properties",
            unit: FABIO_UNIT,
            health: `curl -fsS http://127.0.0.1:${FABIO_UI_PORT}/health`,
        }, { parent: this, dependsOn: args.dependsOn }));
        this.status = stdoutByHost(args.hosts, agents.map((a) => a.stdout));
        this.registerOutputs({ status: this.status });
    }
}
