/**
 * Unit-test harness: runs the real program (index.ts) against Pulumi's mock monitor with a
 * stack file's config, records every resource with its parent, dependencies and secret
 * outputs, and resolves the stack outputs. Nothing is created.
 */
import * as pulumi from "@pulumi/pulumi";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

// js-yaml ships with @pulumi/pulumi (one of its own dependencies); only tests use it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require("js-yaml") as { load: (text: string) => unknown };

export const ROOT = path.resolve(__dirname, "..");

export interface Recorded {
    type: string;
    name: string;
    /** Inputs as the engine received them, resolved, secrets unwrapped (custom resources only). */
    inputs: Record<string, unknown>;
    /** Top-level inputs that reached the engine as secrets. */
    secretInputs: string[];
    parent?: string;
    dependsOn: string[];
    additionalSecretOutputs: string[];
    deleteBeforeReplace: boolean;
}

export interface StackRun {
    resources: Recorded[];
    outputs: Record<string, unknown>;
    secretOutputs: string[];
}

/** What scripts/lab-keygen.sh printed once, for the mocked key resource. */
let keygenOutput: string | undefined;
export function realKeygenOutput(): string {
    keygenOutput ??= execFileSync("bash", [path.join(ROOT, "scripts/lab-keygen.sh"), "netlab-test"], { encoding: "utf8" });
    return keygenOutput;
}

/** Pulumi.yaml's project config defaults, as `netlab:key` -> string. */
export function projectDefaults(): Record<string, string> {
    const project = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
        config: Record<string, { default?: string | boolean | number }>;
    };
    const out: Record<string, string> = {};
    for (const [key, decl] of Object.entries(project.config)) {
        if (decl.default !== undefined) {
            out[`netlab:${key}`] = String(decl.default);
        }
    }
    return out;
}

/** A stack file's config as the CLI hands it to the program: objects as JSON, scalars as strings. */
export function stackFileConfig(file: string): Record<string, string> {
    const doc = yaml.load(fs.readFileSync(path.join(ROOT, file), "utf8")) as { config?: Record<string, string | number | boolean | object> };
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        out[key] = typeof value === "object" ? JSON.stringify(value) : String(value);
    }
    return out;
}

let current: Recorded[] = [];
/** The resources the last run registered (also when it threw). */
export const lastRecorded = (): Recorded[] => current;
const names = new Map<pulumi.Resource, string>();

/** Records each resource as the SDK constructs it (runs inside the root stack). */
function installRecorder(): void {
    pulumi.runtime.registerStackTransformation((args) => {
        names.set(args.resource, args.name);
        const deps = args.opts.dependsOn;
        const depList = (Array.isArray(deps) ? deps : deps ? [deps] : []) as pulumi.Resource[];
        current.push({
            type: args.type,
            name: args.name,
            inputs: {},
            secretInputs: [],
            parent: args.opts.parent ? names.get(args.opts.parent) : undefined,
            dependsOn: depList.map((d) => names.get(d) ?? "?"),
            additionalSecretOutputs: (args.opts as pulumi.CustomResourceOptions).additionalSecretOutputs ?? [],
            deleteBeforeReplace: (args.opts as pulumi.CustomResourceOptions).deleteBeforeReplace ?? false,
        });
        return undefined;
    });
}

/** How the SDK marks a secret value on the wire. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const isSecretValue = (v: unknown): v is { value: unknown } =>
    typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG] !== undefined;
function unwrapSecrets(v: unknown): unknown {
    if (isSecretValue(v)) {
        return unwrapSecrets(v.value);
    }
    if (Array.isArray(v)) {
        return v.map(unwrapSecrets);
    }
    if (typeof v === "object" && v !== null) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
    }
    return v;
}

/** What the mocked kubeadm steps print. */
export const MOCK_TOKEN = "abcdef.0123456789abcdef";
export const MOCK_CA_HASH = `sha256:${"ab".repeat(32)}`;
export const MOCK_KUBECONFIG = "apiVersion: v1\nclusters:\n- cluster:\n    server: https://192.168.56.3:6443\n  name: kubernetes\n";

/** A remote command's mocked stdout: what its host script prints, for the steps whose output the program parses. */
function remoteStdout(name: string): string {
    if (name.endsWith("-init")) {
        return `ca-cert-hash=${MOCK_CA_HASH}\nadmin-kubeconfig-base64=${Buffer.from(MOCK_KUBECONFIG).toString("base64")}\n`;
    }
    if (/^cni-host-/.test(name)) {
        return "iface=eth0 mtu=1500\n";
    }
    if (name.endsWith("checks-run")) {
        return "PASS nodes: 3/3 Ready\nUNSUPPORTED policy unlabelled pod@u2 -> service: reached\n";
    }
    return `host=${name} systemd=running docker=20.10.24\n`;
}

