/**
 * The kubeadm configuration of the `kubeadm` scenario (pure functions, tested directly):
 * the init config of the control-plane host and the join config of the others. Every image
 * comes from IMAGE_REPOSITORY, which the toolchain builds and the nodes import: nothing is
 * pulled from a registry.
 */

/** Where the toolchain's Kubernetes images are named (commands/toolchain.sh kube-images). */
export const IMAGE_REPOSITORY = "localhost/netlab";

/** Image tags of the components kubeadm runs that are not Kubernetes itself (toolchain/versions.env). */
export const KUBE_IMAGE_TAGS = { etcd: "v3.6.16", coredns: "v1.15.0", pause: "3.10.1" } as const;

export const PAUSE_IMAGE = `${IMAGE_REPOSITORY}/pause:${KUBE_IMAGE_TAGS.pause}`;

/** The API server's port on the control-plane host. */
export const API_SERVER_PORT = 6443;

/** The resolv.conf the kubelets hand to pods (host-scripts/kube-node.sh writes it on each node). */
export const KUBELET_RESOLV_CONF = "/etc/netlab/kubelet-resolv.conf";

/** The containerd socket every node's kubelet talks to. */
export const CRI_SOCKET = "unix:///run/containerd/containerd.sock";

/**
 * Preflight checks that fail in a container that behaves like a VM and do not matter to a
 * lab: no kernel config to read (SystemVerification), and no swap accounting.
 */
export const IGNORED_PREFLIGHT = ["SystemVerification", "Swap"];

export interface NodeSettings {
    /** Node name (the host name). */
    name: string;
    /** The node's address on the lab network (the kubelet's --node-ip). */
    address: string;
    /**
     * The cgroup under which this kubelet puts its pods. Lab hosts that are containers share
     * the machine's cgroup tree, so each kubelet gets a root of its own.
     */
    cgroupRoot: string;
}

export interface InitSettings {
    version: string;
    node: NodeSettings;
    podCidr: string;
    serviceCidr: string;
    /** The bootstrap token (secret), `[a-z0-9]{6}.[a-z0-9]{16}`. */
    token: string;
    /** Extra names and addresses for the API server certificate (e.g. 127.0.0.1 for a published port). */
    certSans: string[];
}

/** A bootstrap token's form, as kubeadm checks it. */
export const TOKEN_PATTERN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;

function quoteList(values: string[]): string {
    return `[${values.map((v) => JSON.stringify(v)).join(", ")}]`;
}

function nodeRegistration(node: NodeSettings): string {
    return [
        "nodeRegistration:",
        `  name: ${JSON.stringify(node.name)}`,
        `  criSocket: ${JSON.stringify(CRI_SOCKET)}`,
        `  ignorePreflightErrors: ${quoteList(IGNORED_PREFLIGHT)}`,
        "  kubeletExtraArgs:",
        "    - name: node-ip",
        `      value: ${JSON.stringify(node.address)}`,
        "    - name: cgroup-root",
        `      value: ${JSON.stringify(node.cgroupRoot)}`,
    ].join("\n");
}

/** The KubeletConfiguration shared by every node (kubeadm stores it in the cluster). */
export function kubeletConfiguration(): string {
    return [
        "apiVersion: kubelet.config.k8s.io/v1beta1",
        "kind: KubeletConfiguration",
        // Lab hosts may be cgroup v1 machines (this one is); kubelet 1.34 still runs there when told.
        "failCgroupV1: false",
        "cgroupDriver: cgroupfs",
        "failSwapOn: false",
        `resolvConf: ${JSON.stringify(KUBELET_RESOLV_CONF)}`,
        // The imported images have no registry to come back from: never collect them, and never
        // evict for the disk of a shared machine.
        "imageGCHighThresholdPercent: 100",
        "imageGCLowThresholdPercent: 99",
        "evictionHard:",
        "  memory.available: \"100Mi\"",
        "  nodefs.available: \"0%\"",
        "  nodefs.inodesFree: \"0%\"",
        "  imagefs.available: \"0%\"",
    ].join("\n");
}

/** The kube-proxy config: iptables mode, and no conntrack sysctl writes (the hosts may share one kernel). */
export function kubeProxyConfiguration(): string {
    return [
        "apiVersion: kubeproxy.config.k8s.io/v1alpha1",
        "kind: KubeProxyConfiguration",
        "mode: iptables",
        "conntrack:",
        "  maxPerCore: 0",
    ].join("\n");
}

