/**
 * The lab's typed configuration: every `netlab:*` stack setting, its type and its default.
 * Reading raw config strings into a LabConfig: `config-parse.ts`; cross-field rules:
 * `validate.ts`; `loadLabConfig` runs both before any resource is created.
 */

export const SCENARIOS = ["hosts", "weave-nomad", "kubeadm"] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const HOST_PROVIDERS = ["docker", "ssh"] as const;
export type HostProvider = (typeof HOST_PROVIDERS)[number];

/** How a workload moves to a new version (seed 001): Nomad's update stanza, set per workload. */
export const STRATEGIES = ["rolling", "canary", "canary-isolated", "blue-green"] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** Faults a workload's current version can be given, to watch a deployment fail (httpbackend -fault). */
export const FAULTS = ["unhealthy"] as const;
export type Fault = (typeof FAULTS)[number];

export const CNIS = ["calico", "canal", "cilium", "flannel", "kube-router", "weave"] as const;
export type Cni = (typeof CNIS)[number];

/** kubeadm: the service mesh (seeds 003, 004): none, or Linkerd built from source. */
export const MESHES = ["none", "linkerd"] as const;
export type Mesh = (typeof MESHES)[number];

/** One lab host. */
export interface HostSpec {
    /** Host name (an RFC 1123 label); also the container name suffix in docker mode. */
    name: string;
    /** The host's address on the lab network: what peers, Consul and Nomad use. */
    labAddress: string;
    /** ssh mode: the address Pulumi connects to (defaults to labAddress). Unused in docker mode. */
    address: string;
    /** ssh mode: SSH port. Default 22. */
    port: number;
    /** ssh mode: SSH user (root or a user with password-less sudo). Default root. */
    user: string;
    /**
     * ssh mode: the host's SSH host key as `ssh-keyscan` prints it after the host name
     * (`ssh-ed25519 AAAA…`), pinned: every SSH connection checks it. Required there; docker
     * hosts get one generated per host.
     */
    hostKey?: string;
}

export interface WeaveSettings {
    /** Weave Net version. */
    version: string;
    /** `weave launch --ipalloc-range`. */
    ipallocRange: string;
    /** `weave launch --ipalloc-default-subnet`. Defaults to the whole range. */
    defaultSubnet: string;
    /** Extra subnets (inside ipallocRange) that workloads may be placed in; each is `weave expose`d. */
    subnets: string[];
    /** Overlay MTU; unset lets Weave choose. */
    mtu?: number;
    /** weave-nomad: the overlay encrypted (sleeve, NaCl) with netlab:weavePassword, or a password netlab generates. Default true. */
    encrypted: boolean;
}

export interface ConsulSettings {
    version: string;
    datacenter: string;
}

export interface NomadSettings {
    version: string;
}

export interface KubernetesSettings {
    version: string;
    podCidr: string;
    serviceCidr: string;
    cni: Cni;
    /** "auto" (derived from the host interface and the CNI's encapsulation) or a number. */
    cniMtu: "auto" | number;
    /** Encrypt pod traffic (Weave password, Cilium IPsec). */
    cniEncryption: boolean;
    /** The service mesh: its proxies carry the workloads' traffic (and a split's weights). */
    mesh: Mesh;
}

export interface WorkloadSpec {
    /** Job / Deployment name; also its Consul service name. */
    name: string;
    /** The version the service reports, e.g. v1.0.0. */
    version: string;
    /** Instance count. */
    count: number;
    /** weave-nomad: the Weave subnet the instances get addresses from. Default: weave.defaultSubnet. */
    subnet?: string;
    /** Host names the instances may run on. Default: all hosts. */
    placement: string[];
    /** weave-nomad: how a new version is rolled out. Default rolling. */
    strategy: Strategy;
    /** weave-nomad: instances replaced at a time (rolling), and after promotion. Default 1. */
    maxParallel: number;
    /** kubeadm: the Deployment's rollingUpdate.maxSurge: pods started above `count` during an update. Default 1. */
    maxSurge: number;
    /** kubeadm: the Deployment's rollingUpdate.maxUnavailable: pods below `count` during an update. Default 0. */
    maxUnavailable: number;
    /** weave-nomad: canaries placed first (canary, canary-isolated; blue-green uses count). Default 1. */
    canaries: number;
    /** weave-nomad: promote the deployment of `version` once its canaries are healthy. Default false: it waits. */
    promote: boolean;
    /** weave-nomad: a failed deployment rolls back to the last stable job version. Default true. */
    autoRevert: boolean;
    /** weave-nomad: a fault injected into `version` (its deployment fails: auto_revert at work). */
    fault?: Fault;
    /**
     * Run two versions side by side with weights in percent, e.g. {"v1.0.0": 80, "v1.1.0": 20};
     * `version` must be one of them. weave-nomad: fabio's route weights; kubeadm (with a mesh):
     * a Deployment per version and an HTTPRoute whose backendRefs carry the weights.
     */
    split?: Record<string, number>;
    /**
     * weave-nomad: serve HTTPS with a certificate for `sni` from the stack's lab CA, routed by
     * fabio's TCP+SNI listener on that name (seed 001's httpsbackend-sni-1), instead of plain
     * HTTP on a path. An isolated canary gets `canary.<sni>`.
     */
    tls?: WorkloadTls;
}

