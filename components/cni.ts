/**
 * Cni: the cluster's pod network, chosen by `netlab:cni` and swappable in place. Per host, a
 * step imports the CNI's image and reports the lab interface (the pod MTU is derived from
 * it); on the control plane, a step applies the CNI's objects and waits for every node to be
 * Ready. A changed CNI replaces both, delete first: each host stops the old CNI's agent for
 * good (its image removed, its containers killed) and is cleaned of what it left
 * (interfaces, /etc/cni/net.d, iptables chains, ipsets, routes, IPAM state), the old CNI's
 * objects are deleted, then the new one is applied and the pods holding old addresses are
 * restarted. The cluster itself is not rebuilt.
 */
import * as pulumi from "@pulumi/pulumi";
import { hostCommand, HostCommand } from "./host-command";
import { CNI_TRAITS, cniManifestJson, cniMtuFor } from "../lib/cni";
import { Cni } from "../lib/config";
import { IMAGE_REPOSITORY } from "../lib/kubeadm";
import { renderHostScript, shellQuote } from "../lib/scripts";
import { HostArtifacts } from "./artifacts";
import { HOST_IMAGE_DIR, KUBE_TOOLCHAIN_COMMAND } from "./kubeadm";
import { LabHost, stdoutByHost } from "./hosts";

/** The image of each CNI that netlab builds (scripts/toolchain.sh kube-images), by CNI. */
export const CNI_IMAGES: Partial<Record<Cni, string>> = {
    "flannel": `${IMAGE_REPOSITORY}/flannel:v0.28.10`,
    "kube-router": `${IMAGE_REPOSITORY}/kube-router:v1.6.1`,
};

export interface CniArgs {
    /** The cluster's hosts; the first is the control plane. */
    hosts: LabHost[];
    /** The private key that reaches the hosts (secret). */
    privateKey: pulumi.Input<string>;
    /** The local directory with the toolchain's artifacts (netlab:artifactsDir). */
    artifactsDir: string;
    /** Which CNI. */
    cni: Cni;
    /** "auto" (the lab interface's MTU minus the CNI's encapsulation) or a number. */
    mtu: "auto" | number;
    /** The cluster's pod CIDR. */
    podCidr: string;
    /** The cluster (its join steps): the CNI goes on once every node has joined. */
    dependsOn: pulumi.Resource[];
    /** The cluster's identity: a new cluster gets the CNI applied again. */
    clusterId: pulumi.Input<string>;
}

/** What host-scripts/cni-host.sh printed: the lab interface and its MTU. */
export function parseLabInterface(stdout: string): { iface: string; mtu: number } {
    const m = /^iface=(\S+) mtu=(\d+)$/m.exec(stdout);
    if (!m) {
        throw new Error(`cni-host.sh printed no 'iface=<name> mtu=<n>' line: ${stdout.trim()}`);
    }
    return { iface: m[1], mtu: Number(m[2]) };
}

export class CniNetwork extends pulumi.ComponentResource {
    /** The pod MTU in use. */
    public readonly mtu: pulumi.Output<number>;
    /** What the apply step printed: the CNI, Ready nodes, pods restarted. */
    public readonly status: pulumi.Output<string>;
    /** Per host: the lab interface and its MTU. */
    public readonly interfaces: pulumi.Output<Record<string, string>>;
    /** The apply step: what workloads depend on. */
    public readonly applied: HostCommand;

    constructor(name: string, args: CniArgs, opts?: pulumi.ComponentResourceOptions) {
        super("netlab:kubernetes:Cni", name, {}, opts);
        const image = CNI_IMAGES[args.cni];
        if (image === undefined || !CNI_TRAITS[args.cni].builtHere) {
            throw new pulumi.RunError(`netlab:cni = '${args.cni}': its images cannot be built on this machine yet. ` +
                `Fix: pulumi config set netlab:cni ${Object.keys(CNI_IMAGES).join(" (or ")})`);
        }
        const tar = `images/${args.cni}.tar`;
        const files = new HostArtifacts(`${name}-image`, {
            hosts: args.hosts, privateKey: args.privateKey, artifactsDir: args.artifactsDir,
            files: [{ name: tar, dest: `${HOST_IMAGE_DIR}/${args.cni}.tar`, mode: "0644" }],
            buildCommand: KUBE_TOOLCHAIN_COMMAND,
        }, { parent: this, dependsOn: args.dependsOn });

        const hostSteps = args.hosts.map((h) => hostCommand(`${name}-host-${h.name}`, h, {
            create: "bash -s",
            stdin: renderHostScript("host-scripts/cni-host.sh", {
                NETLAB_ADDRESS: h.labAddress, NETLAB_IMAGE_TAR: `${HOST_IMAGE_DIR}/${args.cni}.tar`, NETLAB_IMAGE: image,
            }),
            delete: `bash -c ${shellQuote(renderHostScript("host-scripts/cni-host-clean.sh", {
                NETLAB_CNI: args.cni, NETLAB_POD_CIDR: args.podCidr, NETLAB_IMAGE: image,
            }))}`,
            // Another CNI, or a new cluster (new pod subnets per node): this host is cleaned of
            // what the old one left before the CNI is applied again.
            triggers: [args.cni, args.clusterId],
        }, { parent: this, dependsOn: [files, ...args.dependsOn], deleteBeforeReplace: true }));
        this.interfaces = stdoutByHost(args.hosts, hostSteps.map((s) => s.stdout));

        const control = hostSteps[0].stdout.apply(parseLabInterface);
        this.mtu = control.apply((c) => cniMtuFor(args.cni, args.mtu, c.mtu));
        const manifest = pulumi.all([control, this.mtu]).apply(([c, mtu]) => cniManifestJson(args.cni, {
            podCidr: args.podCidr, mtu, image, nodeInterface: c.iface,
        }));
        this.applied = hostCommand(`${name}-apply`, args.hosts[0], {
            create: "bash -s",
            update: "bash -s",
            stdin: manifest.apply((m) => renderHostScript("host-scripts/cni-apply.sh", { NETLAB_CNI: args.cni, NETLAB_MANIFEST: m, NETLAB_TIMEOUT: 300 })),
            delete: `bash -c ${shellQuote(renderHostScript("host-scripts/cni-apply.sh", { NETLAB_CNI: args.cni, NETLAB_ACTION: "delete" }))}`,
            // Whenever a host is cleaned (its step replaced), the CNI is applied again.
            triggers: [args.cni, args.clusterId, ...hostSteps.map((h) => h.id)],
        }, { parent: this, dependsOn: hostSteps, deleteBeforeReplace: true });
        this.status = this.applied.stdout.apply((s) => s.trim());
        this.registerOutputs({ mtu: this.mtu, status: this.status, interfaces: this.interfaces });
    }
}