let port = 42000;
const mocks: pulumi.runtime.Mocks = {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
        const rec = current.find((r) => r.name === args.name && r.type === args.type);
        const inputs = args.inputs as Record<string, unknown>;
        if (rec) {
            rec.secretInputs = Object.keys(inputs).filter((k) => isSecretValue(inputs[k]));
            rec.inputs = unwrapSecrets(inputs) as Record<string, unknown>;
        }
        const state: Record<string, unknown> = { ...rec?.inputs ?? inputs };
        switch (args.type) {
            case "command:local:Command":
                state.stdout = args.name.endsWith("-ssh-key") ? realKeygenOutput() : args.name.endsWith("-token") ? `${MOCK_TOKEN}\n` : "";
                break;
            case "command:remote:Command":
                state.stdout = remoteStdout(args.name);
                break;
            case "docker:index/container:Container":
                state.ports = (inputs.ports as { internal: number }[]).map((p) => ({ ...p, external: port++ }));
                break;
            case "docker:index/remoteImage:RemoteImage":
                state.imageId = "sha256:0123456789abcdef";
                break;
        }
        return { id: `${args.name}-id`, state };
    },
    call: (args: pulumi.runtime.MockCallArgs) => args.inputs as Record<string, unknown>,
};

async function resolve(value: unknown): Promise<{ value: unknown; secret: boolean }> {
    const out = pulumi.output(value) as pulumi.Output<unknown>;
    const [v, secret] = await Promise.all([new Promise<unknown>((r) => out.apply((x: unknown) => { r(x); return x; })), pulumi.isSecret(out)]);
    return { value: v, secret };
}

/**
 * Runs index.ts for one stack with the given config (`netlab:key` -> string).
 * Throws what the program throws (e.g. a ConfigError) after recording nothing.
 */
export async function runProgram(stack: string, config: Record<string, string>, secretKeys: string[] = []): Promise<StackRun> {
    current = [];
    pulumi.runtime.setAllConfig(config, secretKeys);
    await pulumi.runtime.setMocks(mocks, "netlab", stack, false);
    for (const key of Object.keys(require.cache)) {
        if (key.startsWith(ROOT) && !key.includes("node_modules") && !key.includes(`${path.sep}test${path.sep}`)) {
            delete require.cache[key];
        }
    }
    const resources = current;
    let program: Record<string, unknown> = {};
    await pulumi.runtime.runInPulumiStack(() => {
        installRecorder();
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        program = require(path.join(ROOT, "index.ts")) as Record<string, unknown>;
        return Promise.resolve(program);
    });
    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    for (const [key, value] of Object.entries(program)) {
        const r = await resolve(value);
        outputs[key] = r.value;
        if (r.secret) {
            secretOutputs.push(key);
        }
    }
    return { resources, outputs, secretOutputs };
}

/** Runs a stack file of the repo (with Pulumi.yaml's defaults under it). */
export function runStackFile(stack: string, extra: Record<string, string> = {}, secretKeys: string[] = []): Promise<StackRun> {
    return runProgram(stack, { ...projectDefaults(), ...stackFileConfig(`Pulumi.${stack}.yaml`), ...extra }, secretKeys);
}

/** Raw config (without the netlab: prefix) from a stack file plus project defaults. */
export function rawFromStackFile(stack: string): Record<string, string> {
    const all = { ...projectDefaults(), ...stackFileConfig(`Pulumi.${stack}.yaml`) };
    return Object.fromEntries(Object.entries(all).map(([k, v]) => [k.replace(/^netlab:/, ""), v]));
}

/**
 * Every command that deletes what it made must be deleted before it is replaced, or else
 * re-run in place (an update command and no triggers): a create-before-delete replacement
 * would have the old delete undo the new create. Returns how many such commands there are.
 */
export function checkDeleteBeforeReplace(run: StackRun): number {
    const deleting = run.resources.filter((r) => r.type.startsWith("command:") && r.inputs.delete !== undefined);
    for (const r of deleting) {
        const triggers = (r.inputs.triggers as unknown[] | undefined) ?? [];
        if (!(r.deleteBeforeReplace || (r.inputs.update !== undefined && triggers.length === 0))) {
            throw new Error(`${r.name}: needs deleteBeforeReplace, or an update command and no triggers`);
        }
    }
    return deleting.length;
}

