/**
 * Cni: the cluster's pod network, chosen by `netlab:cni` and swappable in place. Per host, a
 * step imports the CNI's images and reports the lab interface (the pod MTU is derived from
 * it); on the control plane, a step applies the CNI's objects and waits for every node to be
 * Ready. A changed CNI replaces both, delete first: each host stops the old CNI's agent for
 * good (its images removed, its containers killed) and is cleaned of what it left
 * (interfaces, /etc/cni/net.d, its plugin binaries, iptables chains, ipsets, routes, IPAM
 * state), the old CNI's objects are deleted, then the new one is applied and the pods holding
 * old addresses are restarted. The cluster itself is not rebuilt. Weave with encryption gets
 * its password as a Secret in kube-system, made through the cluster's provider.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import * as path from "path";
import { hostCommand, HostCommand } from "./host-command";
import { CNI_TRAITS, cniBuild, cniManifestJson, cniMtuFor } from "../lib/cni";
import { CNI_LABEL, CNI_NAMESPACE } from "../lib/cni/common";
import { CILIUM_IPSEC_SECRET } from "../lib/cni/cilium";
import { WEAVE_PASSWORD_KEY } from "../lib/cni/weave";
import { Cni } from "../lib/config";
import { renderHostScript, shellQuote } from "../lib/scripts";
import { HostArtifacts } from "./artifacts";
import { HOST_IMAGE_DIR, KUBE_TOOLCHAIN_COMMAND } from "./kubeadm";
import { LabHost, stdoutByHost } from "./hosts";

/** The Secret holding the weave password (netlab:weavePassword) when netlab:cniEncryption is on. */
export const WEAVE_PASSWORD_SECRET = "weave-password";

