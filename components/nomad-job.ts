/**
 * NomadJob: runs a rendered Nomad job through the Nomad CLI on one lab host, waits until
 * Consul sees every instance passing its health check, and stops and purges it on destroy.
 * A changed job file is run again (Nomad updates the job in place).
 */
import * as pulumi from "@pulumi/pulumi";
import { hostCommand } from "./host-command";
import { renderHostScript, shellQuote } from "../lib/scripts";
import { LabHost } from "./hosts";

export interface NomadJobArgs {
    /** Where the nomad CLI runs (any cluster member). */
    host: LabHost;
    /** The job's name (also its Consul service). */
    jobName: string;
    /** The job file, HCL. */
    jobHcl: string;
    /** Instances that must pass their checks. */
    count: number;
    /** A Consul tag every passing instance must have (the version), so an update waits for the old ones to go. */
    tag?: string;
    /** Resources that must exist first (the Nomad cluster, the image on the hosts). */
    dependsOn?: pulumi.Resource[];
    /** Values whose change stops the job and runs it anew (e.g. the overlay relaunched under it). */
    triggers?: pulumi.Input<unknown>[];
}

export class NomadJob extends pulumi.ComponentResource {
    /** The instances as the deploy check printed them: address and what each answered. */
    public readonly instances: pulumi.Output<string>;

    constructor(name: string, args: NomadJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("netlab:nomad:NomadJob", name, {}, opts);
        const run = renderHostScript("host-scripts/nomad-job.sh", {
            NETLAB_JOB_NAME: args.jobName, NETLAB_JOB: args.jobHcl, NETLAB_COUNT: args.count, NETLAB_TAG: args.tag ?? "", NETLAB_TIMEOUT: 180,
        });
        const job = hostCommand(`${name}-run`, args.host, {
            create: "bash -s",
            // A new job file is an update of the same job, not a new resource (a replacement would purge it).
            update: "bash -s",
            stdin: run,
            delete: `bash -c ${shellQuote(renderHostScript("host-scripts/nomad-job.sh", { NETLAB_JOB_NAME: args.jobName, NETLAB_ACTION: "delete" }))}`,
            triggers: args.triggers,
        }, { parent: this, dependsOn: [args.host.ready, ...(args.dependsOn ?? [])] });
        this.instances = job.stdout;
        this.registerOutputs({ instances: this.instances });
    }
}
