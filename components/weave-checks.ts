/**
 * WeaveChecks: the weave-lab checks (host-scripts/weave-checks.sh) on every host, after the
 * workloads, and again whenever the overlay or a workload changes: host -> each instance by
 * Weave address and by Consul name, Consul DNS answering Weave addresses only, container ->
 * container within a subnet across hosts, and across subnets refused; fabio's route of every
 * workload from the host and from every subnet; an HTTPS workload's TLS path (seed 001's
 * `curl https://<sni>:9996/`) with the lab CA, its certificate's name, and an unknown server
 * name refused. The matrix is a stack
 * output; a failed cell fails `pulumi up` with the report.
 */
import * as pulumi from "@pulumi/pulumi";
import { hostCommand } from "./host-command";
import { LabHost } from "./hosts";
import { parseCheckReport } from "../lib/checks";
import { renderHostScript } from "../lib/scripts";

export interface WeaveChecksArgs {
    hosts: LabHost[];
    datacenter: string;
    /**
     * The workloads checked: name, subnet, fabio route, and an HTTPS workload's TLS server name.
     * Each instance must answer the version Consul has it as.
     */
    workloads: { name: string; subnet: string; route: string; sni?: string }[];
    /** fabio's proxy port on every host. */
    fabioPort: number;
    /** fabio's TCP+SNI port on every host (the HTTPS workloads'). */
    sniPort: number;
    /** The lab CA's certificate: the HTTPS workloads' are checked against it. Required with any `sni`. */
    ca?: pulumi.Input<string>;
    /** Subnet -> Docker network (a probe container runs in each on every host). */
    networks: Record<string, string>;
    /** The probe image (it must have httpbackend's -get). */
    image: string;
    port: number;
    /** Values whose change re-runs the checks (the overlay, the jobs). */
    triggers: pulumi.Input<unknown>[];
    dependsOn: pulumi.Resource[];
}

export class WeaveChecks extends pulumi.ComponentResource {
    /** Each cell of the matrix and its result. */
    public readonly matrix: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: WeaveChecksArgs, opts?: pulumi.ComponentResourceOptions) {
        super("netlab:checks:WeaveChecks", name, {}, opts);
        const script = pulumi.output(args.ca ?? "").apply((ca) => renderHostScript("host-scripts/weave-checks.sh", {
            NETLAB_DATACENTER: args.datacenter,
            NETLAB_WORKLOADS: args.workloads.map((w) => `${w.name} ${w.subnet} ${w.route} ${w.sni ?? "-"}`).join("\n"),
            NETLAB_FABIO_PORT: args.fabioPort, NETLAB_SNI_PORT: args.sniPort, NETLAB_CA: ca,
            NETLAB_NETWORKS: Object.entries(args.networks).map(([s, n]) => `${s} ${n}`).join("\n"),
            NETLAB_IMAGE: args.image, NETLAB_PORT: args.port, NETLAB_TIMEOUT: 120,
        }));
        const runs = args.hosts.map((h) => hostCommand(`${name}-${h.name}`, h, {
            create: "bash -s",
            update: "bash -s",
            stdin: script,
            triggers: args.triggers,
        }, { parent: this, dependsOn: [h.ready, ...args.dependsOn] }));
        this.matrix = pulumi.all(runs.map((r) => r.stdout)).apply((outs) =>
            Object.assign({}, ...outs.map(parseCheckReport)) as Record<string, string>);
        this.registerOutputs({ matrix: this.matrix });
    }
}
