import * as assert from "assert";
import { execFileSync, spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { hashDirectory, renderHostScript, renderScript, shellQuote, splitKeyPair } from "../lib/scripts";
import { realKeygenOutput, ROOT } from "./harness";

/** Every shell script the repo tracks or holds (host scripts, local scripts, image scripts, CI). */
function shellScripts(): string[] {
    const out: string[] = [];
    const walk = (dir: string): void => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            if ([".git", "node_modules", ".pulumi-state", ".toolchain", "bin"].includes(e.name)) {
                continue;
            }
            const full = path.join(dir, e.name);
            if (e.isDirectory()) {
                walk(full);
            } else if (e.name.endsWith(".sh") || fs.readFileSync(full, "utf8").startsWith("#!/usr/bin/env bash")) {
                out.push(full);
            }
        }
    };
    walk(ROOT);
    return out;
}

/** A sourced shell library's first line: a shellcheck directive instead of a shebang (e.g. toolchain/lib/*.sh). */
const LIBRARY_DIRECTIVE = /^# shellcheck shell=bash(\s|$)/;

describe("host scripts", () => {
    it("every shell script starts with bash and sets -euo pipefail (sourced libraries excepted)", () => {
        const scripts = shellScripts().filter((s) => !LIBRARY_DIRECTIVE.test(fs.readFileSync(s, "utf8")));
        assert.ok(scripts.length >= 20, `found only ${scripts.length} scripts`);
        for (const s of scripts) {
            const text = fs.readFileSync(s, "utf8");
            assert.ok(text.startsWith("#!/usr/bin/env bash\n"), `${s}: shebang`);
            assert.match(text, /^set -euo pipefail$/m, `${s}: set -euo pipefail`);
        }
    });

    it("a sourced library (first line '# shellcheck shell=bash', no shebang) is not executable", () => {
        const libraries = shellScripts().filter((s) => LIBRARY_DIRECTIVE.test(fs.readFileSync(s, "utf8")));
        const rel = libraries.map((s) => path.relative(ROOT, s));
        assert.ok(rel.includes(path.join("toolchain", "lib", "go-build.sh")) && rel.includes(path.join("toolchain", "recipes", "consul.sh")), rel.join(", "));
        for (const s of libraries) {
            assert.strictEqual(fs.statSync(s).mode & 0o111, 0, `${s}: executable, so it must start with bash and set -euo pipefail`);
        }
    });

    it("every shell script passes shellcheck", function () {
        const probe = spawnSync("shellcheck", ["--version"]);
        assert.ok(!probe.error, "shellcheck is not installed: apt-get install -y shellcheck (CI installs it)");
        const r = spawnSync("shellcheck", ["-S", "style", "-x", ...shellScripts()], { encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stdout + r.stderr);
    });

    it("shellQuote survives quotes, spaces, dollars and newlines in a real bash", () => {
        const nasty = `it's "a" $HOME \`x\` \\ \n line2`;
        const out = execFileSync("bash", ["-c", `printf %s ${shellQuote(nasty)}`], { encoding: "utf8" });
        assert.strictEqual(out, nasty);
    });

    it("renderScript puts inputs after set -euo pipefail, and bash sees them", () => {
        const src = "#!/usr/bin/env bash\n# header\nset -euo pipefail\necho \"$NETLAB_A-$NETLAB_B\"\n";
        const rendered = renderScript(src, { NETLAB_A: "x y", NETLAB_B: 3 });
        assert.ok(rendered.startsWith("#!/usr/bin/env bash\n# header\nset -euo pipefail\nNETLAB_A='x y'\n"));
        assert.strictEqual(execFileSync("bash", ["-c", rendered], { encoding: "utf8" }), "x y-3\n");
    });

    it("renderScript refuses unsafe input names and scripts without strict mode", () => {
        assert.throws(() => renderScript("set -euo pipefail\n", { "PATH": "x" }), /NETLAB_/);
        assert.throws(() => renderScript("echo hi\n", {}), /set -euo pipefail/);
    });

    /** Runs the rendered readiness gate against a fake systemctl that always reports `state`. */
    function runGate(state: string, host: string, timeout: number): SpawnSyncReturns<string> {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-ready-"));
        try {
            fs.writeFileSync(path.join(dir, "systemctl"), `#!/bin/sh\necho ${state}\n`, { mode: 0o755 });
            const script = renderHostScript("host-scripts/wait-ready.sh", { NETLAB_HOST: host, NETLAB_TIMEOUT: timeout, NETLAB_NEED_DOCKER: false });
            return spawnSync("bash", ["-c", script], { encoding: "utf8", env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
        } finally {
            fs.rmSync(dir, { recursive: true });
        }
    }

    it("the rendered readiness gate fails clearly when its host never becomes ready", () => {
        // 'starting' forever stands in for a host that never boots.
        const r = runGate("starting", "u9", 1);
        assert.notStrictEqual(r.status, 0);
        assert.match(r.stderr, /u9: systemd is 'starting' after 1s/);
    });

    it("the rendered readiness gate reports a ready host", () => {
        const r = runGate("degraded", "u1", 5);
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.stdout, /^host=u1 hostname=\S+ systemd=degraded docker=none kernel=/);
    });

    it("lab-keygen.sh makes a fresh ed25519 pair that splitKeyPair separates", () => {
        const a = splitKeyPair(realKeygenOutput());
        assert.match(a.privateKey, /^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+-----END OPENSSH PRIVATE KEY-----\n$/);
        assert.match(a.publicKey, /^ssh-ed25519 [A-Za-z0-9+/=]+ netlab-test$/);
        // The public key really belongs to the private key.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-key-"));
        fs.writeFileSync(path.join(dir, "k"), a.privateKey, { mode: 0o600 });
        const derived = execFileSync("ssh-keygen", ["-y", "-f", path.join(dir, "k")], { encoding: "utf8" }).split(" ").slice(0, 2).join(" ");
        fs.rmSync(dir, { recursive: true });
        assert.strictEqual(derived.trim(), a.publicKey.split(" ").slice(0, 2).join(" "));
        assert.throws(() => splitKeyPair("nothing here"), /no OpenSSH private key/);
    });

    /** Runs local-scripts/lab-ports.sh with stand-ins for ss (listening on `listening`) and docker (a container binding `bound`). */
    function labPorts(args: string[], listening: number[], bound: number[]): SpawnSyncReturns<string> {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-ports-"));
        try {
            const lines = (ports: number[], fmt: (p: number) => string): string => ports.map((p) => `echo '${fmt(p)}'`).join("\n");
            fs.writeFileSync(path.join(dir, "ss"), `#!/bin/sh\n${lines(listening, (p) => `LISTEN 0 4096 127.0.0.1:${p} 0.0.0.0:*`)}\n`, { mode: 0o755 });
            fs.writeFileSync(path.join(dir, "docker"), `#!/bin/sh\ncase $1 in ps) echo c0ffee ;; inspect) ${lines(bound, String) || ":"} ;; esac\n`, { mode: 0o755 });
            return spawnSync("bash", [path.join(ROOT, "local-scripts/lab-ports.sh"), ...args], { encoding: "utf8", env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
        } finally {
            fs.rmSync(dir, { recursive: true });
        }
    }

    it("lab-ports.sh prints COUNT distinct ports in 20000-29999 that nothing listens on or binds, the same for the same prefix", () => {
        // sshd on 22 (outside the range) stands in for a machine's usual listeners.
        const first = labPorts(["6", "netlab-dev"], [22], []);
        assert.strictEqual(first.status, 0, first.stderr);
        assert.match(first.stdout, /^\d+( \d+){5}\n$/);
        const picked = first.stdout.trim().split(" ").map(Number);
        assert.strictEqual(new Set(picked).size, 6);
        assert.ok(picked.every((p) => p >= 20000 && p <= 29999), first.stdout);
        assert.deepStrictEqual(labPorts(["6", "netlab-dev"], [22], []).stdout, first.stdout, "a stack's search starts at the same place");
        const again = labPorts(["6", "netlab-dev"], [22, picked[0]], [picked[1]]);
        assert.strictEqual(again.status, 0, again.stderr);
        const next = again.stdout.trim().split(" ").map(Number);
        assert.ok(!next.includes(picked[0]) && !next.includes(picked[1]), "a port listened on or bound by a container is not picked");
        assert.deepStrictEqual(next.slice(0, 4), picked.slice(2), "the others stay");
        const bad = labPorts([], [22], []);
        assert.notStrictEqual(bad.status, 0);
        assert.match(bad.stderr, /usage: lab-ports\.sh COUNT PREFIX/);
    });

    it("lab.sh asks the toolchain for what each stack uses and nothing more (dev: no Consul, Nomad or Weave)", () => {
        const fn = execFileSync("sed", ["-n", "/^toolchain_targets()/,/^}/p", path.join(ROOT, "commands/lab.sh")], { encoding: "utf8" });
        const fakeBin = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-fake-pulumi-"));
        fs.writeFileSync(path.join(fakeBin, "pulumi"), "#!/bin/sh\n", { mode: 0o755 });
        const targets = (stack: string, withOwnPulumi: boolean): string => execFileSync("bash", ["-c", `${fn}\ntoolchain=/nonexistent; toolchain_targets ${stack} | tr '\\n' ' '`], {
            cwd: ROOT, encoding: "utf8", env: { PATH: withOwnPulumi ? `${fakeBin}:/usr/bin:/bin` : "/usr/bin:/bin" },
        }).trim();
        const cli = "pulumi nodejs-host pulumi-command pulumi-docker";
        assert.strictEqual(targets("dev", false), `${cli} base-image`);
        assert.strictEqual(targets("weave-lab", false), `${cli} base-image weave-lab`);
        assert.strictEqual(targets("kube-lab", false), `${cli} base-image kube`);
        assert.strictEqual(targets("mesh-lab", false), `${cli} base-image kube linkerd`);
        assert.strictEqual(targets("ssh-example", false), `${cli} weave-lab`, "ssh hosts need no base image");
        assert.strictEqual(targets("dev", true), "base-image", "a Pulumi CLI of the user's own: no CLI or plugins built");
        fs.rmSync(fakeBin, { recursive: true, force: true });
    });

    it("host scripts get the shared prelude after their inputs; write_if_changed writes only a change", () => {
        const rendered = renderHostScript("host-scripts/consul-dns.sh", { NETLAB_ACTION: "delete" });
        const lines = rendered.split("\n");
        const set = lines.indexOf("set -euo pipefail");
        assert.strictEqual(lines[set + 1], "NETLAB_ACTION='delete'");
        assert.ok(lines.findIndex((l) => l.startsWith("write_if_changed() {")) > set + 1, "the prelude follows the inputs");
        assert.ok(lines.indexOf("install_unit() { # NAME") < lines.findIndex((l) => l.startsWith("action=")), "and comes before the script's own code");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-prelude-"));
        const prelude = fs.readFileSync(path.join(ROOT, "host-scripts/lib/prelude.sh"), "utf8");
        const run = (text: string): number => spawnSync("bash", ["-c", `set -euo pipefail\n${prelude}\nwrite_if_changed ${dir}/f <<'X'\n${text}\nX`]).status ?? -1;
        assert.strictEqual(run("one"), 0, "a new file is a change");
        assert.strictEqual(run("one"), 1, "the same text is none");
        assert.strictEqual(run("two"), 0);
        assert.strictEqual(fs.readFileSync(path.join(dir, "f"), "utf8"), "two\n");
        assert.deepStrictEqual(fs.readdirSync(dir), ["f"], "no temporary file left");
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("hashDirectory changes when a file changes and only then", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-hash-"));
        fs.mkdirSync(path.join(dir, "sub"));
        fs.writeFileSync(path.join(dir, "sub", "a"), "1");
        const h1 = hashDirectory(dir);
        assert.strictEqual(hashDirectory(dir), h1);
        fs.writeFileSync(path.join(dir, "sub", "a"), "2");
        assert.notStrictEqual(hashDirectory(dir), h1);
        fs.rmSync(dir, { recursive: true });
    });
});
