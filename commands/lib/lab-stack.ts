/**
 * A lab stack opened with Pulumi's Automation API, and its hosts over ssh with the stack's
 * keys: the implementations of lib/lab.ts's LabStack and HostRunner (and lib/bench/run.ts's
 * kubectl and key pairs) that the commands (drill, bench) and the e2e suites give lib/drill and
 * lib/bench. An image tarball is imported into the nodes' containerd over ssh (no registry in
 * the lab).
 */
import { LocalWorkspace, OutputMap, Stack } from "@pulumi/pulumi/automation";
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { BenchLab } from "../../lib/bench/run";
import { HostOut, HostRunner, Lab, LabStack } from "../../lib/lab";
import { REPO_ROOT, shellQuote } from "../../lib/scripts";
import { sshArgs } from "../../lib/ssh";

const run = promisify(execFile);

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

/** A lab opened by a command: close() removes the keys it wrote. */
export interface OpenedLab extends Lab {
    close(): void;
}

/** The working copy's stack STACKNAME, opened with `open` for `fn`, closed after. */
export async function withLab<L extends OpenedLab, T>(stackName: string, open: (stack: Stack) => L, fn: (lab: L) => Promise<T>): Promise<T> {
    const lab = open(await LocalWorkspace.selectStack({ stackName, workDir: REPO_ROOT }));
    try {
        return await fn(lab);
    } finally {
        lab.close();
    }
}

/**
 * The stack as lib/drill and lib/bench see it. Its outputs are read once until the next `up`;
 * the keys are written into a scratch folder from the first outputs read, at the first ssh.
 */
export function openLab(stack: Stack): OpenedLab {
    let outputs: OutputMap | undefined;
    let first: OutputMap | undefined;
    const read = async (): Promise<OutputMap> => {
        outputs ??= await stack.outputs();
        first ??= outputs;
        return outputs;
    };
    let keys: LabKeys | undefined;
    const keysNow = (): LabKeys => {
        if (first === undefined) {
            throw new Error(`stack ${stack.name}: its outputs are read before its hosts are reached`);
        }
        keys ??= writeLabKeys(fs.mkdtempSync(path.join(os.tmpdir(), "netlab-lab-")), first);
        return keys;
    };
    const labStack: LabStack = {
        name: stack.name,
        outputs: async () => Object.fromEntries(Object.entries(await read()).map(([k, o]) => [k, o.value as unknown])),
        getConfig: async (key) => (await stack.getConfig(key)).value,
        setConfig: (key, value, opts = {}) => stack.setConfig(key, { value, secret: opts.secret }, opts.path),
        removeConfig: (key, opts = {}) => stack.removeConfig(key, opts.path),
        up: async (onOutput) => {
            outputs = undefined;
            await stack.up({ onOutput });
        },
    };
    const hosts: HostRunner = {
        run: (h, script) => execFileSync("ssh", [...sshTo(keysNow(), h), "bash -s"], { input: script, encoding: "utf8", maxBuffer: 1 << 28 }),
        runAsync: async (h, script) => (await run("ssh", [...sshTo(keysNow(), h), `bash -c ${shellQuote(script)}`])).stdout,
        importImage: (tarball, on, ref, target) => {
            if (!fs.existsSync(tarball)) {
                throw new Error(`${tarball} is missing: run 'npm run toolchain -- ${target}' first`);
            }
            const image = fs.readFileSync(tarball);
            for (const h of on) {
                execFileSync("ssh", [...sshTo(keysNow(), h), `ctr -n k8s.io images import --no-unpack - >/dev/null && ctr -n k8s.io images ls -q | grep -qxF '${ref}'`],
                    { input: image, maxBuffer: 1 << 20 });
            }
        },
    };
    return {
        stack: labStack,
        hosts,
        close: () => {
            if (keys !== undefined) {
                fs.rmSync(path.dirname(keys.keyFile), { recursive: true, force: true });
                keys = undefined;
            }
        },
    };
}

/** openLab's, with the stack's cluster through the artifacts' kubectl, and key pairs made by ssh-keygen (close() removes them too). */
export function openBenchLab(stack: Stack): BenchLab & OpenedLab {
    const lab = openLab(stack);
    const scratch: string[] = [];
    return {
        ...lab,
        kubectl: (bin, kubeconfig) => ({
            run: async (...a) => (await run(bin, ["--kubeconfig", kubeconfig, ...a], { maxBuffer: 1 << 26 })).stdout,
            runWithInput: (input, ...a) => new Promise((resolve, reject) => {
                const p = execFile(bin, ["--kubeconfig", kubeconfig, ...a], { maxBuffer: 1 << 26 }, (e, stdout) => (e ? reject(new Error(e.message)) : resolve(stdout)));
                p.stdin?.end(input);
            }),
        }),
        keyPair: () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-bench-"));
            scratch.push(dir);
            execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "scp.key")]);
            return { privateKey: fs.readFileSync(path.join(dir, "scp.key")), publicKey: fs.readFileSync(path.join(dir, "scp.key.pub"), "utf8").trim() };
        },
        close: () => {
            lab.close();
            scratch.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }));
        },
    };
}
