/**
 * KubeadmCluster: a kubeadm Kubernetes cluster on the lab hosts. The Kubernetes binaries,
 * the CNI plugins and the images come from the local artifacts directory (no registry); each
 * host gets containerd set up as its CRI runtime and a kubelet unit; the first host runs
 * `kubeadm init`, the others `kubeadm join` with a bootstrap token kept as a secret. The admin
 * kubeconfig is a secret output, a file the user can point kubectl at, and the
 * `@pulumi/kubernetes` Provider of the layers above. Nodes become Ready once a CNI is applied
 * (components/cni.ts).
 */
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { hostCommand } from "./host-command";
import * as path from "path";
import * as fs from "fs";
import {
    API_SERVER_PORT, KUBELET_RESOLV_CONF, kubeadmInitConfig, kubeadmJoinConfig, kubeconfigForServer, NodeSettings, PAUSE_IMAGE, parseInitOutput,
} from "../lib/kubeadm";
import { REPO_ROOT, renderHostScript, shellQuote } from "../lib/scripts";
import { ArtifactFile, HostArtifacts } from "./artifacts";
import { LabHost, stdoutByHost } from "./hosts";

/** What builds the kubeadm scenario's artifacts. */
export const KUBE_TOOLCHAIN_COMMAND = "npm run toolchain -- kube";

/** Where image tarballs go on the hosts. */
export const HOST_IMAGE_DIR = "/var/lib/netlab/images";

/** What every node gets from the artifacts directory (commands/toolchain.sh kube). */
export const KUBE_NODE_FILES: ArtifactFile[] = [
    ...["kubeadm", "kubelet", "kubectl"].map((b) => ({ name: `kubernetes/${b}`, dest: `/usr/local/bin/${b}` })),
    ...["bridge", "host-local", "loopback", "portmap", "flannel"].map((p) => ({ name: `cni/${p}`, dest: `/opt/cni/bin/${p}` })),
    { name: "images/kubernetes.tar", dest: `${HOST_IMAGE_DIR}/kubernetes.tar`, mode: "0644" },
];

export interface KubeadmClusterArgs {
    /** The hosts: the first runs the control plane, the others join as workers. */
    hosts: LabHost[];
    /** The private key that reaches the hosts (secret). */
    privateKey: pulumi.Input<string>;
    /** The local directory with the toolchain's artifacts (netlab:artifactsDir). */
    artifactsDir: string;
    /** Kubernetes version, without the v (it must match the artifacts). */
    version: string;
    /** Pod CIDR (kubeadm podSubnet). */
    podCidr: string;
    /** Service CIDR (kubeadm serviceSubnet). */
    serviceCidr: string;
    /** A name unique to this lab on the machine: the kubelets' cgroup roots carry it. */
    labName: string;
    /**
     * `host:port` where this machine reaches the API server (a published port in docker mode).
     * Default: the control-plane host's lab address and port 6443.
     */
    apiServerFromHere?: pulumi.Input<string>;
    /** Where to write the user's kubeconfig file. Default: .netlab/<labName>.kubeconfig in the project. */
    kubeconfigPath?: string;
}

export class KubeadmCluster extends pulumi.ComponentResource {
    /** The admin kubeconfig for this machine (secret). */
    public readonly kubeconfig: pulumi.Output<string>;
    /** The file holding it (mode 0600), for `KUBECONFIG=…`. */
    public readonly kubeconfigPath: string;
    /** The Provider built from the kubeconfig. */
    public readonly provider: k8s.Provider;
    /** What each node's setup printed (containerd, kubelet, images). */
    public readonly nodes: pulumi.Output<Record<string, string>>;
    /** The last resources of the cluster (join steps): what the layers above depend on. */
    public readonly ready: pulumi.Resource[];
    /** Changes when the cluster is made anew (kubeadm init replaced): what lives in it must be made again. */
    public readonly clusterId: pulumi.Output<string>;

