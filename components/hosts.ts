/**
 * LabHosts: the lab's machines behind one interface (name, lab address, SSH connection,
 * readiness gate), from one of two providers:
 *  - docker: containers that behave like VMs (systemd + sshd + dockerd inside) on a
 *    user-defined Docker network, SSH published on loopback, one generated lab key;
 *  - ssh: existing machines reached with a configured key.
 * Every later step runs over SSH and depends on the host's `ready` gate.
 */
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { parseCidr, Cidr, nthAddress } from "../lib/cidr";
import { HostProvider, HostSpec } from "../lib/config";
import { parseHostKey } from "../lib/ssh";
import { privilegeFlags } from "../lib/docker-flags";
import { hashDirectory, renderHostScript, REPO_ROOT, splitKeyPair } from "../lib/scripts";
import * as fs from "fs";
import { hostCommand, HostCommand, HostTarget } from "./host-command";

type Connection = command.types.input.remote.ConnectionArgs;

/** One lab host as every later component sees it; run steps on it with hostCommand. */
export interface LabHost extends HostTarget {
    /** Address on the lab network, e.g. 192.168.56.3. */
    labAddress: string;
    /** Where SSH answers (not secret): what a person types after `ssh`. */
    endpoint: pulumi.Output<SshEndpoint>;
    /** For each port in `publish`: the host:port where the machine running Pulumi reaches it. */
    published: pulumi.Output<Record<string, string>>;
    /** The readiness gate: depend on it before running anything on the host. */
    ready: HostCommand;
    /** The host's SSH host key (`ssh-ed25519 AAAA…`): generated (docker) or pinned in config (ssh); every SSH connection checks it. */
    hostKey: pulumi.Output<string>;
}

export interface SshEndpoint {
    host: string;
    port: number;
    user: string;
}

export interface LabHostsArgs {
    /** Where the hosts come from. Default: docker. */
    provider?: HostProvider;
    /** The hosts: names and lab addresses (ssh mode: also address, port, user). */
    hosts: HostSpec[];
    /** The lab network's CIDR; docker mode creates a Docker network with it. Default: 192.168.56.0/24. */
    labNetwork?: string;
    /** docker mode: run the host containers --privileged instead of the capability-based form. Default: false. */
    privileged?: boolean;
    /** ssh mode: the private key for every host. Required there; docker mode generates one. */
    sshPrivateKey?: pulumi.Input<string>;
    /** docker mode: a prefix for Docker object names, unique per stack. Default: the component name. */
    namePrefix?: string;
    /** docker mode: the local base image the node image builds FROM. Default: netlab/debian:bookworm. */
    baseImage?: string;
    /** Host ports to make reachable from the machine running Pulumi (docker mode: published on 127.0.0.1). */
    publish?: number[];
    /** Seconds the readiness gate waits for systemd and Docker. Default: 180. */
    readyTimeout?: number;
}

/** The container settings that make a host behave like a VM: plain values, a subset of docker.ContainerArgs. */
export interface VmContainerSettings {
    privileged: boolean;
    capabilities?: { adds: string[]; drops: string[] };
    securityOpts?: string[];
    devices?: { hostPath: string; containerPath: string; permissions: string }[];
    tmpfs: Record<string, string>;
    cgroupnsMode: string;
    volumes: { hostPath?: string; containerPath: string; readOnly?: boolean }[];
    stopSignal: string;
}

/** The settings for --privileged hosts, or the capability-based form that works where it is refused (docs/hosts-and-ssh-mode.md). */
export function vmContainerSettings(privileged: boolean): VmContainerSettings {
    const common = {
        tmpfs: { "/run": "rw", "/run/lock": "rw" },
        cgroupnsMode: "host",
        volumes: [
            { hostPath: "/sys/fs/cgroup", containerPath: "/sys/fs/cgroup", readOnly: false },
            // An anonymous volume: overlay2 cannot nest on the container's own overlay root.
            { containerPath: "/var/lib/docker" },
            // The same for containerd's own snapshots (the kubeadm scenario's CRI runtime).
            { containerPath: "/var/lib/containerd" },
        ],
        stopSignal: "SIGRTMIN+3",
    };
    if (privileged) {
        return { ...common, privileged: true };
    }
    return {
        ...common,
        privileged: false,
        capabilities: { adds: ["ALL"], drops: ["SYS_RESOURCE"] },
        securityOpts: ["seccomp=unconfined", "apparmor=unconfined", "systempaths=unconfined"],
        // Docker's default device rules cover what systemd, dockerd and nested containers use;
        // the kubelet also reads the kernel log.
        devices: [{ hostPath: "/dev/kmsg", containerPath: "/dev/kmsg", permissions: "rwm" }],
    };
}

