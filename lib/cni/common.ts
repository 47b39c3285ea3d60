/**
 * The building blocks every CNI renderer shares: the input, labels, RBAC, the pod template
 * (DaemonSet and Deployment), the config hash. Pure functions, no Pulumi.
 */
import * as crypto from "crypto";
import { Cni } from "../config";

export type K8sObject = Record<string, unknown>;

export interface CniManifestInput {
    /** The cluster's pod CIDR (kubeadm --pod-network-cidr), e.g. 10.244.0.0/16. */
    podCidr: string;
    /** The MTU of pod interfaces, already resolved (auto is resolved by the caller with cniMtuFor). */
    mtu: number;
    /**
     * The image ref of the CNI's own agent: flannel, kube-router, weave-kube (weave), the cilium
     * agent (cilium), calico/node (calico and canal).
     */
    image: string;
    /**
     * The CNI's other images, by role: exactly the roles CNI_IMAGE_ROLES lists for the CNI
     * (weave: weave-npc; cilium: cilium-operator; calico: calico-cni, calico-kube-controllers;
     * canal: calico-cni, calico-kube-controllers, flannel). No ref is derived from another: the
     * tags of one CNI's images differ (canal's flannel is not calico's version), so the caller
     * names every image, as it does `image`. Unused for flannel and kube-router (one image).
     */
    images?: Record<string, string>;
    /** The node interface that carries pod traffic between nodes, e.g. eth0. */
    nodeInterface: string;
    /**
     * Pod traffic encryption (weave, cilium, calico). weave: `secretName` names a Secret in
     * kube-system holding the password under the key `password` (netlab creates it, it is a
     * Pulumi secret). cilium: IPsec with the keys in the Secret `cilium-ipsec-keys` (key `keys`),
     * also created outside the manifest; `secretName` is ignored. calico: WireGuard (Felix
     * makes the keys). `secretVersion` (weave): the
     * Secret's resourceVersion, an annotation of the pods, so a new password rolls the agents.
     */
    encryption?: { enabled: boolean; secretName?: string; secretVersion?: string };
}

/** The images each CNI needs besides `image`, by role (see CniManifestInput.images). */
export const CNI_IMAGE_ROLES: Record<Cni, readonly string[]> = {
    calico: ["calico-cni", "calico-kube-controllers"],
    canal: ["calico-cni", "calico-kube-controllers", "flannel"],
    cilium: ["cilium-operator"],
    flannel: [],
    "kube-router": [],
    weave: ["weave-npc"],
};

/** Every object's label: `kubectl delete all,cm,sa,clusterrole,clusterrolebinding -l netlab.io/cni=<cni>`. */
export const CNI_LABEL = "netlab.io/cni";

/** Where the agents live. */
export const CNI_NAMESPACE = "kube-system";

/** VXLAN over IPv4: outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8 (RFC 7348), as every VXLAN CNI counts it. */
export const VXLAN_OVERHEAD = 50;

/** The images are imported into containerd on every node: never pull. */
export const PULL = "Never";

export const XTABLES_LOCK = "/run/xtables.lock";

/** The image of a role of CNI_IMAGE_ROLES: given by the caller, never made up here. */
export function imageFor(input: CniManifestInput, role: string): string {
    const ref = input.images?.[role];
    if (ref === undefined || !/^\S+$/.test(ref)) {
        throw new Error(`CNI image for '${role}' is missing or not an image ref (CniManifestInput.images)`);
    }
    return ref;
}

export type Labels = Record<string, string>;

export function labelsFor(cni: Cni, app: string): Labels {
    return { "k8s-app": app, [CNI_LABEL]: cni };
}

export function meta(name: string, labels: Labels, namespaced: boolean): K8sObject {
    return namespaced ? { name, namespace: CNI_NAMESPACE, labels } : { name, labels };
}

const RBAC_API = "rbac.authorization.k8s.io/v1";

function binding(kind: "ClusterRoleBinding" | "RoleBinding", name: string, labels: Labels, serviceAccount: string): K8sObject {
    return {
        apiVersion: RBAC_API,
        kind,
        metadata: meta(name, labels, kind === "RoleBinding"),
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: kind === "RoleBinding" ? "Role" : "ClusterRole", name },
        subjects: [{ kind: "ServiceAccount", name: serviceAccount, namespace: CNI_NAMESPACE }],
    };
}

/**
 * ServiceAccount + ClusterRole + ClusterRoleBinding, one name for all three; with
 * `namespacedRules`, also a Role + RoleBinding of that name in kube-system.
 */
export function rbac(name: string, labels: Labels, rules: K8sObject[], namespacedRules?: K8sObject[]): K8sObject[] {
    const objs: K8sObject[] = [
        { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(name, labels, true) },
        { apiVersion: RBAC_API, kind: "ClusterRole", metadata: meta(name, labels, false), rules },
        binding("ClusterRoleBinding", name, labels, name),
    ];
    if (namespacedRules !== undefined) {
        objs.push({ apiVersion: RBAC_API, kind: "Role", metadata: meta(name, labels, true), rules: namespacedRules },
            binding("RoleBinding", name, labels, name));
    }
    return objs;
}

/** A ClusterRole rule. */
export function rule(apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]): K8sObject {
    return resourceNames === undefined ? { apiGroups, resources, verbs } : { apiGroups, resources, verbs, resourceNames };
}

export function hostPath(name: string, path: string, type?: string): K8sObject {
    return { name, hostPath: type === undefined ? { path } : { path, type } };
}

export function fieldEnv(name: string, fieldPath: string): K8sObject {
    return { name, valueFrom: { fieldRef: { apiVersion: "v1", fieldPath } } };
}

