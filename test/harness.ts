/**
 * Unit-test harness: runs the real program (index.ts) against Pulumi's mock monitor with a
 * stack file's config, records every resource with its parent, dependencies and secret
 * outputs, and resolves the stack outputs. Nothing is created.
 */
import * as pulumi from "@pulumi/pulumi";
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as yaml from "js-yaml";
import * as path from "path";


export const ROOT = path.resolve(__dirname, "..");

// The program's preflight asks the local Docker engine for its networks (stacks/preflight.ts):
// the unit tests give it none, whatever runs on this machine; a test sets its own.
process.env.NETLAB_PREFLIGHT_NETWORKS ??= "[]";

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
    /** Commands: the stdout the mock gave them. */
    stdout?: string;
}

export interface StackRun {
    resources: Recorded[];
    outputs: Record<string, unknown>;
    secretOutputs: string[];
}

/** What local-scripts/lab-keygen.sh printed once, for the mocked key resource. */
let keygenOutput: string | undefined;
export function realKeygenOutput(): string {
    keygenOutput ??= execFileSync("bash", [path.join(ROOT, "local-scripts/lab-keygen.sh"), "netlab-test"], { encoding: "utf8" });
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
    const weave = /^weave-(u\d)$/.exec(name);
    if (weave) {
        const peers = ["u1", "u2", "u3"].filter((h) => h !== weave[1]);
        return `[weave ${weave[1]}] launching the router\n{"host":"${weave[1]}","encryption":"disabled","fastdp":"no fast datapath (bridge not supported)",`
            + `"connections":[${peers.map((p) => `{"peer":"${p}","mode":"sleeve","mtu":1438}`).join(",")}]}\n`;
    }
    const job = /^job-(.+)-run$/.exec(name);
    if (job) {
        return `${JSON.stringify({
            job: job[1], jobVersion: 0, deployment: { id: "d-1", jobVersion: 0, state: "successful", description: "Deployment completed successfully" },
            instances: [{ address: "10.32.0.2:8081", node: "u2", version: "v1.0.0", canary: false }],
            routes: [`/${job[1]}/ -> http://10.32.0.2:8081/ weight 1`],
            history: [{ jobVersion: 0, stable: true, versions: ["v1.0.0"] }],
        })}\n`;
    }
    if (/^checks-u\d$/.test(name)) {
        return `PASS ${name.slice(7)} host -> httpbackend@u2 10.32.0.2: this is httpbackendservice, version: v1.0.0\n`;
    }
    if (name.endsWith("checks-run")) {
        return "PASS nodes: 3/3 Ready\nUNSUPPORTED policy unlabelled pod@u2 -> service: reached\n";
    }
    return `host=${name} systemd=running docker=20.10.24\n`;
}

let port = 42000;
/**
 * A local command's mocked stdout (inputs unwrapped): docker hosts' steps (`docker exec`)
 * print what their host script prints; local-scripts/lab-ports.sh prints COUNT free ports on one line.
 */
function localStdout(name: string, inputs: Record<string, unknown>): string {
    if (name.endsWith("-ssh-key")) {
        return realKeygenOutput();
    }
    if (/^bash local-scripts\/(linkerd-certs|lab-tls)\.sh$/.test(String(inputs.create))) {
        // The mesh's and the lab CA's certificates: the real script (openssl, jq), as the program runs it.
        return execFileSync("bash", [String(inputs.create).replace(/^bash /, "")], {
            cwd: String(inputs.dir), env: { ...process.env, ...(inputs.environment as Record<string, string>) }, encoding: "utf8",
        });
    }
    const random = /^head -c (\d+) \/dev\/urandom \| base64$/.exec(String(inputs.create));
    if (random) {
        // A generated secret (components/secret.ts): random bytes, as the command prints them.
        return `${crypto.randomBytes(Number(random[1])).toString("base64")}\n`;
    }
    if (name.endsWith("-token")) {
        return `${MOCK_TOKEN}\n`;
    }
    if (name.endsWith("-ports")) {
        const args = /^bash -s -- (\d+) \S+$/.exec(String(inputs.create));
        if (!args) {
            throw new Error(`${name}: lab-ports.sh is run as 'bash -s -- COUNT PREFIX', not '${String(inputs.create)}'`);
        }
        return `${Array.from({ length: Number(args[1]) }, () => port++).join(" ")}\n`;
    }
    return String(inputs.create).startsWith("docker exec ") ? remoteStdout(name) : "";
}

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
                state.stdout = localStdout(args.name, unwrapSecrets(inputs) as Record<string, unknown>);
                break;
            case "command:remote:Command":
                state.stdout = remoteStdout(args.name);
                break;
            case "docker:index/remoteImage:RemoteImage":
                state.imageId = "sha256:0123456789abcdef";
                break;
        }
        if (rec && typeof state.stdout === "string") {
            rec.stdout = state.stdout;
        }
        return { id: `${args.name}-id`, state };
    },
    call: (args: pulumi.runtime.MockCallArgs) => args.inputs as Record<string, unknown>,
};

/** An Output's (or plain value's) value and whether it is secret. */
export async function resolve(value: unknown): Promise<{ value: unknown; secret: boolean }> {
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

/** A host key as ssh-keyscan prints it after the host name (made once, for ssh hosts in the tests). */
export function fakeHostKey(): string {
    return realKeygenOutput().split("\n").find((l) => l.startsWith("ssh-ed25519 "))?.split(" ").slice(0, 2).join(" ") ?? "";
}

/** The ssh example's `netlab:hosts` with each host's key pinned (as a user sets them). */
export function sshExampleHosts(): Record<string, string> {
    const hosts = JSON.parse(stackFileConfig("Pulumi.ssh-example.yaml")["netlab:hosts"]) as Record<string, unknown>[];
    return { "netlab:hosts": JSON.stringify(hosts.map((h) => ({ ...h, hostKey: fakeHostKey() }))) };
}

/** Runs a stack file of the repo (with Pulumi.yaml's defaults under it). */
/** A stand-in artifacts directory holding each of `files` (fake content), for the stacks that push them. */
export function fakeArtifacts(files: string[]): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-artifacts-"));
    for (const f of files) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.writeFileSync(path.join(dir, f), `fake ${f}`);
    }
    return dir;
}

/** The resource of a run named `name` (the assertion lists the names there are). */
export function named(run: StackRun, name: string): Recorded {
    const r = run.resources.find((x) => x.name === name);
    assert.ok(r, `no resource named ${name} (have: ${run.resources.map((x) => x.name).join(", ")})`);
    return r;
}

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
 * would have the old delete undo the new create. Local commands count too: the pushes, and
 * the host steps of docker hosts (`docker exec`). Returns how many such commands there are.
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


const sha256 = (text: string): string => crypto.createHash("sha256").update(text).digest("hex");

/** A regexp for one single-quoted shell word, as lib/scripts' shellQuote writes it (a quote inside as '\''). */
const QUOTED = "'(?:[^']|'\\\\'')*'";
const DOCKER_EXEC = new RegExp(`^docker exec -i (${QUOTED}) bash -c (${QUOTED})$`, "s");
const IF_RUNNING = new RegExp(`^if \\[ "\\$\\(docker inspect -f '\\{\\{\\.State\\.Running\\}\\}' (${QUOTED}) 2>/dev/null\\)" = true \\]; then (.*); fi$`, "s");

/** The value of one single-quoted shell word (the inverse of shellQuote). */
export function shellUnquote(word: string): string {
    assert.match(word, new RegExp(`^${QUOTED}$`, "s"), `not one single-quoted word: ${word}`);
    return word.slice(1, -1).replace(/'\\''/g, "'");
}

/** A host step (components/host-command.ts) with the command lines its host's shell runs. */
export interface HostStep {
    resource: Recorded;
    /** docker hosts: the container the step runs in; undefined for ssh hosts. */
    container?: string;
    create: string;
    update?: string;
    delete?: string;
    /** The standard input ("" when none). */
    stdin: string;
    triggers: unknown[];
}

/**
 * A host step's command lines: a remote command's as they are; a local command's out of its
 * `docker exec -i 'CONTAINER' bash -c 'LINE'` (create, update), the delete run only while the
 * container runs. Fails when a local command is not in that form.
 */
export function hostStep(r: Recorded): HostStep {
    const field = (key: string): string | undefined => r.inputs[key] as string | undefined;
    const base = { resource: r, stdin: field("stdin") ?? "", triggers: (r.inputs.triggers as unknown[] | undefined) ?? [] };
    if (r.type === "command:remote:Command") {
        return { ...base, create: field("create") ?? "", update: field("update"), delete: field("delete") };
    }
    assert.strictEqual(r.type, "command:local:Command", `${r.name} is no host step`);
    const create = DOCKER_EXEC.exec(field("create") ?? "");
    assert.ok(create, `${r.name}: create is not docker exec -i 'CONTAINER' bash -c 'LINE': ${field("create")}`);
    const container = shellUnquote(create[1]);
    const inside = (what: string, line: string): string => {
        const m = DOCKER_EXEC.exec(line);
        assert.ok(m, `${r.name}: ${what} is not docker exec -i 'CONTAINER' bash -c 'LINE': ${line}`);
        assert.strictEqual(shellUnquote(m[1]), container, `${r.name}: ${what} runs in another container`);
        return shellUnquote(m[2]);
    };
    const update = field("update");
    const del = field("delete");
    let deleteLine: string | undefined;
    if (del !== undefined) {
        const m = IF_RUNNING.exec(del);
        assert.ok(m, `${r.name}: delete is not run only while the container runs: ${del}`);
        assert.strictEqual(shellUnquote(m[1]), container, `${r.name}: delete checks another container`);
        deleteLine = inside("delete", m[2]);
    }
    return {
        ...base, container, create: inside("create", create[0]), update: update === undefined ? undefined : inside("update", update), delete: deleteLine,
    };
}

/**
 * Checks every host step of a run against components/host-command.ts's rules, and returns them:
 *  - docker hosts: no remote command; each step a local command that runs its lines with
 *    `docker exec` in one of the stack's host containers (`netlab-<stack>-<host>`), its delete
 *    only while the container runs; its last trigger the container's id (its generation);
 *  - ssh hosts: each step a remote command whose connection reaches the engine as a secret;
 *  - a step without an update command has the sha256 of its create line and stdin as a trigger
 *    (the last one, before the generation); a step with one does not;
 *  - a step with a delete command is deleted before it is replaced.
 */
export function checkHostSteps(run: StackRun, stack: string, provider: "docker" | "ssh"): HostStep[] {
    const containers = run.resources.filter((r) => r.type === "docker:index/container:Container");
    let steps: HostStep[];
    if (provider === "docker") {
        assert.deepStrictEqual(run.resources.filter((r) => r.type === "command:remote:Command").map((r) => r.name), [], "docker hosts: no SSH step");
        steps = run.resources.filter((r) => r.type === "command:local:Command" && String(r.inputs.create).startsWith("docker exec ")).map(hostStep);
    } else {
        assert.strictEqual(containers.length, 0);
        steps = run.resources.filter((r) => r.type === "command:remote:Command").map(hostStep);
        assert.ok(!run.resources.some((r) => String(r.inputs.create).includes("docker exec")), "ssh hosts: no docker exec");
    }
    for (const s of steps) {
        const r = s.resource;
        let digestAt = s.triggers.length - 1;
        if (provider === "docker") {
            assert.match(s.container ?? "", new RegExp(`^netlab-${stack}-u\\d+$`), `${r.name} runs in ${s.container}`);
            const container = containers.find((c) => c.inputs.name === s.container);
            assert.ok(container, `${r.name}: no container named ${s.container}`);
            assert.strictEqual(s.triggers[s.triggers.length - 1], `${container.name}-id`, `${r.name}: a new ${s.container} replaces it`);
            digestAt--;
        } else {
            assert.ok(r.secretInputs.includes("connection"), `${r.name}: the connection (with its key) reaches the engine as a secret`);
            const conn = r.inputs.connection as { host: string; port: number; user: string; privateKey: string };
            assert.match(conn.privateKey, /BEGIN OPENSSH PRIVATE KEY/, r.name);
        }
        const digest = sha256(`${s.create}\0${s.stdin}`);
        if (s.update === undefined) {
            assert.strictEqual(s.triggers[digestAt], digest, `${r.name}: without an update command, a changed script replaces it`);
        } else {
            assert.ok(!s.triggers.includes(digest), `${r.name}: with an update command, a changed script is run in place`);
        }
        if (s.delete !== undefined) {
            assert.ok(r.deleteBeforeReplace, `${r.name}: deletes what it made, so it is deleted before it is replaced`);
        }
    }
    return steps;
}
