/**
 * The lab's typed configuration: every `netlab:*` stack setting, its default, and the
 * parsing of raw config strings into a typed LabConfig. Cross-field rules live in
 * `validate.ts`; `loadLabConfig` runs both before any resource is created.
 */
import { ConfigProblems } from "./problems";

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

type Json = Record<string, unknown>;

/** Reads typed fields out of raw config, recording every problem instead of stopping at the first. */
class Reader {
    constructor(private readonly raw: RawConfig, readonly problems: ConfigProblems) {}

    has(key: string): boolean {
        return this.raw[key] !== undefined;
    }

    string(key: string, fallback: string): string {
        return this.raw[key] ?? fallback;
    }

    oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
        const value = this.raw[key] ?? fallback;
        if ((allowed as readonly string[]).includes(value)) {
            return value as T;
        }
        this.problems.add(key, value, `is not one of ${allowed.join(", ")}`,
            `pulumi config set netlab:${key} ${fallback}`);
        return fallback;
    }

    boolean(key: string, fallback: boolean): boolean {
        const value = this.raw[key];
        if (value === undefined) {
            return fallback;
        }
        if (value === "true" || value === "false") {
            return value === "true";
        }
        this.problems.add(key, value, "is not a boolean", `pulumi config set netlab:${key} ${fallback}`);
        return fallback;
    }

    /** A JSON object or array set with `pulumi config set --path` (or as YAML in the stack file). */
    json<T>(key: string, isWanted: (v: unknown) => v is T, shape: string): T | undefined {
        const text = this.raw[key];
        if (text === undefined) {
            return undefined;
        }
        let value: unknown;
        try {
            value = JSON.parse(text);
        } catch {
            value = text;
        }
        if (!isWanted(value)) {
            this.problems.add(key, text, `is not ${shape}`,
                `set it as structured config, e.g. pulumi config set --path 'netlab:${key}...'`);
            return undefined;
        }
        return value;
    }
}

/** A value as the user would have written it. */
export const show = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const isObjectArray = (v: unknown): v is Json[] => Array.isArray(v) && v.every(isObject);

/** Reads one field of a structured setting, checking its type. */
function field<T>(problems: ConfigProblems, key: string, obj: Json, name: string,
    kind: "string" | "number" | "boolean" | "string[]", fallback: T): T {
    const value = obj[name];
    if (value === undefined) {
        return fallback;
    }
    const ok = kind === "string[]"
        ? Array.isArray(value) && value.every((x) => typeof x === "string")
        : typeof value === kind;
    if (!ok) {
        problems.add(`${key}.${name}`, show(value), `is not a ${kind}`,
            `pulumi config set --path 'netlab:${key}.${name}' <${kind}>`);
        return fallback;
    }
    return value as T;
}

/** Reports fields of a structured setting that the lab does not know (usually typos). */
function rejectUnknownFields(problems: ConfigProblems, key: string, obj: Json, known: readonly string[]): void {
    for (const name of Object.keys(obj)) {
        if (!known.includes(name)) {
            problems.add(`${key}.${name}`, show(obj[name]), `is not a known field (known: ${known.join(", ")})`,
                `pulumi config rm --path 'netlab:${key}.${name}'`);
        }
    }
}

function parseHosts(r: Reader, labNetworkHosts: (i: number) => string): HostSpec[] {
    const list = r.json("hosts", isObjectArray, "a list of host objects");
    const entries: Json[] = list ?? DEFAULTS.hostNames.map((name) => ({ name }));
    return entries.map((obj, i) => {
        const key = `hosts[${i}]`;
        rejectUnknownFields(r.problems, key, obj, STRUCTURED_FIELDS.hosts);
        const labAddress = field(r.problems, key, obj, "labAddress", "string", labNetworkHosts(i));
        return {
            name: field(r.problems, key, obj, "name", "string", DEFAULTS.hostNames[i] ?? `u${i + 1}`),
            labAddress,
            address: field(r.problems, key, obj, "address", "string", labAddress),
            port: field(r.problems, key, obj, "port", "number", DEFAULTS.sshPort),
            user: field(r.problems, key, obj, "user", "string", DEFAULTS.sshUser),
            hostKey: field<string | undefined>(r.problems, key, obj, "hostKey", "string", undefined),
        };
    });
}

