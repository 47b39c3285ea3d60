/**
 * End-to-end helpers: drive the real program with the Automation API (LocalWorkspace, a file
 * backend in a temp dir, the toolchain on PATH) and inspect the real lab with docker and ssh.
 */
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import * as assert from "assert";
import { execFileSync, ExecFileSyncOptions } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { openLab } from "../../commands/lib/lab-stack";
import { DrillArgs } from "../../lib/drill/args";
import { DrillResult, drillTable, runDrill } from "../../lib/drill/run";

export const ROOT = path.resolve(__dirname, "..", "..");
export const TOOLCHAIN_BIN = process.env.NETLAB_TOOLCHAIN ?? path.join(ROOT, ".toolchain", "bin");

/** Runs a command, returning its stdout (throws with stderr on failure). */
export function sh(cmd: string, args: string[], opts: ExecFileSyncOptions = {}): string {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], ...opts }) as string;
}

/** Runs a command, returning its raw stdout (for binary streams such as docker save). */
export function shBuffer(cmd: string, args: string[]): Buffer {
    return execFileSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30 });
}

/** Where Pulumi keeps plugin NAME at the version package.json pins for its SDK. */
export function pluginPath(name: string): string {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const version = pkg.dependencies[`@pulumi/${name}`];
    const home = process.env.PULUMI_HOME ?? path.join(os.homedir(), ".pulumi");
    return path.join(home, "plugins", `resource-${name}-v${version}`, `pulumi-resource-${name}`);
}

/** Fails early, and clearly, when the toolchain, one of Pulumi's plugins (`plugins`) or Docker is missing. */
export function checkPrerequisites(plugins: string[] = ["command", "docker"]): void {
    for (const b of ["pulumi", "pulumi-language-nodejs"]) {
        if (!fs.existsSync(path.join(TOOLCHAIN_BIN, b))) {
            throw new Error(`${b} is not in ${TOOLCHAIN_BIN}: run 'npm run toolchain' first`);
        }
    }
    for (const p of plugins) {
        if (!fs.existsSync(pluginPath(p))) {
            throw new Error(`Pulumi's ${p} plugin is not installed at ${pluginPath(p)}: run 'npm run toolchain${p === "kubernetes" ? " -- kube" : ""}' first`);
        }
    }
    try {
        sh("docker", ["info", "--format", "{{.ServerVersion}}"]);
    } catch {
        throw new Error("no Docker engine answers: start one (npm run toolchain starts dockerd when it can)");
    }
}

/** What an up changed, without the resources it left as they were (`{}` for a no-op). */
export function changed(r: { summary: { resourceChanges?: Record<string, number> } }): Record<string, number> {
    return Object.fromEntries(Object.entries(r.summary.resourceChanges ?? {}).filter(([op]) => op !== "same"));
}

/** A timer that records named phases and prints them. */
export class Phases {
    readonly times: [string, number][] = [];
    async time<T>(name: string, f: () => Promise<T>): Promise<T> {
        const start = Date.now();
        try {
            return await f();
        } finally {
            const secs = (Date.now() - start) / 1000;
            this.times.push([name, secs]);
            console.log(`      phase ${name}: ${secs.toFixed(1)} s`);
        }
    }
}

/** A stack of the repo's program, with its own state directory, from a repo stack file. */
export class LabStack {
    readonly stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-e2e-state-"));
    readonly stackFile: string;
    stack?: Stack;

    /** @param name the e2e stack name; @param from the repo stack whose file it copies. */
    constructor(readonly name: string, private readonly from: string) {
        this.stackFile = path.join(ROOT, `Pulumi.${name}.yaml`);
    }

    /** The opened stack (a test that needs it fails plainly when an earlier step did not open it). */
    get opened(): Stack {
        if (!this.stack) {
            throw new Error(`stack ${this.name} is not open: an earlier step failed`);
        }
        return this.stack;
    }

    /** The Docker object prefix the program uses for this stack. */
    get prefix(): string {
        return `netlab-${this.name}`;
    }

