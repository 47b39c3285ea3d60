import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dockerExec, scriptDigest } from "../components/host-command";
import { resolve } from "./harness";

/**
 * Runs a command line in bash with a stand-in `docker` first on PATH: `docker inspect` answers
 * for a container in `state` (running, stopped, or gone: no such container), and `docker exec`
 * records its arguments, one per line, then runs the command after the container name here.
 */
function withFakeDocker(line: string, state: "running" | "stopped" | "gone", input = ""): { r: SpawnSyncReturns<string>; argv?: string[] } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-docker-"));
    try {
        fs.writeFileSync(path.join(dir, "docker"), [
            "#!/usr/bin/env bash",
            "set -euo pipefail",
            "case $1 in",
            `inspect) case ${state} in running) echo true ;; stopped) echo false ;; *) echo "Error: No such object: $4" >&2; exit 1 ;; esac ;;`,
            `exec) printf '%s\\n' "$@" > ${dir}/argv; shift 3; exec "$@" ;;`,
            "esac",
            "",
        ].join("\n"), { mode: 0o755 });
        const r = spawnSync("bash", ["-c", line], { encoding: "utf8", input, env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
        const argvFile = path.join(dir, "argv");
        return { r, argv: fs.existsSync(argvFile) ? fs.readFileSync(argvFile, "utf8").split("\n").slice(0, -1) : undefined };
    } finally {
        fs.rmSync(dir, { recursive: true });
    }
}

describe("host steps (components/host-command.ts)", () => {
    it("dockerExec: the command line goes to the container's bash as one quoted word", () => {
        assert.strictEqual(dockerExec("netlab-dev-u1", "bash -s"), "docker exec -i 'netlab-dev-u1' bash -c 'bash -s'");
        assert.strictEqual(dockerExec("netlab-dev-u1", "echo 'it'\"s\""), "docker exec -i 'netlab-dev-u1' bash -c 'echo '\\''it'\\''\"s\"'");
    });

    it("dockerExec: a line with single quotes, dollars and newlines reaches the container's bash unchanged, stdin too", () => {
        const line = "printf '%s|' \"it's\" 'a \"b\"' \"$((1 + 2))\"\nread -r x; echo \"<$x>\"";
        const { r, argv } = withFakeDocker(dockerExec("netlab-dev-u2", line), "running", "from stdin\n");
        assert.strictEqual(r.status, 0, r.stderr);
        assert.deepStrictEqual(argv, ["exec", "-i", "netlab-dev-u2", "bash", "-c", ...line.split("\n")]);
        assert.strictEqual(r.stdout, "it's|a \"b\"|3|<from stdin>\n");
    });

    it("dockerExec: a failing line fails the step", () => {
        const { r } = withFakeDocker(dockerExec("c1", "echo no >&2; exit 3"), "running");
        assert.strictEqual(r.status, 3);
        assert.strictEqual(r.stderr, "no\n");
    });

    it("dockerExec with ifRunning: runs the line only while the container runs, else nothing and success", () => {
        const del = dockerExec("netlab-dev-u1", "rm -f '/etc/x y'", true);
        assert.strictEqual(del, `if [ "$(docker inspect -f '{{.State.Running}}' 'netlab-dev-u1' 2>/dev/null)" = true ]; ` +
            "then docker exec -i 'netlab-dev-u1' bash -c 'rm -f '\\''/etc/x y'\\'''; fi");
        const running = withFakeDocker(dockerExec("netlab-dev-u1", "echo cleaned; exit 4", true), "running");
        assert.deepStrictEqual([running.r.status, running.r.stdout], [4, "cleaned\n"], "a failing cleanup still fails");
        for (const state of ["stopped", "gone"] as const) {
            const { r, argv } = withFakeDocker(dockerExec("netlab-dev-u1", "echo cleaned", true), state);
            assert.deepStrictEqual([r.status, r.stdout, r.stderr, argv], [0, "", "", undefined], state);
        }
    });

    it("scriptDigest: the sha256 of the command line and stdin, which changes when either does", async () => {
        const digest = async (create: pulumi.Input<string>, stdin?: pulumi.Input<string>): Promise<string> =>
            (await resolve(scriptDigest(create, stdin))).value as string;
        const sha = crypto.createHash("sha256").update("bash -s\0echo 1\n").digest("hex");
        assert.strictEqual(await digest("bash -s", "echo 1\n"), sha);
        assert.strictEqual(await digest(pulumi.output("bash -s"), pulumi.output("echo 1\n")), sha, "Outputs as plain values");
        assert.notStrictEqual(await digest("bash -s", "echo 2\n"), sha, "a changed script");
        assert.notStrictEqual(await digest("bash -s -x", "echo 1\n"), sha, "a changed command line");
        assert.notStrictEqual(await digest("ab", "c"), await digest("a", "bc"), "the line and stdin do not run together");
        assert.strictEqual(await digest("true"), await digest("true", ""), "no stdin is empty stdin");
    });

    it("scriptDigest: secret when the script is", async () => {
        assert.strictEqual((await resolve(scriptDigest("bash -s", pulumi.secret("TOKEN=x")))).secret, true);
        assert.strictEqual((await resolve(scriptDigest("bash -s", "echo"))).secret, false);
    });
});
