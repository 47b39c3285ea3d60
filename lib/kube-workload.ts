/**
 * The sample service on kube-lab, rendered (pure: components/kube-httpbackend.ts creates the
 * objects): its pod spec, its Deployments (meshed: a main and a split track), a Service per
 * track, and the Gateway API HTTPRoute whose backendRefs carry the split's weights (the mesh's
 * proxies route by it, seed 003).
 */
import type * as k8s from "@pulumi/kubernetes";
import { INJECT_ANNOTATION } from "./linkerd";

/** Pods with this label set to "true" may reach the service; the NetworkPolicy denies the rest. */
export const CLIENT_LABEL = "netlab.io/httpbackend-client";
/** Every pod of a workload, whatever its version: the Deployments' and the Service's selector. */
export const WORKLOAD_LABEL = "netlab.io/workload";
/** The version a pod serves. */
export const VERSION_LABEL = "netlab.io/version";
export const HTTPBACKEND_PORT = 8081;
/** The image of httpbackend on the kubeadm hosts (imported into containerd by HttpbackendImage). */
export const KUBE_HTTPBACKEND_IMAGE = "localhost/netlab/httpbackend:lab";
/**
 * How long a meshed pod's proxy goes on after the pod is told to stop: longer than the app's
 * preStop pause and drain, so the proxy still serves the requests the app finishes.
 */
export const PROXY_WAIT_BEFORE_EXIT_SECONDS = 8;

/** The track of a meshed workload's pods: "main" (its Deployment) or "split" (`<name>-split`). */
export const TRACK_LABEL = "netlab.io/track";
export const TRACKS = ["main", "split"] as const;
export type Track = (typeof TRACKS)[number];

export interface WorkloadDeployment {
    /** The Deployment's name. */
    name: string;
    track: Track;
    version: string;
    replicas: number;
    /** The Deployment's selector (the first one's is the workload alone, as before splits existed). */
    selector: Record<string, string>;
    /** The pods' labels. */
    labels: Record<string, string>;
}

/**
 * The Deployments of a workload: `version` in the one named after it; a meshed workload also
 * has `<name>-split`, which runs the other version of a split, and no pod without one.
 * Weights and versions move without touching the first Deployment's pods.
 */
export function workloadDeployments(w: { name: string; version: string; count: number; split?: Record<string, number> }, meshed: boolean): WorkloadDeployment[] {
    const workload = { [WORKLOAD_LABEL]: w.name };
    const main: WorkloadDeployment = {
        name: w.name, track: "main", version: w.version, replicas: w.count, selector: workload,
        labels: { ...workload, [VERSION_LABEL]: w.version, ...(meshed ? { [TRACK_LABEL]: "main" } : {}) },
    };
    if (!meshed) {
        return [main];
    }
    const other = splitOther(w);
    const track = { ...workload, [TRACK_LABEL]: "split" };
    const version = other ?? w.version;
    return [main, {
        name: `${w.name}-split`, track: "split", version, replicas: other === undefined ? 0 : w.count, selector: track,
        labels: { ...track, [VERSION_LABEL]: version },
    }];
}

/** The version of a split other than the workload's own, if there is a split. */
export function splitOther(w: { version: string; split?: Record<string, number> }): string | undefined {
    return Object.keys(w.split ?? {}).find((v) => v !== w.version);
}

/** The Service of one track of a meshed workload (a backend of its HTTPRoute). */
export function trackServiceName(workload: string, track: Track): string {
    return `${workload}-${track}`;
}

/**
 * The weight in percent of each track the route sends to: the split's, or only the main track
 * without one. (A backend the route names while it has no endpoints puts the clients' proxies
 * in fail-fast for it; the first requests it then gets fail, as a drill measured: 12 of 34,032.)
 */
export function trackWeights(w: { version: string; split?: Record<string, number> }): Partial<Record<Track, number>> {
    const other = splitOther(w);
    if (w.split === undefined || other === undefined) {
        return { main: 100 };
    }
    return { main: w.split[w.version], split: w.split[other] };
}

export interface PodArgs {
    version: string;
    placement: string[];
    /** The labels the pods of this Deployment share (the anti-affinity spreads them). */
    labels: Record<string, string>;
}

/** The pod spec of the service. */
export function httpbackendPodSpec(args: PodArgs): k8s.types.input.core.v1.PodSpec {
    return {
        containers: [{
            name: "httpbackend",
            image: KUBE_HTTPBACKEND_IMAGE,
            // The image exists only on the nodes (no registry): never pull it.
            imagePullPolicy: "Never",
            args: ["-version", args.version, "-drain", "3s"],
            ports: [{ name: "http", containerPort: HTTPBACKEND_PORT }],
            readinessProbe: { httpGet: { path: "/health", port: "http" }, periodSeconds: 2, failureThreshold: 1 },
            // The endpoints drop the pod while it still serves; then it drains for 3 s.
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

/** The annotations of a pod template: the mesh's injection and the proxy's wait on shutdown. */
export function meshAnnotations(meshed: boolean): Record<string, string> {
    return meshed ? {
        [INJECT_ANNOTATION]: "enabled",
        "config.alpha.linkerd.io/proxy-wait-before-exit-seconds": String(PROXY_WAIT_BEFORE_EXIT_SECONDS),
    } : {};
}

/** The rolling update of every Deployment of the workload. */
export function rollingUpdate(maxSurge: number, maxUnavailable: number): k8s.types.input.apps.v1.DeploymentStrategy {
    return { type: "RollingUpdate", rollingUpdate: { maxSurge, maxUnavailable } };
}

/**
 * The HTTPRoute of a meshed workload: attached to the workload's Service (GAMMA: a parentRef of
 * kind Service), a backendRef per weighed track's Service.
 */
export function splitRouteSpec(workload: string, weights: Partial<Record<Track, number>>): Record<string, unknown> {
    return {
        parentRefs: [{ group: "core", kind: "Service", name: workload, port: HTTPBACKEND_PORT }],
        rules: [{
            backendRefs: TRACKS.filter((t) => weights[t] !== undefined)
                .map((t) => ({ name: trackServiceName(workload, t), port: HTTPBACKEND_PORT, weight: weights[t] })),
        }],
    };
}
