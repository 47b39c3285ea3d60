/**
 * Raw `netlab:*` config strings read into a typed LabConfig (lib/config.ts has the types and
 * defaults), every problem recorded with its key and fix instead of stopping at the first.
 * Cross-field rules: validate.ts.
 */
import {
    CNIS, DEFAULTS, Fault, FAULTS, HOST_PROVIDERS, HostSpec, KNOWN_KEYS, LabConfig, MESHES, RawConfig, SCENARIOS, STRATEGIES, STRUCTURED_FIELDS, WorkloadSpec, WorkloadTls,
} from "./config";
import { ConfigProblems } from "./problems";

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
