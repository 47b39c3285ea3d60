/**
 * The CNIs netlab knows: their traits (encapsulation, NetworkPolicy, encryption, MTU
 * detection, whether the lab can build them here) and, for the two whose images are built
 * locally (flannel, kube-router), every Kubernetes object they need, as plain JSON objects.
 * Pure functions: no Pulumi, no cluster. The CNI plugin binaries (bridge, host-local,
 * loopback, portmap, flannel) are put in /opt/cni/bin by the program before a CNI is applied,
 * so no manifest here mounts or copies anything into /opt/cni/bin.
 */
import * as crypto from "crypto";
import { parseCidr } from "./cidr";
import { Cni, CNIS } from "./config";

export type K8sObject = Record<string, unknown>;

export interface CniManifestInput {
    /** The cluster's pod CIDR (kubeadm --pod-network-cidr), e.g. 10.244.0.0/16. */
    podCidr: string;
    /** The MTU of pod interfaces, already resolved (auto is resolved by the caller with cniMtuFor). */
    mtu: number;
    /** The image ref of the CNI's own agent. */
    image: string;
    /** The node interface that carries pod traffic between nodes, e.g. eth0. */
    nodeInterface: string;
}

export interface CniTraits {
    /** Bytes of encapsulation overhead per packet on the node interface (flannel vxlan: 50; kube-router direct routing: 0). */
    encapOverhead: number;
    networkPolicy: { ingress: boolean; egress: boolean };
    encryption: boolean;
    /** Whether the CNI itself detects the MTU (per the seed: only Cilium and Flannel). */
    detectsMtu: boolean;
    /** Whether netlab can build this CNI's images on this machine (flannel, kube-router: true; others: false). */
    builtHere: boolean;
    /** Names of the CNI config files it writes in /etc/cni/net.d. */
    confFiles: string[];
}

/** VXLAN over IPv4: outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8 (RFC 7348), as every VXLAN CNI counts it. */
const VXLAN_OVERHEAD = 50;

export const CNI_TRAITS: Record<Cni, CniTraits> = {
    calico: {
        // Calico docs (MTU page): IP-in-IP 20, VXLAN 50; IP-in-IP is unavailable on the lab nodes, so VXLAN.
        encapOverhead: VXLAN_OVERHEAD,
        // Calico enforces Kubernetes NetworkPolicy in both directions (Felix).
        networkPolicy: { ingress: true, egress: true },
        // Calico has WireGuard, which the lab nodes lack: no encryption here.
        encryption: false,
        // Per the seed (newer Calico releases do auto-detect the host MTU too).
        detectsMtu: false,
        builtHere: false,
        // calico-node's install-cni writes the conflist and the kubeconfig the plugin uses.
        confFiles: ["10-calico.conflist", "calico-kubeconfig"],
    },
    canal: {
        // Canal = flannel VXLAN for the data path (50) + Calico Felix for policy.
        encapOverhead: VXLAN_OVERHEAD,
        networkPolicy: { ingress: true, egress: true },
        encryption: false,
        detectsMtu: false,
        builtHere: false,
        confFiles: ["10-canal.conflist", "calico-kubeconfig"],
    },
    cilium: {
        // Cilium docs (MTU): VXLAN/Geneve tunnel overhead 50 in its default tunnel mode.
        encapOverhead: VXLAN_OVERHEAD,
        networkPolicy: { ingress: true, egress: true },
        // Cilium IPsec (WireGuard is unavailable on the lab nodes).
        encryption: true,
        detectsMtu: true,
        builtHere: false,
        // Cilium >= 1.13 writes 05-cilium.conflist (older releases 05-cilium.conf).
        confFiles: ["05-cilium.conflist"],
    },
    flannel: {
        // flannel's vxlan backend: pod MTU = interface MTU - 50 (pkg/backend/vxlan: encapOverhead).
        encapOverhead: VXLAN_OVERHEAD,
        // flannel has no NetworkPolicy support.
        networkPolicy: { ingress: false, egress: false },
        // Only with its wireguard/ipsec backends, which the lab nodes cannot run.
        encryption: false,
        detectsMtu: true,
        builtHere: true,
        confFiles: ["10-flannel.conflist"],
    },
    "kube-router": {
        // --enable-overlay=false: nodes share one L2 network, pod routes go straight via the peer node (no IPIP).
        encapOverhead: 0,
        // kube-router docs (and v1.6.1's netpol controller) enforce ingress AND egress rules of
        // networking.k8s.io/v1 NetworkPolicy; the seed says "ingress only", which is out of date.
        networkPolicy: { ingress: true, egress: true },
        encryption: false,
        // It can (--auto-mtu), but the seed counts only Cilium and Flannel; netlab passes --auto-mtu=false and sets it.
        detectsMtu: false,
        builtHere: true,
        confFiles: ["10-kuberouter.conflist"],
    },
    weave: {
        // Weave Net docs: fast datapath is VXLAN-based (50 here; Weave's own default MTU 1376 adds headroom).
        encapOverhead: VXLAN_OVERHEAD,
        // weave-npc enforces ingress and (since Weave Net 2.4) egress rules.
        networkPolicy: { ingress: true, egress: true },
        // Weave password (NaCl for sleeve, IPsec ESP for fast datapath).
        encryption: true,
        detectsMtu: false,
        builtHere: false,
        // Weave Net >= 2.6 writes 10-weave.conflist (older releases 10-weave.conf).
        confFiles: ["10-weave.conflist"],
    },
};

