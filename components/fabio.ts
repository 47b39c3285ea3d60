/**
 * Fabio: seed 001's router on every lab host, under systemd beside Consul and Nomad. It
 * reads its routes from the Consul tags of passing instances (`urlprefix-/<workload>/`) and
 * a split's weights from Consul's KV store, and proxies on FABIO_PROXY_PORT of every host:
 * from the host, from the lab network and from the overlay (the hosts' `weave expose`
 * addresses). Under systemd rather than as a Nomad system job: the router must stay up
 * while the drills take Nomad's jobs through their deployments, and it answers on the
 * host's own addresses without a port mapping. With HTTPS workloads, every host also resolves
 * their TLS server names to its own fabio (TCP+SNI on FABIO_SNI_PORT) and holds the lab's CA
 * (host-scripts/fabio-sni.sh, put back at every boot by its unit).
 */
import * as pulumi from "@pulumi/pulumi";
import { FABIO_UI_PORT, FABIO_UNIT, fabioProperties, LAB_CA_FILE } from "../lib/fabio";
import { renderHostScript, shellQuote } from "../lib/scripts";
import { agentCommand } from "./agent";
import { hostCommand, installAndRun } from "./host-command";
import { LabHost, stdoutByHost } from "./hosts";

/** Where the program installs host-scripts/fabio-sni.sh (its unit runs it at boot). */
export const FABIO_SNI_SCRIPT = "/usr/local/lib/netlab/fabio-sni.sh";

export interface FabioArgs {
    hosts: LabHost[];
    /** The fabio binary on the hosts, and Consul to read from. */
    dependsOn: pulumi.Resource[];
    /** HTTPS workloads: their TLS server names (each host resolves them to its own fabio) and the lab CA's certificate. */
    sni?: { names: string[]; ca: pulumi.Input<string> };
}

export class Fabio extends pulumi.ComponentResource {
    /** Per host: what the install printed once fabio answered. */
    public readonly status: pulumi.Output<Record<string, string>>;
    /** Per host: the TLS server names it resolves to its fabio (empty without HTTPS workloads). */
    public readonly names: pulumi.Output<Record<string, string>>;

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
        const sni = args.sni;
        if (sni !== undefined && sni.names.length > 0) {
            const run = installAndRun(FABIO_SNI_SCRIPT);
            const stdin = pulumi.output(sni.ca).apply((ca) => renderHostScript("host-scripts/fabio-sni.sh", {
                NETLAB_NAMES: sni.names.join(" "), NETLAB_CA: ca, NETLAB_CA_FILE: LAB_CA_FILE,
            }));
            this.names = stdoutByHost(args.hosts, args.hosts.map((h) => hostCommand(`${name}-${h.name}-sni`, h, {
                create: run,
                update: run,
                stdin,
                delete: `bash -c ${shellQuote(renderHostScript("host-scripts/fabio-sni.sh", { NETLAB_ACTION: "delete", NETLAB_CA_FILE: LAB_CA_FILE }))}`,
            }, { parent: this, dependsOn: [h.ready] }).stdout));
        } else {
            this.names = pulumi.output<Record<string, string>>({});
        }
        this.status = stdoutByHost(args.hosts, agents.map((a) => a.stdout));
        this.registerOutputs({ status: this.status, names: this.names });
    }
}