function parseWorkloads(r: Reader): WorkloadSpec[] {
    const list = r.json("workloads", isObjectArray, "a list of workload objects");
    const entries: Json[] = list ?? [{}];
    return entries.map((obj, i) => {
        const key = `workloads[${i}]`;
        rejectUnknownFields(r.problems, key, obj, STRUCTURED_FIELDS.workloads);
        return {
            name: field(r.problems, key, obj, "name", "string", DEFAULTS.workload.name),
            version: field(r.problems, key, obj, "version", "string", DEFAULTS.workload.version),
            count: field(r.problems, key, obj, "count", "number", DEFAULTS.workload.count),
            subnet: field<string | undefined>(r.problems, key, obj, "subnet", "string", undefined),
            placement: field<string[]>(r.problems, key, obj, "placement", "string[]", []),
            strategy: oneOfField(r.problems, key, obj, "strategy", STRATEGIES, DEFAULTS.workload.strategy),
            maxParallel: field(r.problems, key, obj, "maxParallel", "number", DEFAULTS.workload.maxParallel),
            maxSurge: field(r.problems, key, obj, "maxSurge", "number", DEFAULTS.workload.maxSurge),
            maxUnavailable: field(r.problems, key, obj, "maxUnavailable", "number", DEFAULTS.workload.maxUnavailable),
            canaries: field(r.problems, key, obj, "canaries", "number", DEFAULTS.workload.canaries),
            promote: field(r.problems, key, obj, "promote", "boolean", DEFAULTS.workload.promote),
            autoRevert: field(r.problems, key, obj, "autoRevert", "boolean", DEFAULTS.workload.autoRevert),
            fault: obj.fault === undefined ? undefined : oneOfField<Fault>(r.problems, key, obj, "fault", FAULTS, "unhealthy"),
            split: parseSplit(r.problems, key, obj.split),
            tls: parseTls(r.problems, key, obj.tls),
        };
    });
}

/** A field that must be one of `allowed`. */
function oneOfField<T extends string>(problems: ConfigProblems, key: string, obj: Json, name: string,
    allowed: readonly T[], fallback: T): T {
    const value = field<string>(problems, key, obj, name, "string", fallback);
    if ((allowed as readonly string[]).includes(value)) {
        return value as T;
    }
    problems.add(`${key}.${name}`, value, `is not one of ${allowed.join(", ")}`,
        `pulumi config set --path 'netlab:${key}.${name}' ${fallback}`);
    return fallback;
}

/** A workload's TLS setting: an object with its server name. The name's form: validate.ts. */
function parseTls(problems: ConfigProblems, key: string, value: unknown): WorkloadTls | undefined {
    if (value === undefined) {
        return undefined;
    }
    const fix = `pulumi config set --path 'netlab:${key}.tls.sni' mysite-sni-1.com`;
    if (!isObject(value)) {
        problems.add(`${key}.tls`, show(value), "is not an object with the TLS server name, e.g. {\"sni\": \"mysite-sni-1.com\"}", fix);
        return undefined;
    }
    rejectUnknownFields(problems, `${key}.tls`, value, ["sni"]);
    if (typeof value.sni !== "string") {
        problems.add(`${key}.tls.sni`, show(value.sni), "is required: the TLS server name fabio routes the workload by", fix);
        return undefined;
    }
    return { sni: value.sni };
}

/** A workload's version split: an object of version -> whole percent. Cross-field rules: validate.ts. */
function parseSplit(problems: ConfigProblems, key: string, value: unknown): Record<string, number> | undefined {
    if (value === undefined) {
        return undefined;
    }
    if (!isObject(value) || !Object.values(value).every((w) => typeof w === "number")) {
        problems.add(`${key}.split`, show(value), "is not an object of version -> weight in percent",
            `pulumi config set --path 'netlab:${key}.split["v1.0.0"]' 80 (and the other version's weight)`);
        return undefined;
    }
    return value as Record<string, number>;
}

