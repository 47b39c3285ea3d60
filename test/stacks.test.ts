import * as assert from "assert";
import { splitKeyPair } from "../lib/scripts";
import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkDeleteBeforeReplace, lastRecorded, realKeygenOutput, Recorded, runStackFile, StackRun } from "./harness";

const FAKE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n";

/** A stand-in artifacts directory (the real one is built by scripts/toolchain.sh). */
const ARTIFACTS = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-artifacts-"));
fs.writeFileSync(path.join(ARTIFACTS, "consul"), "fake consul");
fs.writeFileSync(path.join(ARTIFACTS, "nomad"), "fake nomad");
fs.writeFileSync(path.join(ARTIFACTS, "httpbackend"), "fake httpbackend");
const withArtifacts = { "netlab:artifactsDir": ARTIFACTS };
const sha256 = (text: string): string => crypto.createHash("sha256").update(text).digest("hex");

const byType = (run: StackRun, type: string): Recorded[] => run.resources.filter((r) => r.type === type);
const named = (run: StackRun, name: string): Recorded => {
    const r = run.resources.find((x) => x.name === name);
    assert.ok(r, `no resource named ${name} (have: ${run.resources.map((x) => x.name).join(", ")})`);
    return r;
};

describe("stack dev (docker hosts)", () => {
    let run: StackRun;
    before(async () => {
        run = await runStackFile("dev");
    });

    it("builds exactly the hosts layer: key, base image, node image, network, 3 containers, 3 readiness gates", () => {
        const count = (t: string): number => byType(run, t).length;
        assert.strictEqual(count("netlab:hosts:LabHosts"), 1);
        assert.strictEqual(count("command:local:Command"), 2);
        assert.strictEqual(count("docker:index/remoteImage:RemoteImage"), 1);
        assert.strictEqual(count("docker:index/network:Network"), 1);
        assert.strictEqual(count("docker:index/container:Container"), 3);
        assert.strictEqual(count("command:remote:Command"), 3);
        assert.strictEqual(run.resources.length, 11);
    });

    it("parents every resource to the LabHosts component", () => {
        for (const r of run.resources.filter((x) => x.type !== "netlab:hosts:LabHosts")) {
            assert.strictEqual(r.parent, "lab", `${r.name} is parented to ${r.parent}`);
        }
    });

    it("builds the node image after the base image and removes it on destroy", () => {
        const image = named(run, "lab-node-image");
        assert.deepStrictEqual(image.dependsOn, ["lab-base-image"]);
        assert.strictEqual(image.inputs.keepLocally, false);
        assert.strictEqual(image.inputs.name, "netlab/node:netlab-dev");
        const build = image.inputs.build as { context: string; buildArgs: Record<string, string> };
        assert.strictEqual(build.context, "images/node");
        assert.strictEqual(build.buildArgs.BASE_IMAGE, "netlab/debian:bookworm");
        assert.match((image.inputs.triggers as { context: string }).context, /^[0-9a-f]{64}$/);
    });

    it("creates the lab network 192.168.56.0/24 with the gateway at .1", () => {
        const net = named(run, "lab-network");
        assert.strictEqual(net.inputs.name, "netlab-dev-lab");
        assert.deepStrictEqual(net.inputs.ipamConfigs, [{ subnet: "192.168.56.0/24", gateway: "192.168.56.1" }]);
    });

    it("starts u1, u2, u3 at .3 .4 .5 with SSH published on loopback only", () => {
        const containers = byType(run, "docker:index/container:Container");
        assert.deepStrictEqual(containers.map((c) => [c.inputs.name, c.inputs.hostname]),
            [["netlab-dev-u1", "u1"], ["netlab-dev-u2", "u2"], ["netlab-dev-u3", "u3"]]);
        containers.forEach((c, i) => {
            const nets = c.inputs.networksAdvanced as { name: string; ipv4Address: string }[];
            assert.deepStrictEqual(nets, [{ name: "netlab-dev-lab", ipv4Address: `192.168.56.${3 + i}` }]);
            const ports = c.inputs.ports as { internal: number; ip: string; external?: number }[];
            assert.deepStrictEqual(ports.map((p) => [p.internal, p.ip, p.external]), [[22, "127.0.0.1", undefined]]);
        });
    });

    it("runs the containers VM-like without --privileged by default (capability form)", () => {
        for (const c of byType(run, "docker:index/container:Container")) {
            assert.strictEqual(c.inputs.privileged, false);
            assert.deepStrictEqual(c.inputs.capabilities, { adds: ["ALL"], drops: ["SYS_RESOURCE"] });
            assert.deepStrictEqual(c.inputs.securityOpts, ["seccomp=unconfined", "apparmor=unconfined", "systempaths=unconfined"]);
            assert.deepStrictEqual(c.inputs.deviceCgroupRules, ["a *:* rwm"]);
            assert.strictEqual(c.inputs.cgroupnsMode, "host");
            assert.deepStrictEqual(Object.keys(c.inputs.tmpfs as object).sort(), ["/run", "/run/lock"]);
            const vols = c.inputs.volumes as { containerPath: string; hostPath?: string }[];
            assert.deepStrictEqual(vols.map((v) => [v.containerPath, v.hostPath]),
                [["/sys/fs/cgroup", "/sys/fs/cgroup"], ["/var/lib/docker", undefined], ["/var/lib/containerd", undefined]]);
            assert.strictEqual(c.inputs.removeVolumes, true, "the anonymous /var/lib/docker and /var/lib/containerd volumes go with the container");
            assert.strictEqual(c.inputs.stopSignal, "SIGRTMIN+3");
        }
    });

    it("installs the generated public key and keeps the key pair secret", () => {
        const keys = splitKeyPair(realKeygenOutput());
        for (const c of byType(run, "docker:index/container:Container")) {
            assert.deepStrictEqual(c.inputs.uploads, [{ file: "/root/.ssh/authorized_keys", content: `${keys.publicKey}\n`, permissions: "0600" }]);
        }
        assert.deepStrictEqual(named(run, "lab-ssh-key").additionalSecretOutputs, ["stdout"]);
        assert.strictEqual(named(run, "lab-ssh-key").inputs.logging, "stderr", "the private key is not echoed to the console");
        assert.strictEqual(run.outputs.sshPrivateKey, keys.privateKey);
        assert.ok(run.secretOutputs.includes("sshPrivateKey"));
    });

    it("gates each host with a readiness check over a secret SSH connection to its published port", () => {
        const gates = byType(run, "command:remote:Command");
        assert.deepStrictEqual(gates.map((g) => g.name), ["lab-u1-ready", "lab-u2-ready", "lab-u3-ready"]);
        const ports = (run.outputs.hosts as { ssh: { port: number } }[]).map((h) => h.ssh.port);
        for (const [i, g] of gates.entries()) {
            const conn = g.inputs.connection as { host: string; port: number; user: string; privateKey: string };
            assert.deepStrictEqual([conn.host, conn.port, conn.user], ["127.0.0.1", ports[i], "root"]);
            assert.match(conn.privateKey, /BEGIN OPENSSH PRIVATE KEY/);
            assert.deepStrictEqual(g.secretInputs, ["connection"], "the connection (with its key) reaches the engine as a secret");
            assert.strictEqual(g.inputs.create, "bash -s");
            assert.match(g.inputs.stdin as string, new RegExp(`^NETLAB_HOST='u${i + 1}'$`, "m"));
        }
    });

    it("exports hosts, ssh commands and readiness in the clear and nothing else secret", () => {
        const hosts = run.outputs.hosts as { name: string; labAddress: string }[];
        assert.deepStrictEqual(hosts.map((h) => [h.name, h.labAddress]), [["u1", "192.168.56.3"], ["u2", "192.168.56.4"], ["u3", "192.168.56.5"]]);
        assert.match((run.outputs.sshCommands as Record<string, string>).u2, /^ssh -i lab.key .* -p \d+ root@127\.0\.0\.1$/);
        assert.deepStrictEqual(Object.keys(run.outputs.readiness as object), ["u1", "u2", "u3"]);
        assert.deepStrictEqual(run.secretOutputs, ["sshPrivateKey"]);
    });
});

