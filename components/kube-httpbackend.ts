/**
 * KubeHttpbackend: the sample service on Kubernetes (rendered by lib/kube-workload.ts): a
 * Deployment (meshed: two, the second for a split's other version; readiness probe on /health,
 * a preStop pause so endpoints drop a pod
 * before it stops, the rolling update's maxSurge/maxUnavailable from config, pinned to the
 * placement hosts as in seed 000), a ClusterIP Service on 8081 over all of them, and a
 * NetworkPolicy that admits only pods labelled as its clients, at its port and, meshed, at its
 * proxy's inbound port (the lab checks prove whether the CNI enforces it). Meshed, its pods get the mesh's proxy. A split adds a Service per
 * version and an HTTPRoute on the workload's Service whose backendRefs carry the weights:
 * changing them changes the route only, no pod restarts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    CLIENT_LABEL, HTTPBACKEND_PORT, httpbackendPodSpec, meshAnnotations, rollingUpdate, splitRouteSpec, VERSION_LABEL,
    versionServiceName, WORKLOAD_LABEL, workloadDeployments,
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
    /** The Deployments by name (their rollouts are awaited). */
    public readonly deployments: Record<string, k8s.apps.v1.Deployment>;

    constructor(name: string, args: KubeHttpbackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super("netlab:workloads:KubeHttpbackend", name, {}, opts);
        const namespace = args.namespace ?? "default";
        const labels = { [WORKLOAD_LABEL]: args.workload };
        const childOpts = { parent: this, provider: args.provider, dependsOn: args.dependsOn };
        this.deployments = {};
        for (const d of workloadDeployments({ name: args.workload, version: args.version, count: args.replicas, split: args.split }, args.meshed)) {
            this.deployments[d.name] = new k8s.apps.v1.Deployment(d.name === args.workload ? `${name}-deployment` : `${name}-deployment-split`, {
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
            }, childOpts);
        }
        const all = Object.values(this.deployments);
        const service = new k8s.core.v1.Service(`${name}-service`, {
            metadata: { name: args.workload, namespace, labels },
            spec: { selector: labels, ports: [{ name: "http", port: HTTPBACKEND_PORT, targetPort: "http" }] },
        }, { ...childOpts, dependsOn: all });
        if (args.split !== undefined) {
            const backends = Object.keys(args.split).map((v) => new k8s.core.v1.Service(`${name}-service-${versionServiceName(args.workload, v)}`, {
                metadata: { name: versionServiceName(args.workload, v), namespace, labels: { ...labels, [VERSION_LABEL]: v } },
                spec: { selector: { ...labels, [VERSION_LABEL]: v }, ports: [{ name: "http", port: HTTPBACKEND_PORT, targetPort: "http" }] },
            }, { ...childOpts, dependsOn: all }));
            new k8s.apiextensions.CustomResource(`${name}-split`, {
                apiVersion: "gateway.networking.k8s.io/v1",
                kind: "HTTPRoute",
                metadata: { name: `${args.workload}-split`, namespace, labels },
                spec: splitRouteSpec(args.workload, args.split),
            }, { ...childOpts, dependsOn: [service, ...backends] });
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
