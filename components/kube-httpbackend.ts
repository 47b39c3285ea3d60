/**
 * KubeHttpbackend: the sample service on Kubernetes (rendered by lib/kube-workload.ts): a
 * Deployment (readiness probe on /health, a preStop pause so endpoints drop a pod before it
 * stops, the rolling update's maxSurge/maxUnavailable from config, pinned to the placement
 * hosts as in seed 000), a ClusterIP Service on 8081, and a NetworkPolicy that admits only
 * pods labelled as its clients, at its port and, meshed, at its proxy's inbound port (the lab
 * checks prove whether the CNI enforces it). Meshed, its pods get the mesh's proxy, and it has
 * a second Deployment for a split's other version, a Service per track and an HTTPRoute on the
 * workload's Service whose backendRefs carry the weights: changing them changes the route
 * only, no pod restarts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    CLIENT_LABEL, HTTPBACKEND_PORT, httpbackendPodSpec, meshAnnotations, rollingUpdate, splitRouteSpec, TRACK_LABEL, trackServiceName,
    TRACKS, trackWeights, WORKLOAD_LABEL, WorkloadDeployment, workloadDeployments,
} from "../lib/kube-workload";
import { PROXY_INBOUND_PORT } from "../lib/linkerd";

export interface KubeHttpbackendArgs {
    /** The provider of the cluster. */
    provider: k8s.Provider;
    /** Workload name: the Deployment, Service and NetworkPolicy are named after it. */
    workload: string;
    /** The version the service reports (its first Deployment's). */
    version: string;
    /** Replicas of each version. */
    replicas: number;
    /** Node names the pods may run on (empty: any node without a taint). */
    placement: string[];
    /** The rolling update: pods above and below `replicas` while a version is replaced. */
    maxSurge: number;
    maxUnavailable: number;
    /** Two versions with weights in percent (needs the mesh). */
    split?: Record<string, number>;
    /** Inject the mesh's proxy into the pods. */
    meshed: boolean;
    /** Namespace. Default: default. */
    namespace?: string;
    /** Resources that must exist first (the CNI, the image on the nodes, the mesh). */
    dependsOn?: pulumi.Resource[];
}

export class KubeHttpbackend extends pulumi.ComponentResource {
    /** The Service's cluster IP. */
    public readonly clusterIp: pulumi.Output<string>;
    /** The Service's DNS name inside the cluster. */
    public readonly dnsName: string;

    constructor(name: string, args: KubeHttpbackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super("netlab:workloads:KubeHttpbackend", name, {}, opts);
        const namespace = args.namespace ?? "default";
        const labels = { [WORKLOAD_LABEL]: args.workload };
        const childOpts = { parent: this, provider: args.provider, dependsOn: args.dependsOn };
        const [main, second] = workloadDeployments({ name: args.workload, version: args.version, count: args.replicas, split: args.split }, args.meshed);
        const deploymentArgs = (d: WorkloadDeployment): k8s.apps.v1.DeploymentArgs => ({
            metadata: { name: d.name, namespace, labels },
            spec: {
                replicas: d.replicas,
                selector: { matchLabels: d.selector },
                strategy: rollingUpdate(args.maxSurge, args.maxUnavailable),
                template: {
                    metadata: { labels: d.labels, ...(args.meshed ? { annotations: meshAnnotations(true) } : {}) },
                    spec: httpbackendPodSpec({ version: d.version, placement: args.placement, labels: d.selector }),
                },
            },
        });
        const mainDeployment = new k8s.apps.v1.Deployment(`${name}-deployment`, deploymentArgs(main), childOpts);
        const service = new k8s.core.v1.Service(`${name}-service`, {
            metadata: { name: args.workload, namespace, labels },
            spec: { selector: labels, ports: [{ name: "http", port: HTTPBACKEND_PORT, targetPort: "http" }] },
        }, { ...childOpts, dependsOn: [mainDeployment] });
        if (second !== undefined) {
            // Meshed: a Service per track and the HTTPRoute that weighs them, always there (all on
            // the main track without a split). The order makes both moves safe: a split's pods are
            // ready before the route sends them traffic; without a split, the route takes the
            // traffic away before the second Deployment scales to 0.
            const tracks = TRACKS.map((t) => new k8s.core.v1.Service(`${name}-service-${t}`, {
                metadata: { name: trackServiceName(args.workload, t), namespace, labels: { ...labels, [TRACK_LABEL]: t } },
                spec: { selector: { ...labels, [TRACK_LABEL]: t }, ports: [{ name: "http", port: HTTPBACKEND_PORT, targetPort: "http" }] },
            }, childOpts));
            // Splitting: the second Deployment, then the route; without a split: the other way round.
            const secondDeployment = (dependsOn: pulumi.Resource[]): k8s.apps.v1.Deployment =>
                new k8s.apps.v1.Deployment(`${name}-deployment-split`, deploymentArgs(second), { ...childOpts, dependsOn: [...(args.dependsOn ?? []), ...dependsOn] });
            const scaledUp = second.replicas > 0 ? secondDeployment([]) : undefined;
            const route = new k8s.apiextensions.CustomResource(`${name}-split`, {
                apiVersion: "gateway.networking.k8s.io/v1",
                kind: "HTTPRoute",
                metadata: { name: `${args.workload}-split`, namespace, labels },
                spec: splitRouteSpec(args.workload, trackWeights({ version: args.version, split: args.split })),
            }, { ...childOpts, dependsOn: [service, ...tracks, mainDeployment, ...(scaledUp ? [scaledUp] : [])] });
            if (scaledUp === undefined) {
                secondDeployment([route]);
            }
        }
        new k8s.networking.v1.NetworkPolicy(`${name}-policy`, {
            metadata: { name: `${args.workload}-clients-only`, namespace, labels },
            spec: {
                podSelector: { matchLabels: labels },
                policyTypes: ["Ingress"],
                ingress: [{
                    from: [{ podSelector: { matchLabels: { [CLIENT_LABEL]: "true" } }, namespaceSelector: {} }],
                    // Meshed, a client's traffic arrives at the pod's proxy: admitted there too.
                    ports: [HTTPBACKEND_PORT, ...(args.meshed ? [PROXY_INBOUND_PORT] : [])].map((port) => ({ port })),
                }],
            },
        }, childOpts);
        this.clusterIp = service.spec.clusterIP;
        this.dnsName = `${args.workload}.${namespace}.svc.cluster.local`;
        this.registerOutputs({ clusterIp: this.clusterIp });
    }
}
