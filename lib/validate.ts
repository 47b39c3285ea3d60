/**
 * Cross-field rules for the lab's configuration. `buildLabConfig` is the one entry point:
 * raw `netlab:*` strings in, a checked LabConfig out, or a ConfigError naming every
 * problem, its key and its fix.
 */
import { sniCanaryName } from "./fabio";
import { Cidr, containsCidr, isHostAddress, nthAddress, overlaps, parseCidr, parseIPv4 } from "./cidr";
import { WEAVE_VERSION } from "./cni/weave";
import { DEFAULTS, LabConfig, RawConfig, SECRET_KEYS, WorkloadSpec } from "./config";
import { parseLabConfig, show } from "./config-parse";
import { ConfigProblems } from "./problems";
import { parseHostKey } from "./ssh";

/** The bridge Docker creates inside every host: lab ranges must stay clear of it. */
export const HOST_DOCKER_BRIDGE = "172.17.0.0/16";

/** CNIs that can encrypt pod traffic (calico and cilium where the hosts' kernel allows: cni-kernel-check.sh). */
export const CNIS_WITH_ENCRYPTION: readonly string[] = ["weave", "cilium", "calico"];

const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const TOOL_VERSION = /^\d+\.\d+\.\d+$/;
const WORKLOAD_VERSION = /^v\d+\.\d+\.\d+$/;
/** A TLS server name: a lower-case DNS name of two labels or more (fabio's routes are lower case). */
const SNI_NAME = /^(?=.{1,200}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;
const HOSTNAME = /^(?=.{1,253}$)[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$/;
export const MAX_HOSTS = 7;
export const MTU_RANGE = { min: 576, max: 9000 };

/** Parses a CIDR-valued key, recording a problem (with `fix`) when it is malformed. */
function cidrAt(p: ConfigProblems, key: string, text: string, fix: string): Cidr | undefined {
    const parsed = parseCidr(text);
    if (typeof parsed === "string") {
        p.add(key, text, parsed.replace(`'${text}' `, ""), fix);
        return undefined;
    }
    return parsed;
}

function checkUnique(p: ConfigProblems, values: { key: string; value: string }[], what: string): void {
    const seen = new Map<string, string>();
    for (const { key, value } of values) {
        const first = seen.get(value);
        if (first !== undefined) {
            p.add(key, value, `repeats ${first}: every ${what} must be unique`, `give ${key} another value`);
        } else {
            seen.set(value, key);
        }
    }
}

function checkHosts(cfg: LabConfig, p: ConfigProblems, lab: Cidr | undefined): void {
    const n = cfg.hosts.length;
    if (n % 2 === 0 || n > MAX_HOSTS) {
        p.add("hosts", `${n} hosts`, `the lab needs an odd number of hosts, 1 to ${MAX_HOSTS} (3 by default): ` +
            "Consul and Nomad servers run on every host and need a majority to elect a leader; " +
            "an even count adds no fault tolerance and can split the vote", "list 3 hosts in netlab:hosts, or remove it for u1, u2, u3");
    }
    cfg.hosts.forEach((h, i) => {
        const key = `hosts[${i}]`;
        if (!LABEL.test(h.name)) {
            p.add(`${key}.name`, h.name, "is not a valid host name (lower-case letters, digits and '-', at most 63)",
                `pulumi config set --path 'netlab:${key}.name' u${i + 1}`);
        }
        const addr = parseIPv4(h.labAddress);
        const suggestion = lab ? nthAddress(lab, DEFAULTS.firstHostOffset + i) : "192.168.56.3";
        if (addr === undefined) {
            p.add(`${key}.labAddress`, h.labAddress, "is not an IPv4 address",
                `pulumi config set --path 'netlab:${key}.labAddress' ${suggestion}`);
        } else if (lab && !isHostAddress(lab, addr)) {
            p.add(`${key}.labAddress`, h.labAddress, `is not a host address inside netlab:labNetwork ${lab.text}`,
                `pulumi config set --path 'netlab:${key}.labAddress' ${suggestion}`);
        } else if (lab && cfg.hostProvider === "docker" && h.labAddress === nthAddress(lab, 1)) {
            p.add(`${key}.labAddress`, h.labAddress, "is the Docker network's gateway",
                `pulumi config set --path 'netlab:${key}.labAddress' ${suggestion}`);
        }
        if (cfg.hostProvider === "ssh") {
            if (!HOSTNAME.test(h.address)) {
                p.add(`${key}.address`, h.address, "is not an IP address or DNS name",
                    `pulumi config set --path 'netlab:${key}.address' <address Pulumi can reach over SSH>`);
            }
            if (!Number.isInteger(h.port) || h.port < 1 || h.port > 65535) {
                p.add(`${key}.port`, String(h.port), "is not a TCP port (1-65535)", `pulumi config set --path 'netlab:${key}.port' 22`);
            }
            if (!/^[a-z_][a-z0-9_-]*$/.test(h.user)) {
                p.add(`${key}.user`, h.user, "is not a user name", `pulumi config set --path 'netlab:${key}.user' root`);
            }
            const scan = `ssh-keyscan -t ed25519 -p ${h.port} ${h.address}`;
            if (h.hostKey === undefined) {
                p.add(`${key}.hostKey`, undefined, "is required with hostProvider=ssh: every SSH connection checks the host's key",
                    `check the key on the host itself (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then ` +
                    `pulumi config set --path 'netlab:${key}.hostKey' "$(${scan} 2>/dev/null | cut -d' ' -f2-)"`);
            } else if (parseHostKey(h.hostKey) === undefined) {
                p.add(`${key}.hostKey`, h.hostKey, "is not an SSH public host key (type and base64, e.g. ssh-ed25519 AAAA…)",
                    `pulumi config set --path 'netlab:${key}.hostKey' "$(${scan} 2>/dev/null | cut -d' ' -f2-)"`);
            }
        } else if (h.hostKey !== undefined) {
            p.add(`${key}.hostKey`, h.hostKey, "is only used with hostProvider=ssh: docker hosts get a host key generated for each",
                `pulumi config rm --path 'netlab:${key}.hostKey'`);
        } else if (h.address !== h.labAddress || h.port !== DEFAULTS.sshPort || h.user !== DEFAULTS.sshUser) {
            p.add(key, JSON.stringify({ address: h.address, port: h.port, user: h.user }),
                "sets address/port/user, which only hostProvider=ssh uses (docker hosts publish SSH on loopback)",
                `pulumi config rm --path 'netlab:${key}.address' (and .port, .user), or pulumi config set netlab:hostProvider ssh`);
        }
    });
    checkUnique(p, cfg.hosts.map((h, i) => ({ key: `hosts[${i}].name`, value: h.name })), "host name");
    checkUnique(p, cfg.hosts.map((h, i) => ({ key: `hosts[${i}].labAddress`, value: h.labAddress })), "lab address");
}

function checkSshKey(cfg: LabConfig, p: ConfigProblems): void {
    const key = cfg.secrets.sshPrivateKey;
    if (cfg.hostProvider === "ssh") {
        if (key === undefined) {
            p.add("sshPrivateKey", undefined, "is required with hostProvider=ssh",
                "pulumi config set --secret netlab:sshPrivateKey < ~/.ssh/id_ed25519");
        } else if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) {
            p.add("sshPrivateKey", "[secret]", "does not look like a PEM/OpenSSH private key",
                "pulumi config set --secret netlab:sshPrivateKey < ~/.ssh/id_ed25519");
        }
    } else if (key !== undefined) {
        p.add("sshPrivateKey", "[secret]", "is only used with hostProvider=ssh: docker hosts get a generated lab key",
            "pulumi config rm netlab:sshPrivateKey");
    }
}

function checkWeave(cfg: LabConfig, p: ConfigProblems): Cidr | undefined {
    const w = cfg.weave;
    const range = cidrAt(p, "weave.ipallocRange", w.ipallocRange, "pulumi config set --path netlab:weave.ipallocRange 10.32.0.0/16");
    const subnets: { key: string; net: Cidr }[] = [];
    const inRange = (key: string, text: string): void => {
        const net = cidrAt(p, key, text, `pulumi config set --path 'netlab:${key}' <a CIDR inside netlab:weave.ipallocRange>`);
        if (net && range && !containsCidr(range, net)) {
            p.add(key, text, `is not inside netlab:weave.ipallocRange ${range.text}`,
                `pulumi config set --path 'netlab:${key}' <a subnet of ${range.text}>, or widen netlab:weave.ipallocRange`);
        } else if (net) {
            for (const other of subnets) {
                if (overlaps(other.net, net)) {
                    p.add(key, text, `overlaps netlab:${other.key} ${other.net.text}`, `choose a subnet of ${range?.text} that no other subnet uses`);
                }
            }
            subnets.push({ key, net });
        }
    };
    inRange("weave.defaultSubnet", w.defaultSubnet);
    if (!w.encrypted && cfg.secrets.weavePassword !== undefined) {
        p.add("weave.encrypted", "false", "turns the overlay's encryption off, yet netlab:weavePassword is set",
            "pulumi config rm netlab:weavePassword, or pulumi config rm --path netlab:weave.encrypted");
    }
    w.subnets.forEach((s, i) => inRange(`weave.subnets[${i}]`, s));
    if (w.mtu !== undefined && (!Number.isInteger(w.mtu) || w.mtu < MTU_RANGE.min || w.mtu > MTU_RANGE.max)) {
        p.add("weave.mtu", String(w.mtu), `is not an MTU between ${MTU_RANGE.min} and ${MTU_RANGE.max}`,
            "pulumi config rm --path netlab:weave.mtu (Weave picks one)");
    }
    return range;
}

function checkKubernetes(cfg: LabConfig, p: ConfigProblems): void {
    const k = cfg.kubernetes;
    if (typeof k.cniMtu === "number" && (k.cniMtu < MTU_RANGE.min || k.cniMtu > MTU_RANGE.max)) {
        p.add("cniMtu", String(k.cniMtu), `is not an MTU between ${MTU_RANGE.min} and ${MTU_RANGE.max}`, "pulumi config set netlab:cniMtu auto");
    }
    if (k.cniEncryption && !CNIS_WITH_ENCRYPTION.includes(k.cni)) {
        p.add("cniEncryption", "true", `is not supported by CNI '${k.cni}' in this lab (supported: ${CNIS_WITH_ENCRYPTION.join(", ")})`,
            `pulumi config set netlab:cniEncryption false, or pulumi config set netlab:cni ${CNIS_WITH_ENCRYPTION[0]}`);
    }
    if (k.mesh !== "none" && cfg.scenario !== "kubeadm") {
        p.add("mesh", k.mesh, `is a kubeadm setting; scenario ${cfg.scenario} has no Kubernetes to mesh`, "pulumi config rm netlab:mesh");
    }
    if (k.cniEncryption && k.cni === "weave" && cfg.secrets.weavePassword === undefined) {
        p.add("weavePassword", undefined, "is required when netlab:cniEncryption is true with the weave CNI",
            "pulumi config set --secret netlab:weavePassword <password>");
    }
}

/** Scenarios that put binaries on the hosts need them from a local artifacts directory (for now). */
function checkArtifacts(cfg: LabConfig, p: ConfigProblems): void {
    if (cfg.artifactsDir !== undefined && cfg.artifactsDir.trim() === "") {
        p.add("artifactsDir", cfg.artifactsDir, "is empty", "pulumi config set netlab:artifactsDir .toolchain/artifacts");
    }
    if (cfg.scenario === "weave-nomad" && cfg.artifactsDir === undefined) {
        p.add("artifactsDir", undefined, "is required by scenario weave-nomad: upstream downloads of Consul and Nomad are not implemented yet",
            "npm run toolchain, then pulumi config set netlab:artifactsDir .toolchain/artifacts");
    }
    if (cfg.scenario === "kubeadm" && cfg.artifactsDir === undefined) {
        p.add("artifactsDir", undefined, "is required by scenario kubeadm: the Kubernetes binaries and images come from the toolchain (no registry)",
            "npm run toolchain -- kube, then pulumi config set netlab:artifactsDir .toolchain/artifacts");
    }
}

function checkVersions(cfg: LabConfig, p: ConfigProblems): void {
    const versions: [string, string][] = [["weave.version", cfg.weave.version], ["consul.version", cfg.consul.version],
        ["nomad.version", cfg.nomad.version], ["kubernetes.version", cfg.kubernetes.version]];
    for (const [key, value] of versions) {
        if (!TOOL_VERSION.test(value)) {
            p.add(key, value, "is not a version of the form X.Y.Z (no leading v)", `pulumi config set --path 'netlab:${key}' X.Y.Z`);
        }
    }
    if (cfg.scenario === "weave-nomad" && TOOL_VERSION.test(cfg.weave.version) && cfg.weave.version !== WEAVE_VERSION) {
        p.add("weave.version", cfg.weave.version, `is not the Weave Net the toolchain builds (${WEAVE_VERSION}); its images are loaded from the toolchain, never pulled`,
            `pulumi config rm --path netlab:weave.version (or set ${WEAVE_VERSION})`);
    }
    if (!LABEL.test(cfg.consul.datacenter)) {
        p.add("consul.datacenter", cfg.consul.datacenter, "is not a valid datacenter name (lower-case letters, digits, '-')",
            "pulumi config set --path netlab:consul.datacenter dc1");
    }
}

/** Lab ranges must not overlap each other, nor the Docker bridge inside the hosts. */
function checkOverlaps(p: ConfigProblems, ranges: { key: string; net: Cidr | undefined }[]): void {
    const known = ranges.filter((r): r is { key: string; net: Cidr } => r.net !== undefined);
    known.forEach((a, i) => {
        for (const b of known.slice(i + 1)) {
            if (overlaps(a.net, b.net)) {
                const bName = b.key === "(docker bridge)" ? `the Docker bridge inside the hosts (${b.net.text})` : `netlab:${b.key} ${b.net.text}`;
                p.add(a.key, a.net.text, `overlaps ${bName}`, `choose a range for netlab:${a.key} that overlaps no other lab range`);
            }
        }
    });
}

function checkWorkloads(cfg: LabConfig, p: ConfigProblems, weaveRange: Cidr | undefined): void {
    const hostNames = cfg.hosts.map((h) => h.name);
    const weaveSubnets = [cfg.weave.defaultSubnet, ...cfg.weave.subnets];
    cfg.workloads.forEach((w, i) => {
        const key = `workloads[${i}]`;
        if (!LABEL.test(w.name)) {
            p.add(`${key}.name`, w.name, "is not a valid service name (lower-case letters, digits and '-')",
                `pulumi config set --path 'netlab:${key}.name' httpbackend`);
        }
        if (!WORKLOAD_VERSION.test(w.version)) {
            p.add(`${key}.version`, w.version, "is not a version of the form vX.Y.Z", `pulumi config set --path 'netlab:${key}.version' v1.0.0`);
        }
        if (!Number.isInteger(w.count) || w.count < 1 || w.count > 20) {
            p.add(`${key}.count`, String(w.count), "is not a whole number from 1 to 20", `pulumi config set --path 'netlab:${key}.count' 3`);
        }
        if (w.subnet !== undefined && !weaveSubnets.includes(w.subnet)) {
            p.add(`${key}.subnet`, w.subnet, `is not netlab:weave.defaultSubnet nor one of netlab:weave.subnets (${weaveSubnets.join(", ")})`,
                `add it to netlab:weave.subnets (inside ${weaveRange?.text ?? "netlab:weave.ipallocRange"}), or pick one of those`);
        }
        const room = w.placement.length > 0 ? w.placement.length : cfg.hosts.length;
        if (cfg.scenario === "weave-nomad" && w.count > room) {
            p.add(`${key}.count`, String(w.count), `exceeds the ${room} host(s) it may use: the job spreads its instances one per host (the checks reach every instance across hosts)`,
                `pulumi config set --path 'netlab:${key}.count' ${room}`);
        }
        checkRollout(cfg, p, key, w);
        w.placement.forEach((h, j) => {
            if (!hostNames.includes(h)) {
                p.add(`${key}.placement[${j}]`, h, `is not a lab host (hosts: ${hostNames.join(", ")})`,
                    `pulumi config set --path 'netlab:${key}.placement[${j}]' ${hostNames[0]}`);
            }
        });
    });
    checkUnique(p, cfg.workloads.map((w, i) => ({ key: `workloads[${i}].name`, value: w.name })), "workload name");
    checkTls(cfg, p);
}

/** weave-nomad's HTTPS workloads: a server name fabio can route, one workload per name (an isolated canary's too). */
function checkTls(cfg: LabConfig, p: ConfigProblems): void {
    const names: { key: string; value: string }[] = [];
    cfg.workloads.forEach((w, i) => {
        if (w.tls === undefined) {
            return;
        }
        const key = `workloads[${i}].tls.sni`;
        if (!SNI_NAME.test(w.tls.sni) || w.tls.sni.endsWith(".consul")) {
            p.add(key, w.tls.sni, "is not a lower-case DNS name of two labels or more outside .consul (fabio routes TLS by it; the lab's hosts resolve it to their own fabio)",
                `pulumi config set --path 'netlab:${key}' mysite-sni-1.com`);
            return;
        }
        names.push({ key, value: w.tls.sni });
        // Every HTTPS workload's certificate also carries its isolated canaries' name, whatever its strategy now.
        names.push({ key: `${key} (its isolated canaries' canary.${w.tls.sni})`, value: sniCanaryName(w.tls.sni) });
    });
    checkUnique(p, names, "TLS server name");
}

/** Weights of a workload's split, in whole percent, summing to 100. */
export const SPLIT_TOTAL = 100;

/** The upgrade settings of one workload (seed 001): Nomad's update stanza and fabio's weights, or the Deployment's rollout and the mesh's weights. */
function checkRollout(cfg: LabConfig, p: ConfigProblems, key: string, w: WorkloadSpec): void {
    const weaveOnly: [string, boolean][] = [["strategy", w.strategy !== DEFAULTS.workload.strategy], ["promote", w.promote],
        ["fault", w.fault !== undefined], ["tls", w.tls !== undefined]];
    const kubeOnly: [string, boolean][] = [["maxSurge", w.maxSurge !== DEFAULTS.workload.maxSurge],
        ["maxUnavailable", w.maxUnavailable !== DEFAULTS.workload.maxUnavailable]];
    const refuse = (settings: [string, boolean][], what: string): void => {
        for (const [name] of settings.filter(([, isSet]) => isSet)) {
            p.add(`${key}.${name}`, "set", `is a ${what}; scenario ${cfg.scenario} does not use it`, `pulumi config rm --path 'netlab:${key}.${name}'`);
        }
    };
    if (cfg.scenario === "kubeadm") {
        refuse(weaveOnly, "weave-nomad setting (Nomad's deployments behind fabio)");
        checkKubeRollout(cfg, p, key, w);
    } else if (cfg.scenario === "weave-nomad") {
        refuse(kubeOnly, "kubeadm setting (the Deployment's rolling update)");
        checkNomadRollout(p, key, w);
    } else {
        refuse([...weaveOnly, ...kubeOnly, ["split", w.split !== undefined]], "workload setting");
        return;
    }
    checkSplit(p, key, w);
}

/** weave-nomad: Nomad's update stanza. */
function checkNomadRollout(p: ConfigProblems, key: string, w: WorkloadSpec): void {
    if (!Number.isInteger(w.maxParallel) || w.maxParallel < 1 || w.maxParallel > w.count) {
        p.add(`${key}.maxParallel`, String(w.maxParallel), `is not a whole number from 1 to the workload's count (${w.count})`,
            `pulumi config set --path 'netlab:${key}.maxParallel' 1`);
    }
    if (w.strategy.startsWith("canary") && (!Number.isInteger(w.canaries) || w.canaries < 1 || w.canaries > w.count)) {
        p.add(`${key}.canaries`, String(w.canaries), `is not a whole number from 1 to the workload's count (${w.count})`,
            `pulumi config set --path 'netlab:${key}.canaries' 1`);
    }
    if (w.split !== undefined && w.strategy !== "rolling") {
        p.add(`${key}.split`, show(w.split), `cannot be combined with strategy ${w.strategy}: each version of a split is its own group, updated in place`,
            `pulumi config set --path 'netlab:${key}.strategy' rolling, or pulumi config rm --path 'netlab:${key}.split'`);
    }
}

/** kubeadm: the Deployment's rolling update; a split needs the mesh, which routes by weight. */
function checkKubeRollout(cfg: LabConfig, p: ConfigProblems, key: string, w: WorkloadSpec): void {
    for (const name of ["maxSurge", "maxUnavailable"] as const) {
        if (!Number.isInteger(w[name]) || w[name] < 0 || w[name] > w.count) {
            p.add(`${key}.${name}`, String(w[name]), `is not a whole number from 0 to the workload's count (${w.count})`,
                `pulumi config set --path 'netlab:${key}.${name}' ${DEFAULTS.workload[name]}`);
        }
    }
    if (w.maxSurge === 0 && w.maxUnavailable === 0) {
        p.add(`${key}.maxSurge`, "0", "and maxUnavailable are both 0: a rolling update could never replace a pod",
            `pulumi config set --path 'netlab:${key}.maxSurge' 1 (zero downtime: maxSurge 1, maxUnavailable 0)`);
    }
    if (w.split !== undefined && cfg.kubernetes.mesh === "none") {
        p.add(`${key}.split`, show(w.split), "needs a service mesh on kubeadm: the mesh's proxies split the Service's traffic by the HTTPRoute's weights",
            `pulumi config set netlab:mesh linkerd, or pulumi config rm --path 'netlab:${key}.split'`);
    }
}

/** A split: one or two versions of the form vX.Y.Z including `version`, weights summing to 100. */
function checkSplit(p: ConfigProblems, key: string, w: WorkloadSpec): void {
    if (w.split === undefined) {
        return;
    }
    const versions = Object.keys(w.split);
    const weights = Object.values(w.split);
    if (versions.length < 1 || versions.length > 2) {
        p.add(`${key}.split`, show(w.split), `has ${versions.length} versions; a split runs one or two`,
            `pulumi config set --path 'netlab:${key}.split' with {"${w.version}": 80, "<other version>": 20}`);
    }
    versions.filter((v) => !WORKLOAD_VERSION.test(v)).forEach((v) => p.add(`${key}.split`, v, "is not a version of the form vX.Y.Z",
        `name the versions of netlab:${key}.split like v1.1.0`));
    if (!versions.includes(w.version)) {
        p.add(`${key}.split`, show(w.split), `does not include the workload's version ${w.version} (it keeps the workload's first group)`,
            `add "${w.version}" to netlab:${key}.split, or set netlab:${key}.version to one of ${versions.join(", ")}`);
    }
    const total = weights.reduce((a, b) => a + b, 0);
    if (!weights.every((x) => Number.isInteger(x) && x >= 0 && x <= SPLIT_TOTAL) || total !== SPLIT_TOTAL) {
        p.add(`${key}.split`, show(w.split), `weights must be whole percents that sum to ${SPLIT_TOTAL} (they sum to ${total})`,
            `e.g. pulumi config set --path 'netlab:${key}.split["${w.version}"]' 80`);
    }
}

/** Secret keys must have been set with --secret, so that they are encrypted in the stack file. */
export function checkSecretsAreSecret(raw: RawConfig, isSecret: (key: string) => boolean, p: ConfigProblems): void {
    for (const key of SECRET_KEYS) {
        if (raw[key] !== undefined && !isSecret(key)) {
            p.add(key, "[hidden]", "is stored in plain text", `pulumi config set --secret netlab:${key} <value> (then rotate it: it was visible)`);
        }
    }
}

/**
 * Parses and checks the whole configuration. Throws a ConfigError listing every problem.
 * @param raw the `netlab:*` settings without their prefix, as Pulumi holds them (objects as JSON).
 * @param isSecret tells whether a key was set with `--secret`.
 */
export function buildLabConfig(raw: RawConfig, isSecret: (key: string) => boolean): LabConfig {
    const p = new ConfigProblems();
    const labText = raw.labNetwork ?? DEFAULTS.labNetwork;
    const lab = cidrAt(p, "labNetwork", labText, `pulumi config set netlab:labNetwork ${DEFAULTS.labNetwork}`);
    if (lab && lab.prefix > 28) {
        p.add("labNetwork", labText, "is too small for the hosts and the gateway (at most /28)",
            `pulumi config set netlab:labNetwork ${DEFAULTS.labNetwork}`);
    }
    const fallbackLab = parseCidr(DEFAULTS.labNetwork) as Cidr;
    const usable = lab && lab.prefix <= 28 ? lab : fallbackLab;
    const cfg = parseLabConfig(raw, p, (i) => nthAddress(usable, DEFAULTS.firstHostOffset + i));
    checkSecretsAreSecret(raw, isSecret, p);
    // A lab network already reported as too small is not used to judge the host addresses.
    checkHosts(cfg, p, lab && lab.prefix <= 28 ? lab : undefined);
    checkSshKey(cfg, p);
    const weaveRange = checkWeave(cfg, p);
    checkKubernetes(cfg, p);
    checkVersions(cfg, p);
    checkArtifacts(cfg, p);
    const k = cfg.kubernetes;
    checkOverlaps(p, [
        { key: "labNetwork", net: lab },
        { key: "weave.ipallocRange", net: weaveRange },
        { key: "kubernetes.podCidr", net: cidrAt(p, "kubernetes.podCidr", k.podCidr, `pulumi config set --path netlab:kubernetes.podCidr ${DEFAULTS.kubernetes.podCidr}`) },
        { key: "kubernetes.serviceCidr", net: cidrAt(p, "kubernetes.serviceCidr", k.serviceCidr, `pulumi config set --path netlab:kubernetes.serviceCidr ${DEFAULTS.kubernetes.serviceCidr}`) },
        { key: "(docker bridge)", net: parseCidr(HOST_DOCKER_BRIDGE) as Cidr },
    ]);
    checkWorkloads(cfg, p, weaveRange);
    p.throwIfAny();
    return cfg;
}