/** Plain env vars, in the order given. */
export function envOf(vars: Record<string, string>): K8sObject[] {
    return Object.entries(vars).map(([name, value]) => ({ name, value }));
}

/** A digest of the ConfigMap data in the pod template: a changed config rolls the pods. */
export function configHash(data: Record<string, string>): string {
    return crypto.createHash("sha256").update(JSON.stringify(data)).digest("hex").slice(0, 16);
}

export function configMap(name: string, labels: Labels, data: Record<string, string>): K8sObject {
    return { apiVersion: "v1", kind: "ConfigMap", metadata: meta(name, labels, true), data };
}

export interface PodSpecInput {
    name: string;
    labels: Labels;
    serviceAccount: string;
    config: Record<string, string>;
    initContainers: K8sObject[];
    containers: K8sObject[];
    volumes: K8sObject[];
    /** Default true: the agents run on the host network. */
    hostNetwork?: boolean;
    /** Default system-node-critical. */
    priorityClassName?: string;
    /** More annotations of the pods, besides the config hash. */
    annotations?: Record<string, string>;
    /** Default 30. */
    terminationGracePeriodSeconds?: number;
}

function podTemplate(s: PodSpecInput): K8sObject {
    return {
        metadata: { labels: s.labels, annotations: { "netlab.io/config-hash": configHash(s.config), ...s.annotations } },
        spec: {
            hostNetwork: s.hostNetwork ?? true,
            priorityClassName: s.priorityClassName ?? "system-node-critical",
            serviceAccountName: s.serviceAccount,
            // Every taint, NoSchedule and NoExecute alike: the network comes first.
            tolerations: [{ operator: "Exists" }],
            terminationGracePeriodSeconds: s.terminationGracePeriodSeconds ?? 30,
            initContainers: s.initContainers,
            containers: s.containers,
            volumes: s.volumes,
        },
    };
}

export function daemonSet(s: PodSpecInput): K8sObject {
    return {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: meta(s.name, s.labels, true),
        spec: {
            selector: { matchLabels: { "k8s-app": s.labels["k8s-app"] } },
            updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
            template: podTemplate(s),
        },
    };
}

/** One replica, recreated rather than surged (a lab has no spare capacity to speak of). */
export function deployment(s: PodSpecInput): K8sObject {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: meta(s.name, s.labels, true),
        spec: {
            replicas: 1,
            selector: { matchLabels: { "k8s-app": s.labels["k8s-app"] } },
            strategy: { type: "Recreate" },
            template: podTemplate(s),
        },
    };
}

/**
 * flannel's net-conf.json (vxlan). The vxlan backend's MTU is the outgoing (underlay) MTU;
 * flannel.1 and FLANNEL_MTU get it minus 50. Setting it to pod MTU + 50 keeps flannel.1 equal
 * to the pod MTU, also for a numeric netlab:cniMtu (for "auto" it is the interface MTU,
 * flannel's own default). Used by flannel and canal.
 */
export function flannelNetConf(podCidr: string, mtu: number): string {
    return `${JSON.stringify({ Network: podCidr, Backend: { Type: "vxlan", MTU: mtu + VXLAN_OVERHEAD } }, null, 2)}\n`;
}

/** What flanneld --kube-subnet-mgr needs (flannel, canal). */
export const FLANNEL_RULES: K8sObject[] = [
    { apiGroups: [""], resources: ["pods"], verbs: ["get"] },
    { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
    { apiGroups: [""], resources: ["nodes/status"], verbs: ["patch"] },
];

/** The xtables lock every iptables user shares with the host. */
export const XTABLES_VOLUME = hostPath("xtables-lock", XTABLES_LOCK, "FileOrCreate");
export const XTABLES_MOUNT = { name: "xtables-lock", mountPath: XTABLES_LOCK };

/** The flanneld container (flannel's DaemonSet, and canal's pod beside calico-node): kube subnet manager, masquerading, the lab interface. */
export function flanneldContainer(image: string, nodeInterface: string, volumeMounts: K8sObject[]): K8sObject {
    return {
        name: "kube-flannel",
        image,
        imagePullPolicy: PULL,
        command: ["/usr/local/bin/flanneld"],
        args: ["--ip-masq", "--kube-subnet-mgr", `--iface=${nodeInterface}`],
        env: [fieldEnv("POD_NAME", "metadata.name"), fieldEnv("POD_NAMESPACE", "metadata.namespace")],
        resources: { requests: { cpu: "100m", memory: "50Mi" } },
        securityContext: { privileged: false, capabilities: { add: ["NET_ADMIN", "NET_RAW"] } },
        volumeMounts,
    };
}

/** Shell for an init container: copy SRC to DEST through a temporary name, so DEST is never seen half-written. */
export function atomicCopy(src: string, dest: string): string {
    return `cp ${src} ${dest}.netlab-tmp; mv -f ${dest}.netlab-tmp ${dest}`;
}

/**
 * The init container of a CNI whose plugin binaries are already on the node (flannel,
 * kube-router): `script`, after `set -eu`, puts its CNI config from the ConfigMap mounted as
 * `configMount` into /etc/cni/net.d.
 */
export function installCniConf(image: string, script: string, configMount: K8sObject): K8sObject {
    return {
        name: "install-cni-conf",
        image,
        imagePullPolicy: PULL,
        command: ["/bin/sh", "-c", `set -eu; ${script}`],
        volumeMounts: [{ name: "cni-conf-dir", mountPath: "/etc/cni/net.d" }, configMount],
    };
}