/** The config of `kubeadm init` on the control-plane host (holds the token: secret). */
export function kubeadmInitConfig(s: InitSettings): string {
    if (!TOKEN_PATTERN.test(s.token)) {
        throw new Error("kubeadm bootstrap token must match [a-z0-9]{6}.[a-z0-9]{16}");
    }
    const endpoint = `${s.node.address}:${API_SERVER_PORT}`;
    return [
        "apiVersion: kubeadm.k8s.io/v1beta4",
        "kind: InitConfiguration",
        "bootstrapTokens:",
        `  - token: ${JSON.stringify(s.token)}`,
        "    ttl: 24h0m0s",
        "    usages: [signing, authentication]",
        "    groups: [\"system:bootstrappers:kubeadm:default-node-token\"]",
        "localAPIEndpoint:",
        `  advertiseAddress: ${JSON.stringify(s.node.address)}`,
        `  bindPort: ${API_SERVER_PORT}`,
        nodeRegistration(s.node),
        "---",
        "apiVersion: kubeadm.k8s.io/v1beta4",
        "kind: ClusterConfiguration",
        `kubernetesVersion: ${JSON.stringify(`v${s.version}`)}`,
        `imageRepository: ${JSON.stringify(IMAGE_REPOSITORY)}`,
        `controlPlaneEndpoint: ${JSON.stringify(endpoint)}`,
        "networking:",
        `  podSubnet: ${JSON.stringify(s.podCidr)}`,
        `  serviceSubnet: ${JSON.stringify(s.serviceCidr)}`,
        "apiServer:",
        `  certSANs: ${quoteList([...new Set([s.node.address, ...s.certSans])])}`,
        "etcd:",
        "  local:",
        `    imageRepository: ${JSON.stringify(IMAGE_REPOSITORY)}`,
        `    imageTag: ${JSON.stringify(KUBE_IMAGE_TAGS.etcd)}`,
        "dns:",
        `  imageRepository: ${JSON.stringify(IMAGE_REPOSITORY)}`,
        `  imageTag: ${JSON.stringify(KUBE_IMAGE_TAGS.coredns)}`,
        "---",
        kubeletConfiguration(),
        "---",
        kubeProxyConfiguration(),
        "",
    ].join("\n");
}

export interface JoinSettings {
    node: NodeSettings;
    /** The control plane's `address:port`. */
    apiServerEndpoint: string;
    token: string;
    /** `sha256:<hex>` of the cluster CA's public key. */
    caCertHash: string;
}

/** The config of `kubeadm join` on a worker (holds the token: secret). */
export function kubeadmJoinConfig(s: JoinSettings): string {
    if (!TOKEN_PATTERN.test(s.token)) {
        throw new Error("kubeadm bootstrap token must match [a-z0-9]{6}.[a-z0-9]{16}");
    }
    if (!/^sha256:[0-9a-f]{64}$/.test(s.caCertHash)) {
        throw new Error(`CA certificate hash '${s.caCertHash}' is not sha256:<64 hex digits>`);
    }
    return [
        "apiVersion: kubeadm.k8s.io/v1beta4",
        "kind: JoinConfiguration",
        "discovery:",
        "  bootstrapToken:",
        `    apiServerEndpoint: ${JSON.stringify(s.apiServerEndpoint)}`,
        `    token: ${JSON.stringify(s.token)}`,
        `    caCertHashes: [${JSON.stringify(s.caCertHash)}]`,
        nodeRegistration(s.node),
        "",
    ].join("\n");
}

/** Parses what host-scripts/kubeadm-init.sh prints. */
export function parseInitOutput(stdout: string): { caCertHash: string; adminKubeconfig: string } {
    const hash = /^ca-cert-hash=(sha256:[0-9a-f]{64})$/m.exec(stdout);
    const conf = /^admin-kubeconfig-base64=([A-Za-z0-9+/=]+)$/m.exec(stdout);
    if (!hash || !conf) {
        throw new Error("kubeadm-init.sh printed no ca-cert-hash or admin-kubeconfig-base64 line");
    }
    return { caCertHash: hash[1], adminKubeconfig: Buffer.from(conf[1], "base64").toString("utf8") };
}

/** The admin kubeconfig pointed at another API server address (a published port, say). */
export function kubeconfigForServer(kubeconfig: string, server: string): string {
    const out = kubeconfig.replace(/^(\s*server:\s*).*$/m, `$1${server}`);
    if (out === kubeconfig && !kubeconfig.includes(`server: ${server}`)) {
        throw new Error("the kubeconfig has no 'server:' line to point elsewhere");
    }
    return out;
}