/** Every object's label: `kubectl delete all,cm,sa,clusterrole,clusterrolebinding -l netlab.io/cni=<cni>`. */
export const CNI_LABEL = "netlab.io/cni";

/** Where the agents live. */
export const CNI_NAMESPACE = "kube-system";

/** The pod MTU: a number is taken as is; "auto" is the node interface MTU minus the CNI's encapsulation overhead. */
export function cniMtuFor(cni: Cni, setting: "auto" | number, nodeInterfaceMtu: number): number {
    const traits = traitsOf(cni);
    if (setting !== "auto") {
        if (!Number.isInteger(setting) || setting <= 0) {
            throw new Error(`netlab:cniMtu ${setting} is not a positive whole number`);
        }
        return setting;
    }
    if (!Number.isInteger(nodeInterfaceMtu) || nodeInterfaceMtu <= traits.encapOverhead) {
        throw new Error(`the node interface MTU ${nodeInterfaceMtu} leaves no room for ${cni}'s ${traits.encapOverhead}-byte encapsulation`);
    }
    return nodeInterfaceMtu - traits.encapOverhead;
}

/** Every Kubernetes object of the CNI, in apply order (RBAC, ConfigMaps, then the DaemonSet). Throws for a CNI without builtHere. */
export function cniManifest(cni: Cni, input: CniManifestInput): K8sObject[] {
    const traits = traitsOf(cni);
    if (!traits.builtHere) {
        const here = CNIS.filter((c) => CNI_TRAITS[c].builtHere);
        throw new Error(`netlab:cni '${cni}' cannot be deployed: netlab builds images only for ${here.join(" and ")} on this machine `
            + `(fix: pulumi config set netlab:cni ${here[0]})`);
    }
    checkInput(input);
    switch (cni) {
        case "flannel":
            return flannelObjects(input);
        case "kube-router":
            return kubeRouterObjects(input);
        default:
            throw new Error(`netlab:cni '${cni}' has no manifest`);
    }
}

/** kubectl-ready JSON: {"apiVersion":"v1","kind":"List","items":[...]} */
export function cniManifestJson(cni: Cni, input: CniManifestInput): string {
    return `${JSON.stringify({ apiVersion: "v1", kind: "List", items: cniManifest(cni, input) }, null, 2)}\n`;
}

function traitsOf(cni: Cni): CniTraits {
    const traits = (CNI_TRAITS as Partial<Record<string, CniTraits>>)[cni];
    if (traits === undefined) {
        throw new Error(`netlab:cni '${String(cni)}' is not one of ${CNIS.join(", ")}`);
    }
    return traits;
}