    constructor(name: string, args: KubeadmClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("netlab:kubernetes:KubeadmCluster", name, {}, opts);
        const [control, ...workers] = args.hosts;
        const binaries = new HostArtifacts(`${name}-files`, {
            hosts: args.hosts, privateKey: args.privateKey, artifactsDir: args.artifactsDir, files: KUBE_NODE_FILES,
            buildCommand: KUBE_TOOLCHAIN_COMMAND,
        }, { parent: this });

        const setup = args.hosts.map((h) => {
            const vars = {
                NETLAB_PAUSE_IMAGE: PAUSE_IMAGE,
                NETLAB_IMAGE_TARS: `${HOST_IMAGE_DIR}/kubernetes.tar`,
                NETLAB_CGROUP_ROOT: cgroupRoot(args.labName, h.name),
                NETLAB_NODE_IP: h.labAddress,
                NETLAB_RESOLV_CONF: KUBELET_RESOLV_CONF,
            };
            return hostCommand(`${name}-node-${h.name}`, h, {
                create: "bash -s",
                update: "bash -s",
                stdin: renderHostScript("host-scripts/kube-node.sh", vars),
                delete: `bash -c ${shellQuote(renderHostScript("host-scripts/kube-node.sh", { ...vars, NETLAB_ACTION: "delete" }))}`,
            }, { parent: this, dependsOn: [h.ready, binaries] });
        });
        this.nodes = stdoutByHost(args.hosts, setup.map((s) => s.stdout));

        const token = new command.local.Command(`${name}-token`, {
            create: "bash -s",
            stdin: fs.readFileSync(path.join(REPO_ROOT, "local-scripts/kube-token.sh"), "utf8"),
            logging: "stderr",
        }, { parent: this, additionalSecretOutputs: ["stdout"] });
        const tokenValue = pulumi.secret(token.stdout.apply((t) => t.trim()));

        const node = (h: LabHost): NodeSettings => ({ name: h.name, address: h.labAddress, cgroupRoot: cgroupRoot(args.labName, h.name) });
        const endpoint = `${control.labAddress}:${API_SERVER_PORT}`;
        const server = pulumi.output(args.apiServerFromHere ?? endpoint);
        // The certificate must also hold the address this machine uses (a published port's host, an SSH address).
        const initConfig = pulumi.secret(pulumi.all([tokenValue, server]).apply(([t, s]) => kubeadmInitConfig({
            version: args.version, node: node(control), podCidr: args.podCidr, serviceCidr: args.serviceCidr, token: t,
            certSans: ["127.0.0.1", "localhost", s.replace(/:\d+$/, "")],
        })));
        const init = hostCommand(`${name}-init`, control, {
            create: "bash -s",
            stdin: initConfig.apply((c) => renderHostScript("host-scripts/kubeadm-init.sh", { NETLAB_CONFIG: c, NETLAB_TIMEOUT: 300 })),
            delete: `bash -c ${shellQuote(renderHostScript("host-scripts/kubeadm-init.sh", { NETLAB_ACTION: "delete" }))}`,
            logging: "stderr",
        }, { parent: this, dependsOn: setup, additionalSecretOutputs: ["stdout"], deleteBeforeReplace: true });
        const initOut = init.stdout.apply(parseInitOutput);
        const caCertHash = initOut.apply((o) => o.caCertHash);

        const joins = workers.map((h, i) => hostCommand(`${name}-join-${h.name}`, h, {
            create: "bash -s",
            stdin: pulumi.secret(pulumi.all([tokenValue, caCertHash]).apply(([t, hash]) => renderHostScript("host-scripts/kubeadm-join.sh", {
                NETLAB_CONFIG: kubeadmJoinConfig({ node: node(h), apiServerEndpoint: endpoint, token: t, caCertHash: hash }),
            }))),
            delete: `bash -c ${shellQuote(renderHostScript("host-scripts/kubeadm-join.sh", { NETLAB_ACTION: "delete" }))}`,
            // A new control plane (init replaced) means a new cluster to join.
            triggers: [init.id],
        }, { parent: this, dependsOn: [init, setup[i + 1]], deleteBeforeReplace: true }));

        this.kubeconfig = pulumi.secret(pulumi.all([initOut, server]).apply(([o, s]) => kubeconfigForServer(o.adminKubeconfig, `https://${s}`)));
        this.kubeconfigPath = args.kubeconfigPath ?? path.join(REPO_ROOT, ".netlab", `${args.labName}.kubeconfig`);
        const writeFile = "umask 077 && mkdir -p \"$(dirname \"$NETLAB_FILE\")\" && printf '%s\\n' \"$NETLAB_KUBECONFIG\" > \"$NETLAB_FILE\" && echo \"$NETLAB_FILE\"";
        const file = new command.local.Command(`${name}-kubeconfig-file`, {
            create: writeFile,
            // A new kubeconfig (a new cluster) rewrites the file in place.
            update: writeFile,
            delete: "rm -f \"$NETLAB_FILE\"",
            environment: pulumi.secret(this.kubeconfig.apply((k) => ({ NETLAB_KUBECONFIG: k, NETLAB_FILE: this.kubeconfigPath }))),
        }, { parent: this });
        this.provider = new k8s.Provider(`${name}-provider`, { kubeconfig: this.kubeconfig }, { parent: this, dependsOn: [file, ...joins] });
        this.ready = [init, ...joins];
        this.clusterId = init.id;
        this.registerOutputs({ kubeconfig: this.kubeconfig, nodes: this.nodes });
    }
}

/** The cgroup a host's kubelet puts its pods under: unique per lab and host on a shared machine. */
export function cgroupRoot(labName: string, host: string): string {
    return `/${labName}-${host}`;
}