/** Gathers one command's trimmed stdout per host into `{ hostName: stdout }` (for outputs that print per host). */
export function stdoutByHost(hosts: { name: string }[], outputs: pulumi.Output<string>[]): pulumi.Output<Record<string, string>> {
    return pulumi.all(outputs).apply((outs) => Object.fromEntries(hosts.map((h, i) => [h.name, outs[i].trim()])));
}

export const BASE_IMAGE = "netlab/debian:bookworm";
/** Where a docker host's SSH host key goes (sshd's default; the image's first-boot keygen keeps it). */
export const HOST_KEY_FILE = "/etc/ssh/ssh_host_ed25519_key";
export const NODE_IMAGE_DIR = "images/node";

export class LabHosts extends pulumi.ComponentResource {
    /** The hosts, in config order. */
    public readonly hosts: LabHost[];
    /** The private key that reaches every host (secret). */
    public readonly privateKey: pulumi.Output<string>;
    /** The matching public key (docker mode: generated; ssh mode: empty). */
    public readonly publicKey: pulumi.Output<string>;
    /** What each host's readiness gate printed, by host name. */
    public readonly readiness: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: LabHostsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("netlab:hosts:LabHosts", name, {}, opts);
        const provider = args.provider ?? "docker";
        const timeout = args.readyTimeout ?? 180;
        let endpoints: pulumi.Output<SshEndpoint>[];
        let published: pulumi.Output<Record<string, string>>[];
        let containers: { name: string; id: pulumi.Output<string> }[] | undefined;
        let hostKeys: pulumi.Output<string>[];
        const publish = args.publish ?? [];
        if (provider === "docker") {
            const built = this.dockerHosts(name, args);
            endpoints = built.ports.map((ports) => ports.apply((p) => ({ host: "127.0.0.1", port: p[22], user: "root" })));
            published = built.ports.map((ports) => ports.apply((p) =>
                Object.fromEntries(publish.map((port) => [String(port), `127.0.0.1:${p[port]}`]))));
            this.privateKey = built.privateKey;
            this.publicKey = built.publicKey;
            containers = built.containers;
            hostKeys = built.hostKeys;
        } else {
            if (args.sshPrivateKey === undefined) {
                throw new Error("LabHosts: ssh mode needs sshPrivateKey (netlab:sshPrivateKey)");
            }
            this.privateKey = pulumi.secret(args.sshPrivateKey);
            this.publicKey = pulumi.output("");
            endpoints = args.hosts.map((h) => pulumi.output({ host: h.address, port: h.port, user: h.user }));
            published = args.hosts.map((h) => pulumi.output(Object.fromEntries(publish.map((port) => [String(port), `${h.address}:${port}`]))));
            hostKeys = args.hosts.map((h) => {
                const key = h.hostKey === undefined ? undefined : parseHostKey(h.hostKey);
                if (key === undefined) {
                    throw new Error(`LabHosts: ssh host ${h.name} needs its host key (netlab:hosts[].hostKey)`);
                }
                return pulumi.output(key);
            });
        }
        // Docker hosts boot in seconds but sshd may lag; remote machines get fewer, longer tries.
        const retries = provider === "docker" ? { dialErrorLimit: 30, perDialTimeout: 5 } : { dialErrorLimit: 10, perDialTimeout: 10 };
        const connections = endpoints.map((e, i) => pulumi.secret(pulumi.all([e, this.privateKey, hostKeys[i]]).apply(([ep, key, hostKey]) =>
            ({ ...ep, privateKey: key, hostKey, ...retries }))) as pulumi.Output<Connection>);
        this.hosts = args.hosts.map((h, i) => {
            const target: HostTarget = { name: h.name, connection: connections[i], container: containers?.[i].name, generation: containers?.[i].id };
            return {
                ...target,
                labAddress: h.labAddress,
                endpoint: endpoints[i],
                published: published[i],
                hostKey: hostKeys[i],
                ready: hostCommand(`${name}-${h.name}-ready`, target, {
                    create: "bash -s",
                    stdin: renderHostScript("host-scripts/wait-ready.sh", {
                        NETLAB_HOST: h.name, NETLAB_TIMEOUT: timeout, NETLAB_NEED_DOCKER: true,
                    }),
                }, { parent: this }),
            };
        });
        this.readiness = stdoutByHost(this.hosts, this.hosts.map((h) => h.ready.stdout));
        this.registerOutputs({ privateKey: this.privateKey, publicKey: this.publicKey, readiness: this.readiness });
    }

    /**
     * docker mode: key, images, network and one VM-like container per host, each with its
     * published ports pinned (internal -> port on loopback), picked once per stack.
     */
    private dockerHosts(name: string, args: LabHostsArgs): {
        ports: pulumi.Output<Record<number, number>>[]; privateKey: pulumi.Output<string>; publicKey: pulumi.Output<string>;
        containers: { name: string; id: pulumi.Output<string> }[]; hostKeys: pulumi.Output<string>[];
    } {
        const prefix = args.namePrefix ?? name;
        const labels = [{ label: "netlab.lab", value: prefix }];
        const lab = parseCidr(args.labNetwork ?? "192.168.56.0/24") as Cidr;

        const keygen = new command.local.Command(`${name}-ssh-key`, {
            create: `bash -s -- ${prefix}`,
            stdin: fs.readFileSync(path.join(REPO_ROOT, "local-scripts/lab-keygen.sh"), "utf8"),
            logging: "stderr",
        // Made once per stack: a later edit of the script must not make a new key (and new hosts).
        }, { parent: this, additionalSecretOutputs: ["stdout"], ignoreChanges: ["create", "stdin"] });
        const keys = keygen.stdout.apply(splitKeyPair);
        const privateKey = pulumi.secret(keys.privateKey);
        const publicKey = pulumi.unsecret(keys.publicKey);

        const wanted = [22, ...(args.publish ?? [])];
        const count = wanted.length * args.hosts.length;
        // Pinned host ports: Docker gives a restarted container new ones for unpinned ports.
        const allocation = new command.local.Command(`${name}-ports`, {
            create: `bash -s -- ${count} ${prefix}`,
            stdin: fs.readFileSync(path.join(REPO_ROOT, "local-scripts/lab-ports.sh"), "utf8"),
            triggers: [count],
        // Picked once per stack (again only when the count changes), like the key.
        }, { parent: this, ignoreChanges: ["create", "stdin"] });
        const ports = args.hosts.map((_, i) => allocation.stdout.apply((out) => assignPorts(out, wanted, i)));

        const baseImage = args.baseImage ?? BASE_IMAGE;
        // Builds the debootstrap base image once; it is a cache shared by stacks, kept on destroy.
        const base = new command.local.Command(`${name}-base-image`, {
            create: "bash -s",
            stdin: fs.readFileSync(path.join(REPO_ROOT, "images/base/build-base-image.sh"), "utf8"),
            environment: { NETLAB_BASE_IMAGE: baseImage },
        }, { parent: this });
        const contextDir = path.join(REPO_ROOT, NODE_IMAGE_DIR);
        const image = new docker.RemoteImage(`${name}-node-image`, {
            name: `netlab/node:${prefix}`,
            build: {
                context: path.relative(process.cwd(), contextDir) || ".",
                buildArgs: { BASE_IMAGE: baseImage },
                label: { "netlab.lab": prefix },
            },
            keepLocally: false,
            triggers: { context: hashDirectory(contextDir) },
        }, { parent: this, dependsOn: [base] });
        const network = new docker.Network(`${name}-network`, {
            name: `${prefix}-lab`,
            ipamConfigs: [{ subnet: lab.text, gateway: nthAddress(lab, 1) }],
            labels,
        }, { parent: this });

        // Each host's SSH host key, made here once per host (like the lab key) and put into the
        // container, so that the key every SSH client checks is known before the host boots.
        const hostKeyPairs = args.hosts.map((h) => new command.local.Command(`${name}-${h.name}-host-ssh-key`, {
            create: `bash -s -- ${prefix}-${h.name}`,
            stdin: fs.readFileSync(path.join(REPO_ROOT, "local-scripts/lab-keygen.sh"), "utf8"),
            logging: "stderr",
        }, { parent: this, additionalSecretOutputs: ["stdout"], ignoreChanges: ["create", "stdin"] }).stdout.apply(splitKeyPair));
        const hostKeys = hostKeyPairs.map((k) => pulumi.unsecret(k.apply((pair) => parseHostKey(pair.publicKey) ?? "")));

        const containers = args.hosts.map((h, i) => {
            const containerName = `${prefix}-${h.name}`;
            const container = new docker.Container(`${name}-${h.name}`, {
                name: containerName,
                hostname: h.name,
                image: image.imageId,
                networksAdvanced: [{ name: network.name, ipv4Address: h.labAddress }],
                ports: ports[i].apply((p) => wanted.map((internal) => ({ internal, external: p[internal], ip: "127.0.0.1" }))),
                ...vmContainerSettings(args.privileged ?? false),
                uploads: [
                    { file: "/root/.ssh/authorized_keys", content: publicKey.apply((k) => `${k}\n`), permissions: "0600" },
                    { file: HOST_KEY_FILE, content: pulumi.secret(hostKeyPairs[i].apply((k) => k.privateKey)), permissions: "0600" },
                    { file: `${HOST_KEY_FILE}.pub`, content: hostKeyPairs[i].apply((k) => `${k.publicKey}\n`), permissions: "0644" },
                ],
                labels,
                removeVolumes: true,
                mustRun: true,
                destroyGraceSeconds: 20,
            }, {
                parent: this,
                // Docker reports these back in another form than they were given (ALL expanded,
                // systempaths turned into masked paths), which a refresh would take for drift and
                // replace every host; both follow `privileged`, whose change replaces the host anyway.
                ignoreChanges: ["capabilities", "securityOpts"],
            });
            return { name: containerName, id: container.id };
        });
        return { ports, privateKey, publicKey, containers, hostKeys };
    }
}

