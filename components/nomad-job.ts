/**
 * NomadJob: runs a rendered Nomad job through the Nomad CLI on one lab host and follows its
 * deployment to where its strategy leaves it (done, or canaries waiting for promotion;
 * promoted when asked), until Consul and fabio have exactly the instances it leaves running;
 * stops and purges it on destroy. A changed job file is run again (Nomad updates the job in
 * place, with the job's update strategy). See host-scripts/nomad-job.sh.
 */
import * as pulumi from "@pulumi/pulumi";
import { HostCommand, hostCommand } from "./host-command";
import { jobVariablePath } from "../lib/jobs";
import { renderHostScript, shellQuote } from "../lib/scripts";
import { LabHost } from "./hosts";

export interface NomadJobArgs {
    /** Where the nomad CLI runs (any cluster member). */
    host: LabHost;
    /** The job's name (also its Consul service). */
    jobName: string;
    /** The job file, HCL. */
    jobHcl: string;
    /** Instances per group. */
    count: number;
    /** Promote a deployment waiting for it once its canaries are healthy. */
    promote?: boolean;
    /** fabio's route overrides for the job's service (a split's weights), kept in Consul's KV store. */
    routes?: string;
    /** fabio's API on the host the CLI runs on: the job is done once fabio routes its instances. */
    fabioApi?: string;
    /** The job's config key (netlab:workloads[i]), named in errors. */
    configKey?: string;
    /** Seconds the whole run may take (the deployment, then Consul and fabio). Default: 300. */
    timeout?: number;
    /** Resources that must exist first (the Nomad cluster, the image on the hosts). */
    dependsOn?: pulumi.Resource[];
    /** Values whose change stops the job and runs it anew (e.g. the overlay relaunched under it). */
    triggers?: pulumi.Input<unknown>[];
    /**
     * An HTTPS job: its certificate and key (secret), kept in the job's Nomad variable
     * (lib/jobs.ts jobVariablePath) before the job runs; its instances are checked over HTTPS.
     */
    tls?: pulumi.Input<{ crt: string; key: string }>;
}

/** What nomad-job.sh prints once the job's deployment is where its strategy leaves it. */
export interface NomadJobState {
    job: string;
    jobVersion: number;
    deployment: { id: string; jobVersion: number; state: "successful" | "awaiting-promotion"; description: string } | null;
    instances: { address: string; node: string; version: string; canary: boolean }[];
    /** fabio's routes to the job's instances: "src -> dst weight w". */
    routes: string[];
    /** The job's versions, newest first (at most 10). */
    history: { jobVersion: number; stable: boolean; versions: string[] }[];
}

/** The job's two host scripts: `run` (create and update, piped to `bash -s`) and `delete`, rendered with its inputs. */
export function nomadJobScripts(args: Omit<NomadJobArgs, "host" | "dependsOn" | "triggers">): { run: string; delete: string } {
    return {
        run: renderHostScript("host-scripts/nomad-job.sh", {
            NETLAB_JOB_NAME: args.jobName, NETLAB_JOB: args.jobHcl, NETLAB_COUNT: args.count, NETLAB_PROMOTE: String(args.promote ?? false),
            NETLAB_ROUTES: args.routes ?? "", NETLAB_FABIO_API: args.fabioApi ?? "", NETLAB_CONFIG_KEY: args.configKey ?? "", NETLAB_TIMEOUT: args.timeout ?? 300,
            NETLAB_SCHEME: args.tls === undefined ? "http" : "https",
        }),
        delete: renderHostScript("host-scripts/nomad-job.sh", { NETLAB_JOB_NAME: args.jobName, NETLAB_ACTION: "delete" }),
    };
}

export class NomadJob extends pulumi.ComponentResource {
    /** The job's state as the script printed it (JSON text). */
    public readonly instances: pulumi.Output<string>;
    /** The same, parsed. */
    public readonly state: pulumi.Output<NomadJobState>;

    constructor(name: string, args: NomadJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("netlab:nomad:NomadJob", name, {}, opts);
        const scripts = nomadJobScripts(args);
        const variable = args.tls === undefined ? [] : [this.variable(name, args, args.tls)];
        const job = hostCommand(`${name}-run`, args.host, {
            create: "bash -s",
            // A new job file is an update of the same job, not a new resource (a replacement would purge it).
            update: "bash -s",
            stdin: scripts.run,
            delete: `bash -c ${shellQuote(scripts.delete)}`,
            triggers: args.triggers,
        }, { parent: this, dependsOn: [args.host.ready, ...(args.dependsOn ?? []), ...variable] });
        this.instances = job.stdout;
        this.state = job.stdout.apply((out) => JSON.parse(out) as NomadJobState);
        this.registerOutputs({ instances: this.instances, state: this.state });
    }

    /** The job's Nomad variable with its certificate and key: written through Nomad's API, the key only ever in a secret. */
    private variable(name: string, args: NomadJobArgs, tls: pulumi.Input<{ crt: string; key: string }>): HostCommand {
        const path = jobVariablePath(args.jobName);
        return hostCommand(`${name}-tls`, args.host, {
            create: "bash -s",
            update: "bash -s",
            stdin: pulumi.secret(pulumi.output(tls).apply((t) => renderHostScript("host-scripts/nomad-var.sh", {
                NETLAB_PATH: path, NETLAB_ITEMS: JSON.stringify({ crt: t.crt, key: t.key }),
            }))),
            delete: `bash -c ${shellQuote(renderHostScript("host-scripts/nomad-var.sh", { NETLAB_PATH: path, NETLAB_ACTION: "delete" }))}`,
        }, { parent: this, dependsOn: [args.host.ready, ...(args.dependsOn ?? [])] });
    }
}
