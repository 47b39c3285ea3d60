/**
 * The host scripts' shared prelude (host-scripts/lib/prelude.sh), run in a real bash: small
 * scripts call its helpers, with fakes of the commands they drive first on PATH.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HOST_PRELUDE, REPO_ROOT, renderHostScript, renderScript } from "../lib/scripts";

const PRELUDE = fs.readFileSync(path.join(REPO_ROOT, HOST_PRELUDE), "utf8");

interface Result {
    status: number | null;
    stdout: string;
    stderr: string;
}

describe("host script prelude (host-scripts/lib/prelude.sh)", () => {
    let dir: string;
    let bin: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-prelude-"));
        bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** A fake command on PATH: a bash script (BODY), which also appends its arguments to DIR/NAME.calls. */
    const fake = (name: string, body = ""): void => {
        fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\necho "$*" >>${JSON.stringify(path.join(dir, `${name}.calls`))}\n${body}\n`, { mode: 0o755 });
    };
    const calls = (name: string): string[] => {
        const f = path.join(dir, `${name}.calls`);
        return fs.existsSync(f) ? fs.readFileSync(f, "utf8").split("\n").filter((l) => l !== "") : [];
    };
    /** Runs LINES after the prelude as a host script named "probe" would (piped to `bash -s`). */
    const run = (...lines: string[]): Result => {
        const script = renderScript(`#!/usr/bin/env bash\nset -euo pipefail\n${lines.join("\n")}\n`, { NETLAB_SCRIPT: "probe" }, PRELUDE);
        const r = spawnSync("bash", ["-s"], { input: script, cwd: dir, encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };

    describe("log and die", () => {
        it("log writes one line to stderr: the time (UTC), the script's name and the message", () => {
            const r = run("log hello world; echo out");
            assert.strictEqual(r.status, 0);
            assert.strictEqual(r.stdout, "out\n");
            assert.match(r.stderr, /^\d\d:\d\d:\d\d probe: hello world\n$/);
        });

        it("die logs and exits 1: nothing after it runs", () => {
            const r = run("die \"it broke\"; echo after");
            assert.strictEqual(r.status, 1);
            assert.strictEqual(r.stdout, "");
            assert.match(r.stderr, /^\d\d:\d\d:\d\d probe: it broke\n$/);
        });

        it("renderHostScript names the script in its messages, and keeps that input to itself", () => {
            fake("ctr");
            const script = renderHostScript("host-scripts/containerd-images.sh", { NETLAB_IMAGE_TARS: path.join(dir, "nope.tar"), NETLAB_IMAGES: "a:1" });
            assert.match(script, /^NETLAB_SCRIPT='containerd-images'$/m);
            const r = spawnSync("bash", ["-s"], { input: script, encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
            assert.strictEqual(r.status, 1);
            assert.match(r.stderr, new RegExp(`containerd-images: ${path.join(dir, "nope.tar")} is missing on `));
            assert.throws(() => renderHostScript("host-scripts/wait-ready.sh", { NETLAB_SCRIPT: "x" }), /set by renderHostScript/);
        });
    });

    describe("wait_until and try_until", () => {
        // sleep records its calls and returns at once.
        beforeEach(() => fake("sleep"));

        it("retries until the command succeeds, a second apart, in this shell, its output kept to itself", () => {
            const r = run(
                "n=0",
                "attempt() { n=$((n + 1)); echo \"try $n\"; [ \"$n\" -ge 3 ]; }",
                "wait_until 60 \"the third try\" attempt",
                "echo \"tries=$n\"",
            );
            assert.strictEqual(r.status, 0, r.stderr);
            assert.strictEqual(r.stdout, "tries=3\n", "the variable it set is seen after it; its output is not printed");
            assert.strictEqual(r.stderr, "");
            assert.deepStrictEqual(calls("sleep"), ["1", "1"], "a second between tries, none after the last");
        });

        it("times out: dies naming what it waited for and what the last try said, with a progress line every 10 s", () => {
            // Each try moves bash's clock on by 4 s: no real waiting.
            const r = run(
                "never() { SECONDS=$((SECONDS + 4)); echo \"not yet at $SECONDS\"; echo \"(stderr too)\" >&2; return 1; }",
                "wait_until 30 \"the moon to rise\" never",
                "echo after",
            );
            assert.strictEqual(r.status, 1);
            assert.strictEqual(r.stdout, "", "nothing after it ran");
            assert.match(r.stderr, /probe: timed out after 30s waiting for the moon to rise; the last try said:\nnot yet at 3\d\n\(stderr too\)\n$/);
            assert.strictEqual((r.stderr.match(/probe: still waiting for the moon to rise \(\d+s of 30s\)/g) ?? []).length, 2, r.stderr);
        });

        it("tries once even with no time left; try_until returns 1 instead of dying, the last output in $tried_output", () => {
            const r = run(
                "try_until 0 \"a miracle\" sh -c 'echo no luck; exit 3' && echo yes || echo \"no: $tried_output\"",
                "try_until 0 \"the truth\" true && echo \"yes: [$tried_output]\"",
            );
            assert.strictEqual(r.status, 0, r.stderr);
            assert.strictEqual(r.stdout, "no: no luck\nyes: []\n");
            assert.deepStrictEqual(calls("sleep"), []);
        });

        it("the command reads no stdin: the rest of a script piped to bash -s still runs", () => {
            const r = run("wait_until 5 \"a reader\" cat\necho after");
            assert.strictEqual(r.status, 0, r.stderr);
            assert.strictEqual(r.stdout, "after\n");
        });
    });

    describe("write_if_changed", () => {
        it("status 0 when it changed the file, 1 when the file already held that; no temporary file left", () => {
            const f = path.join(dir, "f");
            const write = (text: string, args = ""): number | null => run(`write_if_changed ${f} ${args} <<<${JSON.stringify(text)}`).status;
            assert.strictEqual(write("one"), 0, "a new file is a change");
            assert.strictEqual(fs.statSync(f).mode & 0o777, 0o644, "0644 unless told");
            assert.strictEqual(write("one"), 1, "the same text is none");
            assert.strictEqual(write("two", "0640"), 0);
            assert.strictEqual(fs.readFileSync(f, "utf8"), "two\n");
            assert.strictEqual(fs.statSync(f).mode & 0o777, 0o640);
            assert.strictEqual(write("three", `0600 ${os.userInfo().uid}:${os.userInfo().gid}`), 0, "with an owner");
            assert.deepStrictEqual(fs.readdirSync(dir).sort(), ["bin", "f"]);
        });

        it("dies when it cannot set the owner, and leaves the file as it was", () => {
            const f = path.join(dir, "f");
            fs.writeFileSync(f, "old\n");
            const r = run(`if write_if_changed ${f} 0640 netlab-no-such-user:netlab-no-such-group <<<new; then echo changed; fi; echo after`);
            assert.strictEqual(r.status, 1);
            assert.strictEqual(r.stdout, "", "even called as a condition");
            assert.match(r.stderr, new RegExp(`probe: cannot write ${f}`));
            assert.strictEqual(fs.readFileSync(f, "utf8"), "old\n");
            assert.deepStrictEqual(fs.readdirSync(dir).sort(), ["bin", "f"]);
        });
    });

    describe("import_images", () => {
        const tars = (): string[] => ["a.tar", "b.tar"].map((t) => {
            fs.writeFileSync(path.join(dir, t), "");
            return path.join(dir, t);
        });
        /** A fake ctr whose image list is IMAGES. */
        const ctr = (images: string[]): void => fake("ctr", `if [ "$4" = ls ]; then printf '%s\\n' ${images.map((i) => JSON.stringify(i)).join(" ")}; fi`);

        it("imports every tarball into containerd's k8s.io namespace, then finds every image expected", () => {
            const [a, b] = tars();
            ctr(["docker.io/library/other:1", "localhost/netlab/x:1", "localhost/netlab/y:2"]);
            const r = run(`import_images "${a} ${b}" "localhost/netlab/x:1 localhost/netlab/y:2"; echo imported`);
            assert.strictEqual(r.status, 0, r.stderr);
            assert.strictEqual(r.stdout, "imported\n");
            assert.deepStrictEqual(calls("ctr"), [`-n k8s.io images import ${a}`, `-n k8s.io images import ${b}`, "-n k8s.io images ls -q"]);
        });

        it("dies naming an image the tarballs did not provide (a whole line must match)", () => {
            const [a, b] = tars();
            ctr(["localhost/netlab/x:1", "localhost/netlab/y:22"]);
            const r = run(`import_images "${a} ${b}" "localhost/netlab/x:1 localhost/netlab/y:2"; echo imported`);
            assert.strictEqual(r.status, 1);
            assert.strictEqual(r.stdout, "");
            assert.match(r.stderr, new RegExp(`probe: ${a} ${b} did not provide localhost/netlab/y:2 on `));
        });

        it("dies on a missing tarball before importing anything after it", () => {
            const [a] = tars();
            ctr(["localhost/netlab/x:1"]);
            const missing = path.join(dir, "missing.tar");
            const r = run(`import_images "${missing} ${a}" "localhost/netlab/x:1"`);
            assert.strictEqual(r.status, 1);
            assert.match(r.stderr, new RegExp(`probe: ${missing} is missing on `));
            assert.deepStrictEqual(calls("ctr"), []);
        });

        it("a failing import stops the script", () => {
            const [a] = tars();
            fake("ctr", "[ \"$4\" != import ] || exit 5");
            const r = run(`import_images "${a}" "localhost/netlab/x:1"; echo imported`);
            assert.strictEqual(r.status, 5);
            assert.strictEqual(r.stdout, "");
        });
    });

    describe("stamp_matches and stamp_save", () => {
        it("a step's stamp matches the text it was saved with, and only that; it holds the sha256 as kubeadm-init/join wrote it", () => {
            const stamp = path.join(dir, "config.sha256");
            const r = run(
                `stamp_matches ${stamp} "a: 1" && echo "before: yes" || echo "before: no"`,
                `stamp_save ${stamp} "a: 1"`,
                `stamp_matches ${stamp} "a: 1" && echo "same: yes" || echo "same: no"`,
                `stamp_matches ${stamp} "a: 2" && echo "other: yes" || echo "other: no"`,
            );
            assert.strictEqual(r.stdout, "before: no\nsame: yes\nother: no\n", r.stderr);
            assert.strictEqual(fs.readFileSync(stamp, "utf8"), `${crypto.createHash("sha256").update("a: 1").digest("hex")}\n`);
        });
    });
});