function checkInput(input: CniManifestInput): void {
    const cidr = parseCidr(input.podCidr);
    if (typeof cidr === "string") {
        throw new Error(`pod CIDR: ${cidr}`);
    }
    if (!Number.isInteger(input.mtu) || input.mtu <= 0) {
        throw new Error(`CNI MTU ${input.mtu} is not a positive whole number`);
    }
    if (!/^\S+$/.test(input.image)) {
        throw new Error(`CNI image '${input.image}' is not an image ref`);
    }
    if (!/^[a-zA-Z0-9_.@-]{1,15}$/.test(input.nodeInterface)) {
        throw new Error(`node interface '${input.nodeInterface}' is not an interface name`);
    }
}

// ---------------------------------------------------------------------------------------------
// Shared building blocks

type Labels = Record<string, string>;

function labelsFor(cni: Cni, app: string): Labels {
    return { "k8s-app": app, [CNI_LABEL]: cni };
}

function meta(name: string, labels: Labels, namespaced: boolean): K8sObject {
    return namespaced ? { name, namespace: CNI_NAMESPACE, labels } : { name, labels };
}

/** ServiceAccount + ClusterRole + ClusterRoleBinding, one name for all three. */
function rbac(name: string, labels: Labels, rules: K8sObject[]): K8sObject[] {
    return [
        { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(name, labels, true) },
        { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: meta(name, labels, false), rules },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: meta(name, labels, false),
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
            subjects: [{ kind: "ServiceAccount", name, namespace: CNI_NAMESPACE }],
        },
    ];
}

function hostPath(name: string, path: string, type?: string): K8sObject {
    return { name, hostPath: type === undefined ? { path } : { path, type } };
}

function fieldEnv(name: string, fieldPath: string): K8sObject {
    return { name, valueFrom: { fieldRef: { apiVersion: "v1", fieldPath } } };
}

/** A digest of the ConfigMap data in the pod template: a changed config rolls the DaemonSet. */
function configHash(data: Record<string, string>): string {
    return crypto.createHash("sha256").update(JSON.stringify(data)).digest("hex").slice(0, 16);
}

interface DaemonSetSpec {
    name: string;
    labels: Labels;
    serviceAccount: string;
    config: Record<string, string>;
    initContainers: K8sObject[];
    containers: K8sObject[];
    volumes: K8sObject[];
}

function daemonSet(s: DaemonSetSpec): K8sObject {
    return {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: meta(s.name, s.labels, true),
        spec: {
            selector: { matchLabels: { "k8s-app": s.labels["k8s-app"] } },
            updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
            template: {
                metadata: { labels: s.labels, annotations: { "netlab.io/config-hash": configHash(s.config) } },
                spec: {
                    hostNetwork: true,
                    priorityClassName: "system-node-critical",
                    serviceAccountName: s.serviceAccount,
                    // Every taint, NoSchedule and NoExecute alike: the network comes first.
                    tolerations: [{ operator: "Exists" }],
                    terminationGracePeriodSeconds: 30,
                    initContainers: s.initContainers,
                    containers: s.containers,
                    volumes: s.volumes,
                },
            },
        },
    };
}

/** The images are imported into containerd on every node: never pull. */
const PULL = "Never";

const XTABLES_LOCK = "/run/xtables.lock";

// ---------------------------------------------------------------------------------------------
// flannel (vxlan, --kube-subnet-mgr)

const FLANNEL_CONF = "/etc/cni/net.d/10-flannel.conflist";

