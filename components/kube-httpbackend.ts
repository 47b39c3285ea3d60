/**
 * KubeHttpbackend: the sample service on Kubernetes: a Deployment (readiness probe on
 * /health, a preStop pause so endpoints drop it before it stops, pinned to the placement
 * hosts as in seed 000), a ClusterIP Service on 8081, and a NetworkPolicy that admits only
 * pods labelled as its clients (the lab checks prove whether the CNI enforces it).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** Pods with this label set to "true" may reach the service; the NetworkPolicy denies the rest. */
export const CLIENT_LABEL = "netlab.io/httpbackend-client";
export const HTTPBACKEND_PORT = 8081;
/** The image of httpbackend on the kubeadm hosts (imported into containerd by HttpbackendImage). */
export const KUBE_HTTPBACKEND_IMAGE = "localhost/netlab/httpbackend:lab";

export interface KubeHttpbackendArgs {
    /** The provider of the cluster. */
    provider: k8s.Provider;
    /** Workload name: the Deployment, Service and NetworkPolicy are named after it. */
    workload: string;
    /** The version the service reports. */
    version: string;
    /** Replicas. */
    replicas: number;
    /** Node names the pods may run on (empty: any node without a taint). */
    placement: string[];
    /** Namespace. Default: default. */
    namespace?: string;
    /** Resources that must exist first (the CNI, the image on the nodes). */
    dependsOn?: pulumi.Resource[];
}

/** The pod spec of the service (pure, so the tests read it directly). */
export function httpbackendPodSpec(args: { version: string; placement: string[]; labels: Record<string, string> }): k8s.types.input.core.v1.PodSpec {
    return {
        containers: [{
            name: "httpbackend",
            image: KUBE_HTTPBACKEND_IMAGE,
            // The image exists only on the nodes (no registry): never pull it.
            imagePullPolicy: "Never",
            args: ["-version", args.version, "-drain", "3s"],
            ports: [{ name: "http", containerPort: HTTPBACKEND_PORT }],
            readinessProbe: { httpGet: { path: "/health", port: "http" }, periodSeconds: 2, failureThreshold: 1 },
            lifecycle: { preStop: { sleep: { seconds: 2 } } },
            resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
        }],
        terminationGracePeriodSeconds: 15,
        ...(args.placement.length > 0 ? {
            affinity: {
                nodeAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: {
                        nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: args.placement }] }],
                    },
                },
                // Spread over the placement hosts, as the seed puts one server per node.
                podAntiAffinity: {
                    preferredDuringSchedulingIgnoredDuringExecution: [{
                        weight: 100,
                        podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: args.labels } },
                    }],
                },
            },
        } : {}),
    };
}

export class KubeHttpbackend extends pulumi.ComponentResource {
    /** The Service's cluster IP. */
    public readonly clusterIp: pulumi.Output<string>;
    /** The Service's DNS name inside the cluster. */
    public readonly dnsName: string;
    /** The Deployment (its rollout is awaited). */
    public readonly deployment: k8s.apps.v1.Deployment;

    constructor(name: string, args: KubeHttpbackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super("netlab:workloads:KubeHttpbackend", name, {}, opts);
        const namespace = args.namespace ?? "default";
        const labels = { "netlab.io/workload": args.workload };
        const spec = httpbackendPodSpec({ version: args.version, placement: args.placement, labels });
        const childOpts = { parent: this, provider: args.provider, dependsOn: args.dependsOn };
        this.deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
            metadata: { name: args.workload, namespace, labels },
            spec: {
                replicas: args.replicas,
                selector: { matchLabels: labels },
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                template: { metadata: { labels: { ...labels, "netlab.io/version": args.version } }, spec },
            },
        }, childOpts);
        const service = new k8s.core.v1.Service(`${name}-service`, {
            metadata: { name: args.workload, namespace, labels },
            spec: { selector: labels, ports: [{ name: "http", port: HTTPBACKEND_PORT, targetPort: "http" }] },
        }, { ...childOpts, dependsOn: [this.deployment] });
        new k8s.networking.v1.NetworkPolicy(`${name}-policy`, {
            metadata: { name: `${args.workload}-clients-only`, namespace, labels },
            spec: {
                podSelector: { matchLabels: labels },
                policyTypes: ["Ingress"],
                ingress: [{ from: [{ podSelector: { matchLabels: { [CLIENT_LABEL]: "true" } }, namespaceSelector: {} }], ports: [{ port: HTTPBACKEND_PORT }] }],
            },
        }, childOpts);
        this.clusterIp = service.spec.clusterIP;
        this.dnsName = `${args.workload}.${namespace}.svc.cluster.local`;
        this.registerOutputs({ clusterIp: this.clusterIp });
    }
}
