/**
 * HostArtifacts: puts files from a local artifacts directory (binaries built by
 * commands/toolchain.sh) onto every lab host over SSH, with a sha256 check on the host, so a
 * lab without internet needs no upstream download. A changed file is pushed again; destroy
 * removes it from the hosts.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../lib/scripts";
import { knownHostsLine } from "../lib/ssh";
import { LabHost } from "./hosts";

export interface ArtifactFile {
    /** File path inside the artifacts directory, e.g. consul or kubernetes/kubeadm. */
    name: string;
    /** Absolute path on the hosts, e.g. /usr/local/bin/consul. */
    dest: string;
    /** File mode on the hosts. Default: 0755. */
    mode?: string;
}

export interface HostArtifactsArgs {
    /** The hosts to copy to (their readiness gates come first). */
    hosts: LabHost[];
    /** The private key that reaches the hosts (secret). */
    privateKey: pulumi.Input<string>;
    /** The local directory holding the files (relative to the project, or absolute). */
    artifactsDir: string;
    /** What to copy. */
    files: ArtifactFile[];
    /** The command that builds the files, for the error when some are missing. Default: npm run toolchain. */
    buildCommand?: string;
}

const digests = new Map<string, string>();

/** The sha256 of a local file (hashed once per program run). */
export function fileSha256(file: string): string {
    let digest = digests.get(file);
    if (digest === undefined) {
        digest = crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
        digests.set(file, digest);
    }
    return digest;
}

/** The files of `names` missing from `dir`, for an error that says what to build. */
export function missingArtifacts(dir: string, names: string[]): string[] {
    return names.filter((n) => !fs.existsSync(path.join(dir, n)));
}

/**
 * Throws, naming netlab:artifactsDir, the missing files and the command that builds them, when
 * any of `names` is missing from the artifacts directory. A scenario calls it before its first
 * resource, so that a missing artifact stops `up` before anything is made.
 */
export function assertArtifacts(artifactsDir: string, names: string[], buildCommand = "npm run toolchain"): void {
    const dir = path.resolve(REPO_ROOT, artifactsDir);
    const missing = missingArtifacts(dir, names);
    if (missing.length > 0) {
        throw new pulumi.RunError(`netlab:artifactsDir = '${artifactsDir}': ${missing.join(", ")} missing in ${dir}. ` +
            `Fix: ${buildCommand} (builds them there), or point netlab:artifactsDir at a directory that has them`);
    }
}

export class HostArtifacts extends pulumi.ComponentResource {
    /** Per host, what each push printed (`<dest> sha256=<digest>`). */
    public readonly installed: pulumi.Output<Record<string, string[]>>;
    /** The artifacts directory, absolute. */
    public readonly dir: string;

    constructor(name: string, args: HostArtifactsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("netlab:artifacts:HostArtifacts", name, {}, opts);
        const dir = path.resolve(REPO_ROOT, args.artifactsDir);
        this.dir = dir;
        assertArtifacts(args.artifactsDir, args.files.map((f) => f.name), args.buildCommand);
        const script = fs.readFileSync(path.join(REPO_ROOT, "local-scripts/push-artifact.sh"), "utf8");
        const pushes = args.hosts.map((host) => args.files.map((file) => {
            const src = path.join(dir, file.name);
            const sha = fileSha256(src);
            return new command.local.Command(`${name}-${host.name}-${file.name.replace(/[^A-Za-z0-9_.-]/g, "-")}`, {
                // The script travels in the environment, so create and delete both see it.
                create: "bash -c \"$NETLAB_SCRIPT\" push-artifact",
                update: "bash -c \"$NETLAB_SCRIPT\" push-artifact",
                delete: "NETLAB_ACTION=delete bash -c \"$NETLAB_SCRIPT\" push-artifact",
                environment: pulumi.secret(pulumi.all([host.endpoint, args.privateKey, host.hostKey]).apply(([ep, key, hostKey]) => ({
                    NETLAB_SCRIPT: script,
                    // docker hosts are reached through `docker exec`, ssh hosts over SSH (their pinned host key checked).
                    ...(host.container !== undefined ? { NETLAB_CONTAINER: host.container } : {
                        NETLAB_SSH_HOST: ep.host, NETLAB_SSH_PORT: String(ep.port), NETLAB_SSH_USER: ep.user, NETLAB_SSH_KEY: key,
                        NETLAB_SSH_KNOWN_HOSTS: knownHostsLine(ep.host, ep.port, hostKey),
                    }),
                    NETLAB_SRC: path.relative(process.cwd(), src) || src,
                    NETLAB_DEST: file.dest, NETLAB_SHA256: sha, NETLAB_MODE: file.mode ?? "0755",
                }))),
                // A recreated host (a new container) gets its files again.
                triggers: [sha, file.dest, ...(host.generation ? [host.generation] : [])],
                logging: "stdoutAndStderr",
            // A new file replaces the old one: delete first, or the old delete would remove the new push.
            }, { parent: this, dependsOn: [host.ready], deleteBeforeReplace: true });
        }));
        this.installed = pulumi.all(pushes.map((cmds) => pulumi.all(cmds.map((c) => c.stdout)))).apply((outs) =>
            Object.fromEntries(args.hosts.map((h, i) => [h.name, outs[i].map((o) => o.trim())])));
        this.registerOutputs({ installed: this.installed });
    }
}
