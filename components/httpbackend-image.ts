/**
 * HttpbackendImage: builds the sample service's image on every host from the binary that
 * HostArtifacts put there (FROM scratch: nothing pulled, no registry), and removes it on
 * destroy. Jobs then run it from the hosts' own Docker engines.
 */
import * as pulumi from "@pulumi/pulumi";
import { hostCommand } from "./host-command";
import { renderHostScript, shellQuote } from "../lib/scripts";
import { LabHost, stdoutByHost } from "./hosts";

export const HTTPBACKEND_IMAGE = "netlab/httpbackend:lab";
export const HTTPBACKEND_BINARY = "/usr/local/lib/netlab/httpbackend";

export interface HttpbackendImageArgs {
    hosts: LabHost[];
    /** The binary's sha256: a new binary rebuilds the image. */
    binarySha256: string;
    /** Resources that must exist first (the binary on the hosts). */
    dependsOn?: pulumi.Resource[];
    /** The image name. Default: HTTPBACKEND_IMAGE. */
    image?: string;
    /** Also import the image into containerd (k8s.io), for a kubelet. Default: false. */
    containerd?: boolean;
}

export class HttpbackendImage extends pulumi.ComponentResource {
    /** Per host: the image and the binary digest it holds. */
    public readonly images: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: HttpbackendImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("netlab:workloads:HttpbackendImage", name, {}, opts);
        const vars = {
            NETLAB_BINARY: HTTPBACKEND_BINARY, NETLAB_IMAGE: args.image ?? HTTPBACKEND_IMAGE, NETLAB_CONTAINERD: args.containerd ? 1 : 0,
        };
        const builds = args.hosts.map((h) => hostCommand(`${name}-${h.name}`, h, {
            create: "bash -s",
            update: "bash -s",
            stdin: renderHostScript("host-scripts/httpbackend-image.sh", vars),
            delete: `bash -c ${shellQuote(renderHostScript("host-scripts/httpbackend-image.sh", { ...vars, NETLAB_ACTION: "delete" }))}`,
            triggers: [args.binarySha256],
        }, { parent: this, dependsOn: [h.ready, ...(args.dependsOn ?? [])], deleteBeforeReplace: true }));
        this.images = stdoutByHost(args.hosts, builds.map((b) => b.stdout));
        this.registerOutputs({ images: this.images });
    }
}
