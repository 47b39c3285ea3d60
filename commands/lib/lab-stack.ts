/**
 * What netlab's tools (the drills, the bench) use of a lab stack: its config, its `hosts`
 * output, and an image tarball imported into the nodes' containerd over ssh (no registry in
 * the lab).
 */
import { OutputMap, Stack } from "@pulumi/pulumi/automation";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { sshArgs } from "../../lib/ssh";

/** One host as the stack's `hosts` output lists it. */
export interface HostOut { name: string; labAddress: string; ssh: { host: string; port: number; user: string } }

/** The stack's SSH key and its hosts' known_hosts file, written into a folder of the tool's. */
export interface LabKeys {
    keyFile: string;
    /** Undefined for a stack from before pinned host keys (no `knownHosts` output). */
    knownHosts?: string;
}

/** Writes the stack's key (0600) and known hosts into DIR, from its outputs. */
export function writeLabKeys(dir: string, outputs: OutputMap): LabKeys {
    const keyFile = path.join(dir, "lab.key");
    fs.writeFileSync(keyFile, String(outputs.sshPrivateKey.value), { mode: 0o600 });
    if (outputs.knownHosts === undefined) {
        return { keyFile };
    }
    const knownHosts = path.join(dir, "known_hosts");
    fs.writeFileSync(knownHosts, String(outputs.knownHosts.value));
    return { keyFile, knownHosts };
}

/** ssh's arguments to reach a host with the stack's keys (its host key checked when pinned). */
export function sshTo(keys: LabKeys, h: HostOut): string[] {
    return sshArgs(keys.keyFile, h.ssh.port, h.ssh.user, h.ssh.host, keys.knownHosts);
}

/**
 * Imports TARBALL into the containerd (k8s.io) of every host given; throws unless each then
 * lists `ref`. A missing tarball names the toolchain target that builds it.
 */
export function importNodeImage(tarball: string, hosts: HostOut[], keys: LabKeys, ref: string, target: string): void {
    if (!fs.existsSync(tarball)) {
        throw new Error(`${tarball} is missing: run 'npm run toolchain -- ${target}' first`);
    }
    const image = fs.readFileSync(tarball);
    for (const h of hosts) {
        execFileSync("ssh", [...sshTo(keys, h), `ctr -n k8s.io images import --no-unpack - >/dev/null && ctr -n k8s.io images ls -q | grep -qxF '${ref}'`],
            { input: image, maxBuffer: 1 << 20 });
    }
}

/** A config value of the stack, or `fallback` when it is not set. */
export async function configOr<T extends string | undefined>(stack: Stack, key: string, fallback: T): Promise<string | T> {
    try {
        return (await stack.getConfig(key)).value;
    } catch {
        return fallback;
    }
}