function flannelObjects(input: CniManifestInput): K8sObject[] {
    const labels = labelsFor("flannel", "flannel");
    const cniConf = {
        name: "cbr0",
        cniVersion: "0.3.1",
        plugins: [
            // The flannel plugin reads /run/flannel/subnet.env and delegates to bridge (cni0);
            // an `mtu` in the delegate wins over flannel's FLANNEL_MTU.
            { type: "flannel", delegate: { hairpinMode: true, isDefaultGateway: true, mtu: input.mtu } },
            { type: "portmap", capabilities: { portMappings: true } },
        ],
    };
    const netConf = {
        Network: input.podCidr,
        // The vxlan backend's MTU is the outgoing (underlay) MTU; flannel.1 and FLANNEL_MTU get
        // it minus 50. Setting it to pod MTU + 50 keeps flannel.1 equal to the pod MTU, also for
        // a numeric netlab:cniMtu (for "auto" it is the interface MTU, flannel's own default).
        Backend: { Type: "vxlan", MTU: input.mtu + CNI_TRAITS.flannel.encapOverhead },
    };
    const config = { "cni-conf.json": `${JSON.stringify(cniConf, null, 2)}\n`, "net-conf.json": `${JSON.stringify(netConf, null, 2)}\n` };
    return [
        ...rbac("flannel", labels, [
            { apiGroups: [""], resources: ["pods"], verbs: ["get"] },
            { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
            { apiGroups: [""], resources: ["nodes/status"], verbs: ["patch"] },
        ]),
        { apiVersion: "v1", kind: "ConfigMap", metadata: meta("kube-flannel-cfg", labels, true), data: config },
        daemonSet({
            name: "kube-flannel-ds",
            labels,
            serviceAccount: "flannel",
            config,
            initContainers: [{
                name: "install-cni-conf",
                image: input.image,
                imagePullPolicy: PULL,
                // Config only (the plugin binaries are already on the node): write, then rename into place.
                command: ["/bin/sh", "-c",
                    `set -eu; cp /etc/kube-flannel/cni-conf.json ${FLANNEL_CONF}.netlab-tmp; mv -f ${FLANNEL_CONF}.netlab-tmp ${FLANNEL_CONF}`],
                volumeMounts: [
                    { name: "cni-conf-dir", mountPath: "/etc/cni/net.d" },
                    { name: "flannel-cfg", mountPath: "/etc/kube-flannel/" },
                ],
            }],
            containers: [{
                name: "kube-flannel",
                image: input.image,
                imagePullPolicy: PULL,
                command: ["/usr/local/bin/flanneld"],
                args: ["--ip-masq", "--kube-subnet-mgr", `--iface=${input.nodeInterface}`],
                env: [fieldEnv("POD_NAME", "metadata.name"), fieldEnv("POD_NAMESPACE", "metadata.namespace")],
                resources: { requests: { cpu: "100m", memory: "50Mi" } },
                securityContext: { privileged: false, capabilities: { add: ["NET_ADMIN", "NET_RAW"] } },
                volumeMounts: [
                    { name: "run-flannel", mountPath: "/run/flannel" },
                    { name: "flannel-cfg", mountPath: "/etc/kube-flannel/" },
                    { name: "xtables-lock", mountPath: XTABLES_LOCK },
                ],
            }],
            volumes: [
                hostPath("run-flannel", "/run/flannel", "DirectoryOrCreate"),
                hostPath("cni-conf-dir", "/etc/cni/net.d", "DirectoryOrCreate"),
                { name: "flannel-cfg", configMap: { name: "kube-flannel-cfg" } },
                hostPath("xtables-lock", XTABLES_LOCK, "FileOrCreate"),
            ],
        }),
    ];
}

// ---------------------------------------------------------------------------------------------
// kube-router v1.6.1 (BGP routes between nodes on one L2 network, no overlay; firewall = NetworkPolicy)

const KUBE_ROUTER_CONF = "/etc/cni/net.d/10-kuberouter.conflist";

function kubeRouterObjects(input: CniManifestInput): K8sObject[] {
    const labels = labelsFor("kube-router", "kube-router");
    const conflist = {
        cniVersion: "0.3.0",
        name: "mynet",
        plugins: [
            {
                name: "kubernetes",
                type: "bridge",
                bridge: "kube-bridge",
                isDefaultGateway: true,
                hairpinMode: true,
                mtu: input.mtu,
                // kube-router writes the node's pod subnet (node.spec.podCIDR) in here itself.
                ipam: { type: "host-local" },
            },
            { type: "portmap", capabilities: { portMappings: true }, snat: true },
        ],
    };
    // Compact, as kube-router rewrites it (Go's json.Marshal): the init container finds `"mtu":N` in it.
    const conflistText = JSON.stringify(conflist);
    const config = { "10-kuberouter.conflist": `${conflistText}\n` };
    const mtuMark = `"mtu":${input.mtu}`;
    return [
        ...rbac("kube-router", labels, [
            // The informers of v1.6.1: services, endpoints, pods, nodes, namespaces, networkpolicies.
            { apiGroups: [""], resources: ["namespaces", "pods", "services", "nodes", "endpoints"], verbs: ["get", "list", "watch"] },
            { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
            { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["get", "list", "watch"] },
        ]),
        { apiVersion: "v1", kind: "ConfigMap", metadata: meta("kube-router-cfg", labels, true), data: config },
        daemonSet({
            name: "kube-router",
            labels,
            serviceAccount: "kube-router",
            config,
            initContainers: [{
                name: "install-cni-conf",
                image: input.image,
                imagePullPolicy: PULL,
                // Only when absent or written for another MTU: kube-router keeps the node's subnet in
                // it, and puts it back on start when the file is fresh.
                command: ["/bin/sh", "-c",
                    `set -eu; if [ ! -f ${KUBE_ROUTER_CONF} ] || ! grep -qF '${mtuMark}' ${KUBE_ROUTER_CONF}; then `
                    + `cp /etc/kube-router/10-kuberouter.conflist ${KUBE_ROUTER_CONF}.netlab-tmp; `
                    + `mv -f ${KUBE_ROUTER_CONF}.netlab-tmp ${KUBE_ROUTER_CONF}; fi`],
                volumeMounts: [
                    { name: "cni-conf-dir", mountPath: "/etc/cni/net.d" },
                    { name: "kube-router-cfg", mountPath: "/etc/kube-router" },
                ],
            }],
            containers: [{
                name: "kube-router",
                image: input.image,
                imagePullPolicy: PULL,
                command: ["/usr/local/bin/kube-router"],
                // In-cluster config (no --kubeconfig); kube-proxy serves Services, so no service proxy.
                // No --enable-ipv4 here: v1.6.1 has no such flag (it came with v2.0); IPv4 is all it does.
                args: [
                    "--run-router=true",
                    "--run-firewall=true",
                    "--run-service-proxy=false",
                    "--bgp-graceful-restart=true",
                    "--enable-overlay=false",
                    "--enable-cni=true",
                    "--auto-mtu=false",
                ],
                env: [
                    fieldEnv("NODE_NAME", "spec.nodeName"),
                    { name: "KUBE_ROUTER_CNI_CONF_FILE", value: KUBE_ROUTER_CONF },
                ],
                livenessProbe: { httpGet: { path: "/healthz", port: 20244 }, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 6 },
                resources: { requests: { cpu: "100m", memory: "100Mi" } },
                // netlink routes/bridges, iptables and ipset need NET_ADMIN (+ NET_RAW for iptables);
                // BGP's port 179 is covered by the runtime's default NET_BIND_SERVICE.
                securityContext: { privileged: false, capabilities: { add: ["NET_ADMIN", "NET_RAW"] } },
                volumeMounts: [
                    { name: "lib-modules", mountPath: "/lib/modules", readOnly: true },
                    { name: "cni-conf-dir", mountPath: "/etc/cni/net.d" },
                    { name: "xtables-lock", mountPath: XTABLES_LOCK },
                ],
            }],
            volumes: [
                hostPath("lib-modules", "/lib/modules"),
                hostPath("cni-conf-dir", "/etc/cni/net.d", "DirectoryOrCreate"),
                { name: "kube-router-cfg", configMap: { name: "kube-router-cfg" } },
                hostPath("xtables-lock", XTABLES_LOCK, "FileOrCreate"),
            ],
        }),
    ];
}