    /** Copies the stack file (here, not in the constructor: a suite that --grep skips leaves nothing) and opens the stack. */
    async open(): Promise<Stack> {
        fs.copyFileSync(path.join(ROOT, `Pulumi.${this.from}.yaml`), this.stackFile);
        process.env.PATH = `${TOOLCHAIN_BIN}:${process.env.PATH ?? ""}`;
        this.stack = await LocalWorkspace.createOrSelectStack({ stackName: this.name, workDir: ROOT }, {
            envVars: {
                PULUMI_BACKEND_URL: `file://${this.stateDir}`,
                PULUMI_CONFIG_PASSPHRASE: "netlab-e2e",
                PULUMI_SKIP_UPDATE_CHECK: "true",
                // As commands/lab.sh runs it: transpiled only, no plugin downloads.
                PULUMI_NODEJS_TRANSPILE_ONLY: "true",
                PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            },
        });
        return this.stack;
    }

    /**
     * Removes the stack from the backend, the temp stack file and the state directory.
     * Returns what of the stack the backend still had after `stack rm`: its live checkpoint
     * or its name in `stack ls` (file backends keep history backups, which are not the stack).
     */
    async dispose(): Promise<string[]> {
        const left: string[] = [];
        if (this.stack) {
            const ws = this.stack.workspace;
            const live = path.join(this.stateDir, ".pulumi", "stacks", "netlab", `${this.name}.json`);
            if (!fs.existsSync(live)) {
                left.push(`(no checkpoint at ${live} before stack rm: the check looks in the wrong place)`);
            }
            await ws.removeStack(this.name);
            if ((await ws.listStacks()).some((s) => s.name === this.name)) {
                left.push(`stack ${this.name} is still listed`);
            }
            if (fs.existsSync(live)) {
                left.push(live);
            }
        }
        fs.rmSync(this.stateDir, { recursive: true, force: true });
        fs.rmSync(this.stackFile, { force: true });
        return left;
    }
}


/** An ssh command line to a lab host with the stack's key (lib/ssh.ts). */
export { sshArgs } from "../../lib/ssh";

/**
 * Runs `up` and interrupts it with SIGINT (as ^C does) as soon as a line of its output matches
 * `when`; resolves with that line once pulumi has stopped. Fails when `up` ends before the line.
 */
export async function interruptedUp(stack: Stack, when: RegExp): Promise<string> {
    const abort = new AbortController();
    let seen: string | undefined;
    const onOutput = (out: string): void => {
        const line = out.split("\n").find((l) => when.test(l));
        if (line !== undefined && seen === undefined) {
            seen = line.trim();
            abort.abort();
        }
    };
    const outcome = await stack.up({ onOutput, signal: abort.signal }).then(() => "finished", (e: unknown) => String(e).split("\n")[0]);
    if (seen === undefined) {
        throw new Error(`up ended (${outcome}) before any output line matched ${String(when)}`);
    }
    return seen;
}

/** The Docker objects labelled for a stack: containers, networks, volumes of its containers, images. */
export function dockerObjects(prefix: string): { containers: string[]; networks: string[]; images: string[] } {
    const list = (args: string[]): string[] => sh("docker", args).split("\n").map((l) => l.trim()).filter((l) => l);
    return {
        containers: list(["ps", "-a", "--format", "{{.Names}}", "--filter", `label=netlab.lab=${prefix}`]).sort(),
        networks: list(["network", "ls", "--format", "{{.Name}}", "--filter", `label=netlab.lab=${prefix}`]).sort(),
        images: list(["images", "-a", "-q", "--filter", `label=netlab.lab=${prefix}`]),
    };
}

/**
 * The drills of an e2e suite: each at `qps` 500 and >= 10,000 requests on the suite's stack,
 * its table printed and kept in `tables`; every check of a drill must pass.
 */
export function drillRunner(lab: LabStack, phases: Phases, outDir: string, tables: string[]):
    (scenario: DrillArgs["scenario"], extra?: Partial<DrillArgs>) => Promise<DrillResult> {
    return async (scenario, extra = {}) => {
        const name = `${scenario}${extra.weights ? ` ${extra.weights.join("/")}` : ""}`;
        const opened = openLab(lab.opened);
        const r = await phases.time(`drill ${name}`, () => runDrill(opened, {
            scenario, qps: 500, minRequests: 10000, maxSeconds: 600, outDir, log: (l) => console.log(`      ${l}`), ...extra,
        }).finally(() => opened.close()));
        tables.push(`      ${name} (${r.files.png}):\n${drillTable(r)}`);
        console.log(drillTable(r));
        assert.deepStrictEqual(r.checks.filter((c) => !c.ok), [], `drill ${name}: every check passes`);
        assert.ok(r.report.requests.total >= 10000 && r.report.failed === 0);
        return r;
    };
}
