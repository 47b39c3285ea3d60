/**
 * e2e for the dev stack: pulumi up -> the real lab (SSH, systemd, Docker inside each host,
 * hosts reaching each other) -> a second up with no changes -> destroy -> nothing left.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { changed, checkPrerequisites, dockerObjects, interruptedUp, LabStack, Phases, sh, shBuffer, sshArgs } from "./lab";
import { writeLabKeys } from "../../commands/lib/lab-stack";
import { HostOut } from "../../lib/lab";


describe("e2e: dev stack (three docker hosts)", function () {
    this.timeout(30 * 60 * 1000);
    const phases = new Phases();
    const lab = new LabStack("e2e-dev", "dev");
    const keyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "netlab-e2e-key-")), "lab.key");
    const knownHosts = path.join(path.dirname(keyFile), "known_hosts");
    let hosts: HostOut[] = [];
    let volumes: string[] = [];

    before(function () {
        checkPrerequisites();
        const clash = sh("docker", ["ps", "-a", "--format", "{{.Names}}", "--filter", `name=^${lab.prefix}-`]).trim();
        assert.strictEqual(clash, "", `containers of an earlier run are still there: ${clash} (docker rm -fv them)`);
    });

    after(async function () {
        fs.rmSync(path.dirname(keyFile), { recursive: true, force: true });
        console.log(`      phases: ${phases.times.map(([n, s]) => `${n} ${s.toFixed(1)} s`).join(", ")}`);
        await lab.dispose().catch(() => undefined);
    });

    it("pulumi up builds the lab", async () => {
        const stack = await lab.open();
        const result = await phases.time("up", () => stack.up({ onOutput: () => undefined }));
        assert.strictEqual(result.summary.result, "succeeded");
        hosts = result.outputs.hosts.value as HostOut[];
        assert.deepStrictEqual(hosts.map((h) => [h.name, h.labAddress]), [["u1", "192.168.56.3"], ["u2", "192.168.56.4"], ["u3", "192.168.56.5"]]);
        assert.ok(result.outputs.sshPrivateKey.secret, "the SSH key output is secret");
        // Every ssh below checks the host's key against the stack's pinned keys (StrictHostKeyChecking=yes).
        assert.deepStrictEqual(writeLabKeys(path.dirname(keyFile), result.outputs), { keyFile, knownHosts }, "the stack exports its hosts' pinned keys");
        const readiness = result.outputs.readiness.value as Record<string, string>;
        for (const h of hosts) {
            console.log(`      ${readiness[h.name]}`);
            assert.match(readiness[h.name], new RegExp(`^host=${h.name} hostname=${h.name} systemd=running docker=\\S+ kernel=`));
        }
        volumes = sh("docker", ["ps", "-a", "--filter", `label=netlab.lab=${lab.prefix}`, "-q"]).trim().split("\n")
            .flatMap((id) => sh("docker", ["inspect", "-f", "{{range .Mounts}}{{if eq .Type \"volume\"}}{{.Name}} {{end}}{{end}}", id]).trim().split(" "))
            .filter((v) => v);
        assert.strictEqual(volumes.length, 6, "one /var/lib/docker and one /var/lib/containerd volume per host");
    });

    it("every host answers over SSH with systemd running and a working Docker engine", async () => {
        await phases.time("checks", () => {
            const image = shBuffer("docker", ["save", "netlab/debian:bookworm"]);
            for (const h of hosts) {
                const ssh = sshArgs(keyFile, h.ssh.port, h.ssh.user, h.ssh.host, knownHosts);
                assert.strictEqual(sh("ssh", [...ssh, "hostname"]).trim(), h.name);
                assert.strictEqual(sh("ssh", [...ssh, "systemctl", "is-system-running"]).trim(), "running");
                sh("ssh", [...ssh, "docker", "load", "-q"], { input: image });
                assert.strictEqual(sh("ssh", [...ssh, "docker", "run", "--rm", "netlab/debian:bookworm", "echo", `nested-on-${h.name}`]).trim(), `nested-on-${h.name}`);
                for (const peer of hosts.filter((p) => p !== h)) {
                    sh("ssh", [...ssh, "ping", "-c", "1", "-W", "2", peer.labAddress]);
                }
            }
            return Promise.resolve();
        });
    });

    it("a second pulumi up changes nothing", async () => {
        const stack = lab.opened;
        const result = await phases.time("no-op up", () => stack.up({ expectNoChanges: true, onOutput: () => undefined }));
        assert.deepStrictEqual(changed(result), {});
    });

    const container = (h: HostOut): string => `${lab.prefix}-${h.name}`;
    const inspect = (h: HostOut, format: string): string => sh("docker", ["inspect", "-f", format, container(h)]).trim();
    const publishedPorts = (h: HostOut): string => sh("docker", ["port", container(h)]).trim();
    /** Waits until a host answers over SSH with systemd running (it boots after `up` started it). */
    const waitBooted = async (h: HostOut, seconds = 90): Promise<number> => {
        const start = Date.now();
        for (;;) {
            try {
                if (sh("ssh", [...sshArgs(keyFile, h.ssh.port, "root", "127.0.0.1", knownHosts), "systemctl is-system-running --wait"]).trim() === "running") {
                    return (Date.now() - start) / 1000;
                }
            } catch { /* not yet */ }
            assert.ok(Date.now() - start < seconds * 1000, `${h.name} did not answer over SSH with systemd running within ${seconds} s`);
            await new Promise((r) => setTimeout(r, 1000));
        }
    };

    it("a host stopped by hand: up --refresh starts it again, on the same ports, without replacing anything", async () => {
        const stack = lab.opened;
        const h = hosts[1];
        const ports = publishedPorts(h);
        const id = inspect(h, "{{.Id}}");
        sh("docker", ["stop", container(h)]);
        const result = await phases.time("up after a stop", () => stack.up({ refresh: true, onOutput: () => undefined }));
        console.log(`      changes: ${JSON.stringify(changed(result))}`);
        assert.deepStrictEqual(changed(result), { update: 1 }, "the container is started again, in place");
        assert.strictEqual(inspect(h, "{{.State.Running}} {{.Id}}"), `true ${id}`);
        assert.strictEqual(publishedPorts(h), ports);
        console.log(`      ${h.name} answered over SSH ${(await waitBooted(h)).toFixed(1)} s after up`);
        assert.strictEqual(sh("ssh", [...sshArgs(keyFile, h.ssh.port, "root", "127.0.0.1", knownHosts), "hostname"]).trim(), h.name);
    });

    it("a host removed by hand: up --refresh makes it again, on the same ports, and runs its steps again", async () => {
        const stack = lab.opened;
        const h = hosts[2];
        const ports = publishedPorts(h);
        const id = inspect(h, "{{.Id}}");
        sh("docker", ["rm", "-f", "-v", container(h)]);
        const result = await phases.time("up after a removal", () => stack.up({ refresh: true, onOutput: () => undefined }));
        console.log(`      changes: ${JSON.stringify(changed(result))}`);
        assert.deepStrictEqual(changed(result), { create: 1, replace: 1 }, "a new container, and its readiness gate again");
        assert.notStrictEqual(inspect(h, "{{.Id}}"), id);
        assert.strictEqual(publishedPorts(h), ports);
        const readiness = result.outputs.readiness.value as Record<string, string>;
        assert.match(readiness[h.name], new RegExp(`^host=${h.name} hostname=${h.name} systemd=running `));
        assert.strictEqual(sh("ssh", [...sshArgs(keyFile, h.ssh.port, "root", "127.0.0.1", knownHosts), "hostname"]).trim(), h.name);
    });

    it("every host restarted (docker restart): up --refresh finds nothing to change, the ports stay", async () => {
        const stack = lab.opened;
        const ports = hosts.map(publishedPorts);
        sh("docker", ["restart", ...hosts.map(container)]);
        const result = await phases.time("up after a restart", () => stack.up({ refresh: true, onOutput: () => undefined }));
        assert.deepStrictEqual(changed(result), {});
        assert.deepStrictEqual(hosts.map(publishedPorts), ports);
        for (const h of hosts) {
            await waitBooted(h);
        }
    });

    it("each host presents its own pinned host key: ssh refuses a host whose key is not the one pinned for it", () => {
        const lines = fs.readFileSync(knownHosts, "utf8").trim().split("\n");
        assert.strictEqual(new Set(lines.map((l) => l.split(" ")[2])).size, hosts.length, "a key per host");
        // u1's key pinned for u2's port: ssh must refuse to talk to u2.
        const swapped = path.join(path.dirname(keyFile), "swapped_known_hosts");
        fs.writeFileSync(swapped, `[127.0.0.1]:${hosts[1].ssh.port} ${lines[0].split(" ").slice(1).join(" ")}\n`);
        const r = spawnSync("ssh", [...sshArgs(keyFile, hosts[1].ssh.port, "root", "127.0.0.1", swapped), "hostname"], { encoding: "utf8" });
        assert.notStrictEqual(r.status, 0);
        assert.match(r.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
        console.log(`      ${hosts[1].name} with ${hosts[0].name}'s key pinned: ${r.stderr.trim().split("\n").slice(-1)[0]}`);
    });

    it("the same machines, taken as existing hosts over SSH (hostProvider ssh), pass the readiness gates", async () => {
        const ssh = new LabStack("e2e-ssh", "dev");
        try {
            const stack = await ssh.open();
            await stack.setConfig("netlab:hostProvider", { value: "ssh" });
            await stack.setConfig("netlab:sshPrivateKey", { value: fs.readFileSync(keyFile, "utf8"), secret: true });
            await stack.setConfig("netlab:hosts", {
                // Each host's key pinned from the docker stack's known_hosts: every connection checks it.
                value: JSON.stringify(hosts.map((h) => ({
                    name: h.name, labAddress: h.labAddress, address: h.ssh.host, port: h.ssh.port,
                    hostKey: fs.readFileSync(knownHosts, "utf8").split("\n").find((l) => l.startsWith(`[127.0.0.1]:${h.ssh.port} `))?.split(" ").slice(1).join(" "),
                }))),
            });
            const result = await phases.time("ssh-hosts up", () => stack.up({ onOutput: () => undefined }));
            const readiness = result.outputs.readiness.value as Record<string, string>;
            for (const h of hosts) {
                assert.match(readiness[h.name], new RegExp(`^host=${h.name} hostname=${h.name} systemd=running `));
            }
            assert.ok(result.outputs.sshPrivateKey.secret);
            await phases.time("ssh-hosts destroy", () => stack.destroy({ onOutput: () => undefined }));
        } finally {
            await ssh.dispose();
        }
        // The ssh stack touched nothing of the docker stack's: its hosts still answer.
        assert.strictEqual(sh("ssh", [...sshArgs(keyFile, hosts[0].ssh.port, "root", "127.0.0.1", knownHosts), "hostname"]).trim(), "u1");
    });

    it("pulumi destroy leaves no container, network, volume, image or state", async () => {
        const stack = lab.opened;
        const result = await phases.time("destroy", () => stack.destroy({ onOutput: () => undefined }));
        assert.strictEqual(result.summary.result, "succeeded");
        assert.strictEqual(sh("docker", ["ps", "-a", "-q", "--filter", `label=netlab.lab=${lab.prefix}`]).trim(), "");
        assert.strictEqual(sh("docker", ["network", "ls", "-q", "--filter", `label=netlab.lab=${lab.prefix}`]).trim(), "");
        const leftVolumes = sh("docker", ["volume", "ls", "-q"]).split("\n").filter((v) => volumes.includes(v));
        assert.deepStrictEqual(leftVolumes, []);
        assert.strictEqual(sh("docker", ["images", "-q", `netlab/node:${lab.prefix}`]).trim(), "");
        assert.strictEqual(sh("docker", ["images", "-a", "-q", "--filter", `label=netlab.lab=${lab.prefix}`]).trim(), "", "no image the stack built");
        const leftState = await lab.dispose();
        assert.deepStrictEqual(leftState, [], "the stack's state is gone");
        lab.stack = undefined;
    });

    it("an up interrupted (SIGINT) while the hosts are being created, then up again: the same lab, nothing orphaned", async () => {
        const again = new LabStack("e2e-int", "dev");
        try {
            const stack = await again.open();
            const line = await phases.time("interrupted up", () => interruptedUp(stack, /Container\s+lab-u\d\s+creating/));
            console.log(`      interrupted at: ${line}`);
            console.log(`      left by the interrupted up: ${JSON.stringify(dockerObjects(again.prefix))}`);
            const result = await phases.time("up after the interruption", () => stack.up({ onOutput: () => undefined }));
            assert.strictEqual(result.summary.result, "succeeded");
            const objects = dockerObjects(again.prefix);
            assert.deepStrictEqual(objects.containers, ["u1", "u2", "u3"].map((h) => `${again.prefix}-${h}`));
            assert.deepStrictEqual(objects.networks, [`${again.prefix}-lab`]);
            const readiness = result.outputs.readiness.value as Record<string, string>;
            assert.deepStrictEqual(Object.keys(readiness).sort(), ["u1", "u2", "u3"]);
            const noop = await stack.up({ onOutput: () => undefined });
            assert.deepStrictEqual(changed(noop), {});
            await phases.time("destroy after the interruption", () => stack.destroy({ onOutput: () => undefined }));
            assert.deepStrictEqual(dockerObjects(again.prefix), { containers: [], networks: [], images: [] }, "nothing orphaned");
        } finally {
            assert.deepStrictEqual(await again.dispose(), []);
        }
    });
});