function parseSection(r: Reader, key: "weave" | "consul" | "nomad" | "kubernetes"): Json {
    const obj = r.json(key, isObject, "an object") ?? {};
    rejectUnknownFields(r.problems, key, obj, STRUCTURED_FIELDS[key]);
    return obj;
}

/**
 * Turns raw config into a LabConfig, filling defaults. Type errors are recorded in
 * `problems`; cross-field rules are checked by `validateLabConfig`.
 */
export function parseLabConfig(raw: RawConfig, problems: ConfigProblems, nthLabAddress: (i: number) => string): LabConfig {
    const r = new Reader(raw, problems);
    for (const key of Object.keys(raw)) {
        if (!(KNOWN_KEYS as readonly string[]).includes(key)) {
            problems.add(key, raw[key], `is not a netlab setting (known: ${KNOWN_KEYS.join(", ")})`,
                `pulumi config rm netlab:${key}`);
        }
    }
    const p = problems;
    const weave = parseSection(r, "weave");
    const consul = parseSection(r, "consul");
    const nomad = parseSection(r, "nomad");
    const kube = parseSection(r, "kubernetes");
    const ipallocRange = field(p, "weave", weave, "ipallocRange", "string", DEFAULTS.weave.ipallocRange);
    const mtuText = r.string("cniMtu", DEFAULTS.cniMtu);
    let cniMtu: "auto" | number = "auto";
    if (/^\d{1,5}$/.test(mtuText)) {
        cniMtu = Number(mtuText);
    } else if (mtuText !== "auto") {
        p.add("cniMtu", mtuText, "is neither 'auto' nor a whole number", "pulumi config set netlab:cniMtu auto");
    }
    return {
        scenario: r.oneOf("scenario", SCENARIOS, DEFAULTS.scenario),
        hostProvider: r.oneOf("hostProvider", HOST_PROVIDERS, DEFAULTS.hostProvider),
        labNetwork: r.string("labNetwork", DEFAULTS.labNetwork),
        privileged: r.boolean("privileged", DEFAULTS.privileged),
        artifactsDir: raw.artifactsDir,
        hosts: parseHosts(r, nthLabAddress),
        weave: {
            version: field(p, "weave", weave, "version", "string", DEFAULTS.weave.version),
            ipallocRange,
            defaultSubnet: field(p, "weave", weave, "defaultSubnet", "string", ipallocRange),
            subnets: field<string[]>(p, "weave", weave, "subnets", "string[]", []),
            mtu: field<number | undefined>(p, "weave", weave, "mtu", "number", undefined),
            encrypted: field(p, "weave", weave, "encrypted", "boolean", DEFAULTS.weave.encrypted),
        },
        consul: {
            version: field(p, "consul", consul, "version", "string", DEFAULTS.consul.version),
            datacenter: field(p, "consul", consul, "datacenter", "string", DEFAULTS.consul.datacenter),
        },
        nomad: { version: field(p, "nomad", nomad, "version", "string", DEFAULTS.nomad.version) },
        kubernetes: {
            version: field(p, "kubernetes", kube, "version", "string", DEFAULTS.kubernetes.version),
            podCidr: field(p, "kubernetes", kube, "podCidr", "string", DEFAULTS.kubernetes.podCidr),
            serviceCidr: field(p, "kubernetes", kube, "serviceCidr", "string", DEFAULTS.kubernetes.serviceCidr),
            cni: r.oneOf("cni", CNIS, DEFAULTS.cni),
            cniMtu,
            cniEncryption: r.boolean("cniEncryption", DEFAULTS.cniEncryption),
            mesh: r.oneOf("mesh", MESHES, DEFAULTS.mesh),
        },
        workloads: parseWorkloads(r),
        secrets: {
            sshPrivateKey: raw.sshPrivateKey,
            weavePassword: raw.weavePassword,
            consulGossipKey: raw.consulGossipKey,
        },
    };
}