describe("stack options", () => {
    it("privileged=true runs --privileged without the capability form", async () => {
        const run = await runStackFile("dev", { "netlab:privileged": "true" });
        for (const c of byType(run, "docker:index/container:Container")) {
            assert.strictEqual(c.inputs.privileged, true);
            assert.strictEqual(c.inputs.capabilities, undefined);
            assert.strictEqual(c.inputs.securityOpts, undefined);
        }
    });

    it("weave-lab builds the hosts and says which layers are not built yet", async () => {
        const run = await runStackFile("weave-lab", withArtifacts);
        assert.strictEqual(run.outputs.scenario, "weave-nomad");
        assert.deepStrictEqual(run.outputs.notBuilt, ["weave overlay", "workloads in weave subnets", "lab checks"]);
        assert.strictEqual(byType(run, "docker:index/container:Container").length, 3);
        assert.strictEqual(named(run, "lab-network").inputs.name, "netlab-weave-lab-lab");
    });

    it("ssh hosts: no Docker resources, one gate per host at its address with the configured key", async () => {
        const run = await runStackFile("ssh-example", { "netlab:sshPrivateKey": FAKE_KEY, ...withArtifacts }, ["netlab:sshPrivateKey"]);
        assert.strictEqual(run.resources.filter((r) => r.type.startsWith("docker:")).length, 0);
        assert.deepStrictEqual(byType(run, "command:local:Command").filter((c) => c.parent === "lab"), [], "no SSH key generation");
        const gates = byType(run, "command:remote:Command").filter((g) => g.name.endsWith("-ready"));
        assert.deepStrictEqual(gates.map((g) => {
            const c = g.inputs.connection as { host: string; port: number; user: string; privateKey: string };
            return [c.host, c.port, c.user, c.privateKey];
        }), ["3", "4", "5"].map((n) => [`192.168.56.${n}`, 22, "root", FAKE_KEY]));
        assert.ok(run.secretOutputs.includes("sshPrivateKey"));
        assert.deepStrictEqual((run.outputs.hosts as { ssh: { port: number } }[]).map((h) => h.ssh.port), [22, 22, 22]);
        assert.ok(gates.every((g) => g.secretInputs.includes("connection")));
    });

    it("weave-nomad pushes consul and nomad to every host after its readiness gate, key and all secret", async () => {
        const run = await runStackFile("weave-lab", withArtifacts);
        const pushes = byType(run, "command:local:Command").filter((c) => c.parent === "binaries");
        assert.deepStrictEqual(pushes.map((p) => p.name),
            ["u1", "u2", "u3"].flatMap((h) => [`binaries-${h}-consul`, `binaries-${h}-nomad`, `binaries-${h}-httpbackend`]));
        for (const p of pushes) {
            const host = p.name.split("-")[1];
            assert.deepStrictEqual(p.dependsOn, [`lab-${host}-ready`]);
            assert.deepStrictEqual(p.secretInputs, ["environment"], "the environment carries the private key");
            const env = p.inputs.environment as Record<string, string>;
            const file = p.name.split("-")[2];
            const dest = file === "httpbackend" ? "/usr/local/lib/netlab/httpbackend" : `/usr/local/bin/${file}`;
            assert.strictEqual(env.NETLAB_DEST, dest);
            assert.strictEqual(env.NETLAB_SHA256, sha256(`fake ${file}`));
            assert.deepStrictEqual(p.inputs.triggers, [sha256(`fake ${file}`), dest]);
            assert.match(env.NETLAB_SSH_KEY, /BEGIN OPENSSH PRIVATE KEY/);
            assert.match(p.inputs.delete as string, /NETLAB_ACTION=delete/);
        }
        assert.deepStrictEqual(Object.keys(run.outputs.binaries as object), ["u1", "u2", "u3"]);
    });

    it("weave-nomad runs a Consul server on every host, joined to the others, after the binaries", async () => {
        const run = await runStackFile("weave-lab", withArtifacts);
        const servers = byType(run, "command:remote:Command").filter((c) => c.parent === "consul" && /^consul-u\d$/.test(c.name));
        assert.deepStrictEqual(servers.map((c) => c.name), ["consul-u1", "consul-u2", "consul-u3"]);
        const key = named(run, "consul-gossip-key");
        assert.deepStrictEqual(key.additionalSecretOutputs, ["stdout"]);
        const gossip = run.outputs.consulGossipKey as string;
        assert.ok(run.secretOutputs.includes("consulGossipKey"));
        servers.forEach((c, i) => {
            assert.deepStrictEqual(c.dependsOn, [`lab-u${i + 1}-ready`, "binaries"]);
            assert.ok(c.secretInputs.includes("stdin"), "the rendered script carries the gossip key");
            const script = c.inputs.stdin as string;
            assert.ok(script.includes(`bind_addr        = "192.168.56.${3 + i}"`));
            const peers = [3, 4, 5].filter((n) => n !== 3 + i).map((n) => `"192.168.56.${n}"`).join(", ");
            assert.ok(script.includes(`retry_join       = [${peers}]`), "joins the other two");
            assert.ok(script.includes("bootstrap_expect = 3"));
            assert.ok(script.includes(`encrypt          = "${gossip}"`));
            assert.ok((c.inputs.delete as string).includes("NETLAB_AGENT='\\''consul'\\''"), "delete removes the consul agent");
        });
        assert.deepStrictEqual(named(run, "consul-cluster").dependsOn, ["consul-u1", "consul-u2", "consul-u3"]);
        for (const h of ["u1", "u2", "u3"]) {
            const dns = named(run, `consul-${h}-dns`);
            assert.deepStrictEqual(dns.dependsOn, ["consul-cluster"], "DNS is switched once the cluster has a leader");
            assert.ok((dns.inputs.delete as string).includes("NETLAB_ACTION='\\''delete'\\''"), "delete restores the host's DNS");
        }
        assert.match(run.outputs.CONSUL_HTTP_ADDR as string, /^http:\/\/127\.0\.0\.1:\d+$/);
        const ports = byType(run, "docker:index/container:Container")[0].inputs.ports as { internal: number }[];
        assert.deepStrictEqual(ports.map((p) => p.internal), [22, 8500, 4646]);
    });

    it("weave-nomad runs a Nomad server+client on every host after Consul, and exports NOMAD_ADDR", async () => {
        const run = await runStackFile("weave-lab", withArtifacts);
        const agents = byType(run, "command:remote:Command").filter((c) => c.parent === "nomad" && c.name !== "nomad-cluster");
        assert.deepStrictEqual(agents.map((c) => c.name), ["nomad-u1", "nomad-u2", "nomad-u3"]);
        agents.forEach((c, i) => {
            assert.deepStrictEqual(c.dependsOn, [`lab-u${i + 1}-ready`, "binaries", "consul"]);
            assert.match(c.inputs.stdin as string, /^NETLAB_AGENT='nomad'$/m);
            assert.ok((c.inputs.stdin as string).includes(`http = "192.168.56.${3 + i}"`));
            assert.ok((c.inputs.delete as string).includes("NETLAB_AGENT='\\''nomad'\\''"), "delete removes the nomad agent");
        });
        assert.deepStrictEqual(named(run, "nomad-cluster").dependsOn, ["nomad-u1", "nomad-u2", "nomad-u3"]);
        assert.match(run.outputs.NOMAD_ADDR as string, /^http:\/\/127\.0\.0\.1:\d+$/);
        assert.notStrictEqual(run.outputs.NOMAD_ADDR, run.outputs.CONSUL_HTTP_ADDR);
    });

    it("weave-nomad builds the httpbackend image on every host from the pushed binary, rebuilt when it changes", async () => {
        const run = await runStackFile("weave-lab", withArtifacts);
        const builds = byType(run, "command:remote:Command").filter((c) => c.parent === "httpbackend-image");
        assert.deepStrictEqual(builds.map((b) => b.name), ["httpbackend-image-u1", "httpbackend-image-u2", "httpbackend-image-u3"]);
        builds.forEach((b, i) => {
            assert.deepStrictEqual(b.dependsOn, [`lab-u${i + 1}-ready`, "binaries"]);
            assert.deepStrictEqual(b.inputs.triggers, [sha256("fake httpbackend")]);
            assert.match(b.inputs.stdin as string, /^NETLAB_IMAGE='netlab\/httpbackend:lab'$/m);
            assert.ok((b.inputs.delete as string).includes("NETLAB_ACTION='\\''delete'\\''"));
        });
    });

    it("weave-nomad runs the workloads outside Weave subnets as Nomad jobs, updated in place, purged on destroy", async () => {
        const run = await runStackFile("weave-lab", withArtifacts);
        const jobs = byType(run, "netlab:nomad:NomadJob");
        assert.deepStrictEqual(jobs.map((j) => j.name), ["job-httpbackend"], "httpbackend-isolated waits for the overlay");
        const cmd = named(run, "job-httpbackend-run");
        assert.deepStrictEqual(cmd.dependsOn, ["lab-u1-ready", "nomad", "httpbackend-image"]);
        assert.strictEqual(cmd.inputs.update, "bash -s", "a changed job file updates the job instead of replacing (purging) it");
        const stdin = cmd.inputs.stdin as string;
        for (const line of ['job "httpbackend" {', "    count = 3", '      value     = "u1,u2,u3"', "        static = 8081",
            '        image      = "netlab/httpbackend:lab"', '        HTTPBACKEND_VERSION = "v1.0.0"']) {
            assert.ok(stdin.includes(line), `job file lacks: ${line}`);
        }
        assert.doesNotMatch(stdin, /\{\{\w+\}\}/, "no placeholder left");
        assert.ok((cmd.inputs.delete as string).includes("NETLAB_ACTION='\\''delete'\\''"));
    });

    it("no command that deletes what it made can be replaced create-before-delete (the old delete would undo the new create)", async () => {
        const run = await runStackFile("weave-lab", withArtifacts);
        const count = checkDeleteBeforeReplace(run);
        assert.ok(count >= 18, `found ${count}`);
    });

    it("a configured gossip key is used instead of a generated one", async () => {
        const run = await runStackFile("weave-lab", { ...withArtifacts, "netlab:consulGossipKey": "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=" }, ["netlab:consulGossipKey"]);
        assert.strictEqual(run.resources.filter((r) => r.name === "consul-gossip-key").length, 0);
        assert.strictEqual(run.outputs.consulGossipKey, "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=");
    });

    it("weave-nomad names the missing binaries and the command that builds them", async () => {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-empty-"));
        await assert.rejects(runStackFile("weave-lab", { "netlab:artifactsDir": empty }),
            /netlab:artifactsDir = '.*': consul, nomad, httpbackend missing in .*Fix: npm run toolchain/);
    });

    it("bad config fails before any resource is created, naming the key", async () => {
        await assert.rejects(runStackFile("ssh-example"), (e: unknown) => {
            assert.ok(pulumi.RunError.isInstance(e), `a RunError (printed without a stack trace), got ${String(e)}`);
            assert.match(e.message, /netlab:sshPrivateKey = \(unset\): is required with hostProvider=ssh/);
            return true;
        });
        assert.deepStrictEqual(lastRecorded().filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
        await assert.rejects(runStackFile("dev", { "netlab:cni": "antrea" }), /netlab:cni = 'antrea'/);
        assert.deepStrictEqual(lastRecorded().filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
    });
});