export interface WorkloadTls {
    /** The TLS server name clients ask for, e.g. mysite-sni-1.com. */
    sni: string;
}

export interface LabSecrets {
    /** ssh mode: the private key Pulumi uses to reach the hosts. */
    sshPrivateKey?: string;
    /** Weave encryption password. */
    weavePassword?: string;
    /** Consul gossip encryption key (base64, 32 bytes). Generated when unset. */
    consulGossipKey?: string;
}

export interface LabConfig {
    scenario: Scenario;
    hostProvider: HostProvider;
    /** The lab network hosts talk over (docker mode: the Docker network's subnet). */
    labNetwork: string;
    /** docker mode: run host containers `--privileged` instead of the capability-based form. */
    privileged: boolean;
    /** A local directory with the lab's binaries (commands/toolchain.sh builds .toolchain/artifacts), copied to the hosts over SSH. */
    artifactsDir?: string;
    hosts: HostSpec[];
    weave: WeaveSettings;
    consul: ConsulSettings;
    nomad: NomadSettings;
    kubernetes: KubernetesSettings;
    workloads: WorkloadSpec[];
    secrets: LabSecrets;
}

/** Keys that hold secrets: they must be set with `pulumi config set --secret`. */
export const SECRET_KEYS = ["sshPrivateKey", "weavePassword", "consulGossipKey"] as const;

/** The defaults, one place; Pulumi.yaml repeats the scalar ones (a unit test keeps them equal). */
export const DEFAULTS = {
    scenario: "hosts" as Scenario,
    hostProvider: "docker" as HostProvider,
    labNetwork: "192.168.56.0/24",
    privileged: false,
    hostNames: ["u1", "u2", "u3"],
    /** Host i gets the (firstHostOffset + i)-th address of labNetwork: .3 .4 .5 as in the seeds. */
    firstHostOffset: 3,
    sshPort: 22,
    sshUser: "root",
    weave: { version: "2.9.0", ipallocRange: "10.32.0.0/12", encrypted: true },
    consul: { version: "1.22.7", datacenter: "dc1" },
    nomad: { version: "1.11.3" },
    kubernetes: { version: "1.34.4", podCidr: "10.244.0.0/16", serviceCidr: "10.96.0.0/12" },
    cni: "flannel" as Cni,
    cniMtu: "auto" as const,
    cniEncryption: false,
    mesh: "none" as Mesh,
    workload: {
        name: "httpbackend", version: "v1.0.0", count: 3, strategy: "rolling" as Strategy, maxParallel: 1, maxSurge: 1, maxUnavailable: 0,
        canaries: 1, promote: false, autoRevert: true,
    },
};

/** Every top-level key under `netlab:`. */
export const KNOWN_KEYS = [
    "scenario", "hostProvider", "labNetwork", "privileged", "hosts", "weave", "consul", "nomad",
    "kubernetes", "cni", "cniMtu", "cniEncryption", "mesh", "workloads", "artifactsDir", ...SECRET_KEYS,
] as const;

/**
 * The fields of each structured setting; any other field is rejected (usually a typo).
 * docs/configuration.md documents exactly these (test/docs-config.test.ts keeps them equal).
 */
export const STRUCTURED_FIELDS = {
    hosts: ["name", "labAddress", "address", "port", "user", "hostKey"],
    weave: ["version", "ipallocRange", "defaultSubnet", "subnets", "mtu", "encrypted"],
    consul: ["version", "datacenter"],
    nomad: ["version"],
    kubernetes: ["version", "podCidr", "serviceCidr"],
    workloads: ["name", "version", "count", "subnet", "placement", "strategy", "maxParallel", "maxSurge", "maxUnavailable",
        "canaries", "promote", "autoRevert", "fault", "split", "tls"],
} as const satisfies Partial<Record<(typeof KNOWN_KEYS)[number], readonly string[]>>;

/** Raw stack config: key (without the `netlab:` prefix) -> the string Pulumi holds. */
export type RawConfig = Record<string, string>;
