/**
 * KubeChecks: the kube-lab checks (host-scripts/kube-checks.sh) as a step that runs after
 * the workloads, and again whenever the CNI or the workload changes. The matrix it prints is
 * a stack output; a failed cell fails `pulumi up` with the report.
 */
import * as pulumi from "@pulumi/pulumi";
import { hostCommand } from "./host-command";
import { parseCheckReport } from "../lib/checks";
import { Mesh } from "../lib/config";
import { LINKERD_DEPLOYMENTS, LINKERD_NAMESPACE } from "../lib/linkerd";
import { renderHostScript, shellQuote } from "../lib/scripts";
import { LabHost } from "./hosts";

export interface KubeChecksArgs {
    /** The control-plane host (it has kubectl and the admin kubeconfig). */
    control: LabHost;
    /** The workload checked: its Deployment and Service names. */
    workload: string;
    namespace: string;
    port: number;
    /** The versions that may answer (two with a split). */
    versions: string[];
    /** The mesh: none, or the one whose control plane and mTLS are checked. */
    mesh: Mesh;
    /** The label that the NetworkPolicy admits. */
    clientLabel: string;
    /** Whether the CNI enforces NetworkPolicy (a stranger must be refused) or not (reported as unsupported). */
    policyEnforced: boolean;
    cni: string;
    /** The image of the probe pods (it must have httpbackend's -get). */
    image: string;
    /** Nodes to put a client and a stranger pod on. */
    nodes: string[];
    /** Values whose change re-runs the checks (the CNI's apply step, the Deployment). */
    triggers: pulumi.Input<unknown>[];
    dependsOn: pulumi.Resource[];
}

export class KubeChecks extends pulumi.ComponentResource {
    /** Each cell of the matrix and its result. */
    public readonly matrix: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: KubeChecksArgs, opts?: pulumi.ComponentResourceOptions) {
        super("netlab:checks:KubeChecks", name, {}, opts);
        const run = hostCommand(`${name}-run`, args.control, {
            create: "bash -s",
            update: "bash -s",
            stdin: renderHostScript("host-scripts/kube-checks.sh", {
                NETLAB_WORKLOAD: args.workload, NETLAB_NAMESPACE: args.namespace, NETLAB_PORT: args.port,
                NETLAB_VERSIONS: args.versions.join(" "), NETLAB_CLIENT_LABEL: args.clientLabel,
                NETLAB_MESH: args.mesh, NETLAB_MESH_NAMESPACE: LINKERD_NAMESPACE, NETLAB_MESH_DEPLOYMENTS: LINKERD_DEPLOYMENTS.join(" "),
                NETLAB_POLICY: args.policyEnforced ? "enforced" : "unsupported", NETLAB_IMAGE: args.image,
                NETLAB_NODES: args.nodes.join(" "), NETLAB_CNI: args.cni, NETLAB_TIMEOUT: 120,
            }),
            delete: `bash -c ${shellQuote(renderHostScript("host-scripts/kube-checks.sh", { NETLAB_ACTION: "delete" }))}`,
            triggers: args.triggers,
        // A re-run replaces the step: the old probes go first, or their delete would remove the new ones.
        }, { parent: this, dependsOn: args.dependsOn, deleteBeforeReplace: true });
        this.matrix = run.stdout.apply(parseCheckReport);
        this.registerOutputs({ matrix: this.matrix });
    }
}
