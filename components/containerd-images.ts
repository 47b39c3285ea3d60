/**
 * ContainerdImages: image tarballs from the toolchain put on every kube-lab node and imported
 * into containerd (no registry in the lab); destroy removes the images. A new tarball is
 * imported again.
 */
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { fileSha256, HostArtifacts } from "./artifacts";
import { hostCommand } from "./host-command";
import { HOST_IMAGE_DIR } from "./kubeadm";
import { LabHost, stdoutByHost } from "./hosts";
import { renderHostScript, shellQuote } from "../lib/scripts";

export interface ContainerdImagesArgs {
    hosts: LabHost[];
    privateKey: pulumi.Input<string>;
    artifactsDir: string;
    /** The tarball, below the artifacts directory (e.g. images/linkerd.tar). */
    tarball: string;
    /** The refs it must provide. */
    refs: string[];
    /** The command that builds the tarball, for the error when it is missing. */
    buildCommand: string;
    dependsOn: pulumi.Resource[];
}

export class ContainerdImages extends pulumi.ComponentResource {
    /** Per host: the images imported. */
    public readonly imported: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: ContainerdImagesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("netlab:kubernetes:ContainerdImages", name, {}, opts);
        const hostTar = `${HOST_IMAGE_DIR}/${path.posix.basename(args.tarball)}`;
        const files = new HostArtifacts(`${name}-tarball`, {
            hosts: args.hosts, privateKey: args.privateKey, artifactsDir: args.artifactsDir,
            files: [{ name: args.tarball, dest: hostTar, mode: "0644" }], buildCommand: args.buildCommand,
        }, { parent: this, dependsOn: args.dependsOn });
        const sha = fileSha256(path.join(files.dir, args.tarball));
        const vars = { NETLAB_IMAGE_TARS: hostTar, NETLAB_IMAGES: args.refs.join(" ") };
        const imports = args.hosts.map((h) => hostCommand(`${name}-${h.name}`, h, {
            create: "bash -s",
            update: "bash -s",
            stdin: renderHostScript("host-scripts/containerd-images.sh", vars),
            delete: `bash -c ${shellQuote(renderHostScript("host-scripts/containerd-images.sh", { ...vars, NETLAB_ACTION: "delete" }))}`,
            triggers: [sha],
        }, { parent: this, dependsOn: [files], deleteBeforeReplace: true }));
        this.imported = stdoutByHost(args.hosts, imports.map((c) => c.stdout));
        this.registerOutputs({ imported: this.imported });
    }
}
