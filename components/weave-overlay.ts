/**
 * WeaveOverlay: Weave Net on the weave-lab hosts (seed 002), built by the toolchain (no
 * registry, no download): upstream's `weave` script and images pushed to every host, the
 * router launched with the other hosts as peers, every subnet in use exposed on every host
 * with a Docker network per extra subnet, and the subnets isolated from each other on the
 * hosts' forwarding path (host-scripts/weave-overlay.sh). Peers and subnets change in place;
 * a change of version, range, default subnet, MTU or password relaunches the routers (each
 * host's step is replaced: `weave reset` first). Destroy leaves the hosts clean.
 */
import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import { HostArtifacts } from "./artifacts";
import { hostCommand, installAndRun } from "./host-command";
import { LabHost, vmContainerSettings } from "./hosts";
import { cniBuild } from "../lib/cni";
import { WeaveSettings } from "../lib/config";
import { renderHostScript, shellQuote } from "../lib/scripts";
import { launchDigest, parseHostReport, summarizeDataPath, WeaveDataPath, weaveNetworkName, weavePrivilegeArgs } from "../lib/weave";

/** Where the hosts keep upstream's script and the images' tarball. */
export const WEAVE_SCRIPT_PATH = "/usr/local/lib/netlab/weave";
export const WEAVE_IMAGES_PATH = "/var/lib/netlab/images/weave.tar";
/**
 * The images of the toolchain's weave.tar: what `weave launch` runs (weave, weaveexec, weavedb)
 * and, loaded with them, Kubernetes' weave-kube and weave-npc. Destroy removes them all.
 */
const WEAVE_IMAGES = cniBuild("weave");
/** Where the program installs host-scripts/weave-overlay.sh (its unit runs it after a reboot). */
const OVERLAY_SCRIPT = "/usr/local/lib/netlab/weave-overlay.sh";
/** What the overlay pushes from the artifacts directory, and the target that builds it. */
export const WEAVE_ARTIFACTS = ["weave/weave", WEAVE_IMAGES.tarballs[0]];
export const WEAVE_TOOLCHAIN_COMMAND = "commands/toolchain.sh weave";

export interface WeaveOverlayArgs {
    hosts: LabHost[];
    privateKey: pulumi.Input<string>;
    artifactsDir: string;
    settings: WeaveSettings;
    /** Encrypts the overlay (sleeve: NaCl) when set. */
    password?: pulumi.Output<string>;
    /** docker hosts: whether they run --privileged (then Weave's containers may too). */
    privilegedHosts: boolean;
    dependsOn?: pulumi.Resource[];
}

export class WeaveOverlay extends pulumi.ComponentResource {
    /** The data path the routers report: mode (sleeve/fastdp), encryption, MTU, connections. */
    public readonly dataPath: pulumi.Output<WeaveDataPath>;
    /** Subnet -> the Docker network its workloads run in. */
    public readonly networks: Record<string, string>;
    /** Changes when the routers are relaunched (for the jobs' triggers). */
    public readonly launchId: pulumi.Output<string>;
    /** The per-host steps, for dependsOn. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: WeaveOverlayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("netlab:weave:WeaveOverlay", name, {}, opts);
        const w = args.settings;
        const subnets = [w.defaultSubnet, ...w.subnets];
        this.networks = Object.fromEntries(subnets.map((s) => [s, weaveNetworkName(s, w.defaultSubnet)]));
        const files = new HostArtifacts(`${name}-files`, {
            hosts: args.hosts,
            privateKey: args.privateKey,
            artifactsDir: args.artifactsDir,
            files: [
                { name: WEAVE_ARTIFACTS[0], dest: WEAVE_SCRIPT_PATH },
                { name: WEAVE_ARTIFACTS[1], dest: WEAVE_IMAGES_PATH, mode: "0644" },
            ],
            buildCommand: WEAVE_TOOLCHAIN_COMMAND,
        }, { parent: this, dependsOn: args.dependsOn });
        const password = args.password ?? pulumi.output("");
        const digest = password.apply((p) => p === "" ? "" : crypto.createHash("sha256").update(p).digest("hex"));
        // Secret when a password is set: it is derived from the password.
        this.launchId = digest.apply((d) => launchDigest({
            version: w.version, ipallocRange: w.ipallocRange, defaultSubnet: w.defaultSubnet, mtu: w.mtu,
            encrypted: d !== "", passwordDigest: d === "" ? undefined : d,
        }));
        const privilegeArgs = (h: LabHost): string => weavePrivilegeArgs(
            h.container !== undefined && !args.privilegedHosts ? vmContainerSettings(false) : undefined);
        const delete_ = renderHostScript("host-scripts/weave-overlay.sh", {
            NETLAB_ACTION: "delete", NETLAB_IMAGE_REFS: WEAVE_IMAGES.refs.join(" "),
        });
        const steps = args.hosts.map((h) => {
            const script = password.apply((p) => renderHostScript("host-scripts/weave-overlay.sh", {
                NETLAB_VERSION: w.version,
                NETLAB_IMAGES_TAR: WEAVE_IMAGES_PATH,
                NETLAB_IMAGE_REFS: WEAVE_IMAGES.refs.join(" "),
                NETLAB_PEERS: args.hosts.filter((o) => o !== h).map((o) => o.labAddress).join(" "),
                NETLAB_EXPECT_PEERS: args.hosts.length,
                NETLAB_IPALLOC_RANGE: w.ipallocRange,
                NETLAB_DEFAULT_SUBNET: w.defaultSubnet,
                NETLAB_SUBNETS: w.subnets.join(" "),
                NETLAB_MTU: w.mtu ?? "",
                NETLAB_PASSWORD: p,
                NETLAB_PRIVILEGE_ARGS: privilegeArgs(h),
                NETLAB_TIMEOUT: 120,
            }));
            // Installed on the host (mode 0700: it carries the password), then run from there.
            const run = installAndRun(OVERLAY_SCRIPT, "0700");
            return hostCommand(`${name}-${h.name}`, h, {
                create: run,
                // Peers and subnets change in place (the script reconciles them).
                update: run,
                stdin: args.password === undefined ? script : pulumi.secret(script),
                delete: `bash -c ${shellQuote(delete_)}`,
                triggers: [this.launchId],
            }, { parent: this, dependsOn: [files, h.ready] });
        });
        this.ready = steps;
        this.dataPath = pulumi.unsecret(pulumi.all(steps.map((s) => s.stdout)).apply((outs) =>
            summarizeDataPath(outs.map(parseHostReport))));
        this.registerOutputs({ dataPath: this.dataPath, launchId: this.launchId });
    }
}