/** The toolchain command that builds a CNI's images. */
export function cniToolchainCommand(cni: Cni): string {
    return cni === "weave" ? "npm run toolchain -- weave" : KUBE_TOOLCHAIN_COMMAND;
}

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
    /** Encrypt pod traffic (netlab:cniEncryption: weave; calico and cilium where the hosts' kernel can). */
    encryption?: boolean;
    /** weave with encryption: the password (netlab:weavePassword, a secret). */
    weavePassword?: pulumi.Input<string>;
    /** The cluster's provider: it makes the Secret of the weave password. */
    provider?: k8s.Provider;
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
    /** sha256 of the applied manifest: it changes when the CNI is applied with other settings. */
    public readonly manifestDigest: pulumi.Output<string>;

    constructor(name: string, args: CniArgs, opts?: pulumi.ComponentResourceOptions) {
        super("netlab:kubernetes:Cni", name, {}, opts);
        const build = cniBuild(args.cni);
        const encrypted = args.encryption === true;
        const hostTars = build.tarballs.map((t) => `${HOST_IMAGE_DIR}/${path.posix.basename(t)}`);
        const files = new HostArtifacts(`${name}-image`, {
            hosts: args.hosts, privateKey: args.privateKey, artifactsDir: args.artifactsDir,
            files: build.tarballs.map((t, i) => ({ name: t, dest: hostTars[i], mode: "0644" })),
            buildCommand: cniToolchainCommand(args.cni),
        }, { parent: this, dependsOn: args.dependsOn });

        // Encryption that needs the kernel's help (calico: WireGuard, cilium: IPsec): every host
        // is checked first, and a kernel without it stops `up` with the reason before any of the
        // CNI's resources change (the old CNI keeps running).
        const need = encrypted ? CNI_TRAITS[args.cni].encryptionKernel : undefined;
        const kernelChecks = need === undefined ? [] : args.hosts.map((h) => hostCommand(`${name}-kernel-${h.name}`, h, {
            create: "bash -s",
            stdin: renderHostScript("host-scripts/cni-kernel-check.sh", { NETLAB_CNI: args.cni, NETLAB_NEED: need }),
            triggers: [args.cni, need],
        }, { parent: this, dependsOn: [h.ready, ...args.dependsOn] }));
        const hostSteps = args.hosts.map((h) => hostCommand(`${name}-host-${h.name}`, h, {
            create: "bash -s",
            stdin: renderHostScript("host-scripts/cni-host.sh", {
                NETLAB_ADDRESS: h.labAddress, NETLAB_IMAGE_TARS: hostTars.join(" "), NETLAB_IMAGES: build.refs.join(" "),
                NETLAB_STATE_DIRS: CNI_TRAITS[args.cni].stateDirs.join(" "),
            }),
            delete: `bash -c ${shellQuote(renderHostScript("host-scripts/cni-host-clean.sh", {
                NETLAB_CNI: args.cni, NETLAB_POD_CIDR: args.podCidr, NETLAB_IMAGES: build.refs.join(" "),
            }))}`,
            // Another CNI, a new cluster (new pod subnets per node), another MTU setting or
            // encryption switched: this host is cleaned of what the CNI left before it is applied
            // again (weave keeps its bridge's MTU and its sleeve connections while it runs).
            triggers: [args.cni, args.clusterId, String(args.mtu), encrypted],
        }, { parent: this, dependsOn: [files, ...kernelChecks, ...args.dependsOn], deleteBeforeReplace: true }));
        this.interfaces = stdoutByHost(args.hosts, hostSteps.map((s) => s.stdout));

        const control = hostSteps[0].stdout.apply(parseLabInterface);
        this.mtu = control.apply((c) => cniMtuFor(args.cni, args.mtu, c.mtu, encrypted));
        const secret = args.cni === "cilium" ? this.ciliumIpsecSecret(name, args, encrypted, kernelChecks) : this.weaveSecret(name, args, encrypted);
        const manifest = pulumi.all([control, this.mtu, secret?.metadata.resourceVersion]).apply(([c, mtu, secretVersion]) => cniManifestJson(args.cni, {
            podCidr: args.podCidr, mtu, image: build.image, images: build.images, nodeInterface: c.iface,
            encryption: encrypted ? { enabled: true, secretName: WEAVE_PASSWORD_SECRET, secretVersion } : undefined,
        }));
        this.manifestDigest = manifest.apply((m) => crypto.createHash("sha256").update(m).digest("hex"));
        this.applied = hostCommand(`${name}-apply`, args.hosts[0], {
            create: "bash -s",
            update: "bash -s",
            stdin: manifest.apply((m) => renderHostScript("host-scripts/cni-apply.sh", { NETLAB_CNI: args.cni, NETLAB_MANIFEST: m, NETLAB_TIMEOUT: 300 })),
            delete: `bash -c ${shellQuote(renderHostScript("host-scripts/cni-apply.sh", {
                NETLAB_CNI: args.cni, NETLAB_ACTION: "delete", NETLAB_AGENT_OBJECTS: CNI_TRAITS[args.cni].agentObjects.join(" "),
                NETLAB_CRD_GROUPS: CNI_TRAITS[args.cni].agentCrdGroups.join(" "),
            }))}`,
            // Whenever a host is cleaned (its step replaced), the CNI is applied again.
            triggers: [args.cni, args.clusterId, ...hostSteps.map((h) => h.id)],
        }, { parent: this, dependsOn: [...hostSteps, ...(secret ? [secret] : [])], deleteBeforeReplace: true });
        this.status = this.applied.stdout.apply((s) => s.trim());
        this.registerOutputs({ mtu: this.mtu, status: this.status, interfaces: this.interfaces });
    }

    /**
     * cilium with encryption: the Secret of its IPsec keys (rfc4106(gcm(aes)), 160 bits: key
     * and salt), derived from the lab's private key (a secret of the stack), so it stays the
     * same from one up to the next and is never shown.
     */
    private ciliumIpsecSecret(name: string, args: CniArgs, encrypted: boolean, after: pulumi.Resource[]): k8s.core.v1.Secret | undefined {
        if (!encrypted) {
            return undefined;
        }
        if (args.provider === undefined) {
            throw new pulumi.RunError("cilium encryption needs the cluster's provider for its IPsec keys");
        }
        const keys = pulumi.secret(pulumi.output(args.privateKey).apply((k) =>
            `3+ rfc4106(gcm(aes)) ${crypto.createHmac("sha256", k).update("netlab cilium ipsec").digest("hex").slice(0, 40)} 128`));
        return new k8s.core.v1.Secret(`${name}-cilium-ipsec`, {
            metadata: { name: CILIUM_IPSEC_SECRET, namespace: CNI_NAMESPACE, labels: { [CNI_LABEL]: "cilium" } },
            type: "Opaque",
            stringData: { keys },
        }, { parent: this, provider: args.provider, dependsOn: [...after, ...args.dependsOn] });
    }

    /** weave with encryption: the Secret its DaemonSet takes WEAVE_PASSWORD from (the password stays a secret). */
    private weaveSecret(name: string, args: CniArgs, encrypted: boolean): k8s.core.v1.Secret | undefined {
        if (!encrypted) {
            return undefined;
        }
        if (args.cni !== "weave") {
            return undefined;
        }
        if (args.weavePassword === undefined || args.provider === undefined) {
            throw new pulumi.RunError(`netlab:cniEncryption = true: weave encrypts pod traffic only with netlab:weavePassword set`);
        }
        return new k8s.core.v1.Secret(`${name}-weave-password`, {
            metadata: { name: WEAVE_PASSWORD_SECRET, namespace: CNI_NAMESPACE, labels: { [CNI_LABEL]: "weave" } },
            type: "Opaque",
            stringData: { [WEAVE_PASSWORD_KEY]: pulumi.secret(args.weavePassword) },
        }, { parent: this, provider: args.provider, dependsOn: args.dependsOn });
    }
}