/** Host `index`'s share of what local-scripts/lab-ports.sh printed: internal port -> published port. */
export function assignPorts(allocated: string, wanted: number[], index: number): Record<number, number> {
    const all = allocated.trim().split(/\s+/).map(Number);
    const mine = all.slice(index * wanted.length, (index + 1) * wanted.length);
    if (mine.length !== wanted.length || mine.some((p) => !Number.isInteger(p) || p <= 0)) {
        throw new Error(`lab-ports.sh printed '${allocated.trim()}': not enough ports for host #${index + 1} (${wanted.length} each)`);
    }
    return Object.fromEntries(wanted.map((internal, j) => [internal, mine[j]]));
}

/**
 * The `docker run` flags equivalent to vmContainerSettings, so that the same settings can be
 * tried with the plain Docker CLI where Pulumi cannot run (commands/host-run-flags.ts prints them).
 */
export function dockerRunFlags(privileged: boolean): string[] {
    const s = vmContainerSettings(privileged);
    const flags = privilegeFlags(s);
    s.devices?.forEach((d) => flags.push("--device", `${d.hostPath}:${d.containerPath}:${d.permissions}`));
    Object.keys(s.tmpfs).forEach((t) => flags.push("--tmpfs", t));
    for (const v of s.volumes) {
        flags.push("-v", v.hostPath ? `${v.hostPath}:${v.containerPath}:${v.readOnly ? "ro" : "rw"}` : v.containerPath);
    }
    flags.push(`--cgroupns=${s.cgroupnsMode}`, "--stop-signal", s.stopSignal);
    return flags;
}
