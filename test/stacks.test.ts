import * as assert from "assert";
import { splitKeyPair } from "../lib/scripts";
import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    checkDeleteBeforeReplace, checkHostSteps, fakeHostKey, hostStep, lastRecorded, realKeygenOutput, Recorded, ROOT, runStackFile, sshExampleHosts, StackRun,
} from "./harness";

const FAKE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n";

/** A stand-in artifacts directory (the real one is built by commands/toolchain.sh). */
const ARTIFACTS = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-artifacts-"));
fs.writeFileSync(path.join(ARTIFACTS, "consul"), "fake consul");
fs.writeFileSync(path.join(ARTIFACTS, "nomad"), "fake nomad");
fs.writeFileSync(path.join(ARTIFACTS, "httpbackend"), "fake httpbackend");
fs.writeFileSync(path.join(ARTIFACTS, "fabio"), "fake fabio");
fs.writeFileSync(path.join(ARTIFACTS, "fortio"), "fake fortio");
fs.mkdirSync(path.join(ARTIFACTS, "weave"));
fs.writeFileSync(path.join(ARTIFACTS, "weave", "weave"), "fake weave script");
fs.mkdirSync(path.join(ARTIFACTS, "images"));
fs.writeFileSync(path.join(ARTIFACTS, "images", "weave.tar"), "fake weave images");
const withArtifacts = { "netlab:artifactsDir": ARTIFACTS };
const sha256 = (text: string): string => crypto.createHash("sha256").update(text).digest("hex");

const byType = (run: StackRun, type: string): Recorded[] => run.resources.filter((r) => r.type === type);
const named = (run: StackRun, name: string): Recorded => {
    const r = run.resources.find((x) => x.name === name);
    assert.ok(r, `no resource named ${name} (have: ${run.resources.map((x) => x.name).join(", ")})`);
    return r;
};
/** The weave-nomad scenario's steps on the hosts, in the order they are declared. */
const WEAVE_NOMAD_HOST_STEPS = [
    "lab-u1-ready", "lab-u2-ready", "lab-u3-ready", "weave-u1", "weave-u2", "weave-u3",
    "consul-u1", "consul-u2", "consul-u3", "consul-cluster", "consul-u1-dns", "consul-u2-dns", "consul-u3-dns",
    "httpbackend-image-u1", "httpbackend-image-u2", "httpbackend-image-u3",
    "nomad-u1", "nomad-u2", "nomad-u3", "nomad-cluster", "fabio-u1", "fabio-u2", "fabio-u3", "fabio-u1-sni", "fabio-u2-sni", "fabio-u3-sni",
    "job-httpbackend-run", "job-httpbackend-isolated-run", "job-httpsbackend-sni-1-tls", "job-httpsbackend-sni-1-run",
    "checks-u1", "checks-u2", "checks-u3",
];
/** The ports the (mocked) lab-ports.sh printed for the stack, in order. */
const pickedPorts = (run: StackRun): number[] => {
    const out = named(run, "lab-ports").stdout ?? "";
    assert.match(out, /^\d+( \d+)*\n$/);
    return out.trim().split(" ").map(Number);
};
/** The published ports of each host container, as [internal, ip, external]. */
const containerPorts = (run: StackRun): [number, string, number | undefined][][] => byType(run, "docker:index/container:Container").map((c) =>
    (c.inputs.ports as { internal: number; ip: string; external?: number }[]).map((p) => [p.internal, p.ip, p.external]));

describe("stack dev (docker hosts)", () => {
    let run: StackRun;
    before(async () => {
        run = await runStackFile("dev");
    });

    it("builds exactly the hosts layer: key, ports, base image, node image, network, 3 containers, 3 readiness gates", () => {
        const count = (t: string): number => byType(run, t).length;
        assert.strictEqual(count("netlab:hosts:LabHosts"), 1);
        assert.deepStrictEqual(byType(run, "command:local:Command").map((c) => c.name),
            ["lab-ssh-key", "lab-ports", "lab-base-image", "lab-u1-host-ssh-key", "lab-u2-host-ssh-key", "lab-u3-host-ssh-key",
                "lab-u1-ready", "lab-u2-ready", "lab-u3-ready"]);
        assert.strictEqual(count("docker:index/remoteImage:RemoteImage"), 1);
        assert.strictEqual(count("docker:index/network:Network"), 1);
        assert.strictEqual(count("docker:index/container:Container"), 3);
        assert.strictEqual(count("command:remote:Command"), 0);
        assert.strictEqual(run.resources.length, 15);
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
        });
    });

    it("pins each host's SSH port to one lab-ports.sh picked once for the stack, and exports it", () => {
        const alloc = named(run, "lab-ports");
        assert.strictEqual(alloc.inputs.create, "bash -s -- 3 netlab-dev", "one port per host (SSH), searched from the stack's own start");
        assert.strictEqual(alloc.inputs.stdin, fs.readFileSync(path.join(ROOT, "local-scripts/lab-ports.sh"), "utf8"));
        assert.deepStrictEqual(alloc.inputs.triggers, [3], "picked again only when the number of ports changes");
        const picked = pickedPorts(run);
        assert.strictEqual(new Set(picked).size, 3);
        assert.deepStrictEqual(containerPorts(run), picked.map((p) => [[22, "127.0.0.1", p]]), "a restarted container keeps its ports");
        const hosts = run.outputs.hosts as { name: string; ssh: { host: string; port: number; user: string } }[];
        assert.deepStrictEqual(hosts.map((h) => h.ssh), picked.map((port) => ({ host: "127.0.0.1", port, user: "root" })));
        assert.deepStrictEqual(run.outputs.sshCommands, Object.fromEntries(picked.map((port, i) =>
            [`u${i + 1}`, `ssh -i lab.key -o UserKnownHostsFile=lab.known_hosts -p ${port} root@127.0.0.1`])));
        assert.strictEqual(run.outputs.knownHosts, picked.map((port) => `[127.0.0.1]:${port} ${fakeHostKey()}\n`).join(""),
            "each host's own key, pinned, as ssh's known_hosts file");
    });

    it("runs the containers VM-like without --privileged by default (capability form)", () => {
        for (const c of byType(run, "docker:index/container:Container")) {
            assert.strictEqual(c.inputs.privileged, false);
            assert.deepStrictEqual(c.inputs.capabilities, { adds: ["ALL"], drops: ["SYS_RESOURCE"] });
            assert.deepStrictEqual(c.inputs.securityOpts, ["seccomp=unconfined", "apparmor=unconfined", "systempaths=unconfined"]);
            assert.deepStrictEqual(c.inputs.devices, [{ hostPath: "/dev/kmsg", containerPath: "/dev/kmsg", permissions: "rwm" }]);
            assert.strictEqual(c.inputs.cgroupnsMode, "host");
            assert.deepStrictEqual(Object.keys(c.inputs.tmpfs as object).sort(), ["/run", "/run/lock"]);
            const vols = c.inputs.volumes as { containerPath: string; hostPath?: string }[];
            assert.deepStrictEqual(vols.map((v) => [v.containerPath, v.hostPath]),
                [["/sys/fs/cgroup", "/sys/fs/cgroup"], ["/var/lib/docker", undefined], ["/var/lib/containerd", undefined]]);
            assert.strictEqual(c.inputs.removeVolumes, true, "the anonymous /var/lib/docker and /var/lib/containerd volumes go with the container");
            assert.strictEqual(c.inputs.stopSignal, "SIGRTMIN+3");
        }
    });

    it("installs the generated public key and each host's own host key, and keeps the private keys secret", () => {
        const keys = splitKeyPair(realKeygenOutput());
        for (const c of byType(run, "docker:index/container:Container")) {
            assert.deepStrictEqual(c.inputs.uploads, [
                { file: "/root/.ssh/authorized_keys", content: `${keys.publicKey}\n`, permissions: "0600" },
                { file: "/etc/ssh/ssh_host_ed25519_key", content: keys.privateKey, permissions: "0600" },
                { file: "/etc/ssh/ssh_host_ed25519_key.pub", content: `${keys.publicKey}\n`, permissions: "0644" },
            ]);
            assert.ok(c.secretInputs.includes("uploads"), "the host's private key is a secret in the state");
        }
        for (const h of ["u1", "u2", "u3"]) {
            const k = named(run, `lab-${h}-host-ssh-key`);
            assert.strictEqual(k.inputs.create, `bash -s -- netlab-dev-${h}`, "one key per host, made once");
            assert.deepStrictEqual(k.additionalSecretOutputs, ["stdout"]);
        }
        assert.deepStrictEqual(named(run, "lab-ssh-key").additionalSecretOutputs, ["stdout"]);
        assert.strictEqual(named(run, "lab-ssh-key").inputs.logging, "stderr", "the private key is not echoed to the console");
        assert.strictEqual(run.outputs.sshPrivateKey, keys.privateKey);
        assert.ok(run.secretOutputs.includes("sshPrivateKey"));
    });

    it("gates each host with a readiness check run by docker exec in its container, again for a new container", () => {
        const gates = checkHostSteps(run, "dev", "docker");
        assert.deepStrictEqual(gates.map((g) => [g.resource.name, g.container]),
            [["lab-u1-ready", "netlab-dev-u1"], ["lab-u2-ready", "netlab-dev-u2"], ["lab-u3-ready", "netlab-dev-u3"]]);
        for (const [i, g] of gates.entries()) {
            assert.strictEqual(g.resource.inputs.create, `docker exec -i 'netlab-dev-u${i + 1}' bash -c 'bash -s'`);
            assert.deepStrictEqual([g.update, g.delete], [undefined, undefined]);
            assert.strictEqual(g.resource.inputs.connection, undefined, "no SSH");
            assert.deepStrictEqual(g.resource.secretInputs, [], "nothing secret goes in");
            assert.match(g.stdin, new RegExp(`^NETLAB_HOST='u${i + 1}'$`, "m"));
            assert.deepStrictEqual(g.triggers, [sha256(`bash -s\0${g.stdin}`), `lab-u${i + 1}-id`], "a changed gate script or a new container runs it again");
        }
        assert.deepStrictEqual(run.outputs.readiness, Object.fromEntries(["u1", "u2", "u3"].map((h) =>
            [h, `host=lab-${h}-ready systemd=running docker=20.10.24`])), "what each gate printed through docker exec");
    });

    it("exports hosts, ssh commands and readiness in the clear and nothing else secret", () => {
        const hosts = run.outputs.hosts as { name: string; labAddress: string }[];
        assert.deepStrictEqual(hosts.map((h) => [h.name, h.labAddress]), [["u1", "192.168.56.3"], ["u2", "192.168.56.4"], ["u3", "192.168.56.5"]]);
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
            assert.strictEqual(c.inputs.devices, undefined, "--privileged has every device");
        }
    });

    it("weave-lab: Weave on every host with the others as peers, its ranges and subnets, in the hosts' capability form", async () => {
        const run = await runStackFile("weave-lab", withArtifacts);
        assert.strictEqual(run.outputs.scenario, "weave-nomad");
        const pushes = byType(run, "command:local:Command").filter((c) => c.parent === "weave-files");
        assert.deepStrictEqual(pushes.map((p) => (p.inputs.environment as Record<string, string>).NETLAB_DEST),
            ["u1", "u2", "u3"].flatMap(() => ["/usr/local/lib/netlab/weave", "/var/lib/netlab/images/weave.tar"]));
        ["u1", "u2", "u3"].forEach((h, i) => {
            const step = hostStep(named(run, `weave-${h}`));
            assert.deepStrictEqual(step.resource.dependsOn, ["weave-files", `lab-${h}-ready`]);
            assert.strictEqual(step.create, "install -D -m 0700 /dev/stdin /usr/local/lib/netlab/weave-overlay.sh && /usr/local/lib/netlab/weave-overlay.sh");
            assert.strictEqual(step.update, step.create, "peers and subnets change in place");
            const peers = [3, 4, 5].filter((n) => n !== 3 + i).map((n) => `192.168.56.${n}`).join(" ");
            for (const line of [`NETLAB_PEERS='${peers}'`, "NETLAB_IPALLOC_RANGE='10.32.0.0/16'", "NETLAB_DEFAULT_SUBNET='10.32.0.0/24'",
                "NETLAB_SUBNETS='10.32.1.0/24'", "NETLAB_MTU=''", "NETLAB_VERSION='2.9.0'",
                "NETLAB_PRIVILEGE_ARGS='--cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined --security-opt apparmor=unconfined'"]) {
                assert.ok(step.stdin.split("\n").includes(line), `weave-${h} lacks ${line}`);
            }
            assert.match(step.stdin, /^NETLAB_PASSWORD='[A-Za-z0-9+/]{32}'$/m, "encrypted by default, with a password made for the stack");
            assert.deepStrictEqual(step.resource.secretInputs.sort(), ["stdin", "triggers"], "the password and what derives from it are secret");
            assert.match(step.delete ?? "", /NETLAB_ACTION='\\''delete'\\''/);
            assert.ok(step.resource.deleteBeforeReplace, "a relaunch resets the host first");
            assert.strictEqual(step.triggers.length, 2, "the launch settings, and the host's container");
        });
        assert.deepStrictEqual(run.outputs.weaveNetworks, { "10.32.0.0/24": "weave", "10.32.1.0/24": "weave-10.32.1.0-24" });
        assert.deepStrictEqual(run.outputs.weaveDataPath, {
            mode: "sleeve", encrypted: false, mtu: 1438, fastdpUnavailable: "no fast datapath (bridge not supported)",
            connections: { u1: ["u2 sleeve mtu=1438", "u3 sleeve mtu=1438"], u2: ["u1 sleeve mtu=1438", "u3 sleeve mtu=1438"],
                u3: ["u1 sleeve mtu=1438", "u2 sleeve mtu=1438"] },
        });
    });

    it("weave-lab with netlab:weave.encrypted false: no password, nothing secret; the generated one is made once and kept", async () => {
        const run = await runStackFile("weave-lab", { ...withArtifacts, "netlab:weave": JSON.stringify({
            ipallocRange: "10.32.0.0/16", defaultSubnet: "10.32.0.0/24", subnets: ["10.32.1.0/24"], encrypted: false }) });
        const step = hostStep(named(run, "weave-u1"));
        assert.ok(step.stdin.split("\n").includes("NETLAB_PASSWORD=''"));
        assert.deepStrictEqual(step.resource.secretInputs, []);
        assert.ok(!run.resources.some((r) => r.name === "weave-password"));
        const generated = named(await runStackFile("weave-lab", withArtifacts), "weave-password");
        assert.deepStrictEqual(generated.additionalSecretOutputs, ["stdout"]);
        assert.strictEqual(generated.inputs.create, "head -c 24 /dev/urandom | base64");
    });

    it("weave-lab with a password: it reaches the hosts only as a secret; a new password relaunches the routers and the jobs", async () => {
        const plain = await runStackFile("weave-lab", withArtifacts);
        const run = await runStackFile("weave-lab", { ...withArtifacts, "netlab:weavePassword": "s3cret-pass" }, ["netlab:weavePassword"]);
        const step = hostStep(named(run, "weave-u2"));
        assert.ok(step.resource.secretInputs.includes("stdin"));
        assert.ok(step.stdin.includes("NETLAB_PASSWORD='s3cret-pass'"));
        assert.ok(!JSON.stringify(step.triggers).includes("s3cret-pass"), "the trigger holds a digest, not the password");
        assert.notDeepStrictEqual(step.triggers[0], hostStep(named(plain, "weave-u2")).triggers[0]);
        assert.deepStrictEqual(hostStep(named(run, "job-httpbackend-run")).triggers[0], step.triggers[0]);
        assert.ok(named(run, "job-httpbackend-run").secretInputs.includes("triggers"), "derived from the password: kept secret");
    });

    it("ssh hosts: no Docker resources, one gate per host at its address with the configured key", async () => {
        const run = await runStackFile("ssh-example", { "netlab:sshPrivateKey": FAKE_KEY, ...sshExampleHosts(), ...withArtifacts }, ["netlab:sshPrivateKey"]);
        assert.strictEqual(run.resources.filter((r) => r.type.startsWith("docker:")).length, 0);
        assert.deepStrictEqual(byType(run, "command:local:Command").filter((c) => c.parent === "lab"), [], "no SSH key generation");
        const gates = byType(run, "command:remote:Command").filter((g) => g.name.endsWith("-ready"));
        assert.deepStrictEqual(gates.map((g) => {
            const c = g.inputs.connection as { host: string; port: number; user: string; privateKey: string; hostKey: string };
            return [c.host, c.port, c.user, c.privateKey, c.hostKey];
        }), ["3", "4", "5"].map((n) => [`192.168.56.${n}`, 22, "root", FAKE_KEY, fakeHostKey()]), "the pinned host key is checked on every connection");
        assert.strictEqual(run.outputs.knownHosts, ["3", "4", "5"].map((n) => `192.168.56.${n} ${fakeHostKey()}\n`).join(""));
        assert.ok(run.secretOutputs.includes("sshPrivateKey"));
        assert.deepStrictEqual((run.outputs.hosts as { ssh: { port: number } }[]).map((h) => h.ssh.port), [22, 22, 22]);
        assert.ok(gates.every((g) => g.secretInputs.includes("connection")));
    });

    it("ssh hosts: every host step runs over SSH, replaced when its script changes, never by a container's generation", async () => {
        const run = await runStackFile("ssh-example", { "netlab:sshPrivateKey": FAKE_KEY, ...sshExampleHosts(), ...withArtifacts }, ["netlab:sshPrivateKey"]);
        const steps = checkHostSteps(run, "ssh-example", "ssh");
        assert.deepStrictEqual(steps.map((s) => s.resource.name), WEAVE_NOMAD_HOST_STEPS.filter((n) => !n.includes("isolated") && !n.includes("sni")),
            "its one workload runs in the default subnet, over plain HTTP");
        const weave = hostStep(named(run, "weave-u1"));
        assert.match(weave.stdin, /^NETLAB_PRIVILEGE_ARGS=''$/m, "real machines run Weave's containers --privileged, as upstream");
        const gate = hostStep(named(run, "lab-u2-ready"));
        assert.deepStrictEqual(gate.triggers, [sha256(`bash -s\0${gate.stdin}`)], "no generation: the machine outlives the stack");
        const consul = hostStep(named(run, "consul-u1"));
        assert.deepStrictEqual(consul.triggers, [], "a changed config is run in place");
        assert.ok(consul.resource.deleteBeforeReplace);
        const pushes = byType(run, "command:local:Command").filter((c) => c.parent === "binaries");
        assert.strictEqual(pushes.length, 15);
        for (const p of pushes) {
            const [, host, file] = p.name.split("-");
            const env = p.inputs.environment as Record<string, string>;
            assert.deepStrictEqual([env.NETLAB_SSH_HOST, env.NETLAB_SSH_PORT, env.NETLAB_SSH_USER, env.NETLAB_SSH_KEY, env.NETLAB_SSH_KNOWN_HOSTS],
                [`192.168.56.${Number(host.slice(1)) + 2}`, "22", "root", FAKE_KEY, `192.168.56.${Number(host.slice(1)) + 2} ${fakeHostKey()}`]);
            assert.strictEqual(env.NETLAB_CONTAINER, undefined);
            assert.deepStrictEqual(p.secretInputs, ["environment"], "the environment carries the private key");
            assert.deepStrictEqual(p.inputs.triggers, [sha256(`fake ${file}`), env.NETLAB_DEST], "no generation");
        }
    });

    it("weave-nomad pushes consul and nomad into every host's container after its readiness gate, again for a new container", async () => {
        const run = await runStackFile("weave-lab", withArtifacts);
        const pushes = byType(run, "command:local:Command").filter((c) => c.parent === "binaries");
        assert.deepStrictEqual(pushes.map((p) => p.name),
            ["u1", "u2", "u3"].flatMap((h) => ["consul", "nomad", "httpbackend", "fabio", "fortio"].map((b) => `binaries-${h}-${b}`)));
        for (const p of pushes) {
            const host = p.name.split("-")[1];
            assert.deepStrictEqual(p.dependsOn, [`lab-${host}-ready`]);
            assert.deepStrictEqual(p.secretInputs, ["environment"]);
            const env = p.inputs.environment as Record<string, string>;
            const file = p.name.split("-")[2];
            const dest = file === "httpbackend" ? "/usr/local/lib/netlab/httpbackend" : `/usr/local/bin/${file}`;
            assert.strictEqual(env.NETLAB_DEST, dest);
            assert.strictEqual(env.NETLAB_SHA256, sha256(`fake ${file}`));
            assert.strictEqual(env.NETLAB_CONTAINER, `netlab-weave-lab-${host}`, "reached with docker exec");
            assert.deepStrictEqual(Object.keys(env).filter((k) => k.startsWith("NETLAB_SSH_")), [], "no SSH, no key");
            assert.deepStrictEqual(p.inputs.triggers, [sha256(`fake ${file}`), dest, `lab-${host}-id`]);
            assert.match(p.inputs.delete as string, /NETLAB_ACTION=delete/);
            assert.ok(p.deleteBeforeReplace);
        }
        assert.deepStrictEqual(Object.keys(run.outputs.binaries as object), ["u1", "u2", "u3"]);
    });

    it("weave-nomad runs a Consul server on every host, joined to the others, after the binaries", async () => {
        const run = await runStackFile("weave-lab", withArtifacts);
        const servers = byType(run, "command:local:Command").filter((c) => c.parent === "consul" && /^consul-u\d$/.test(c.name)).map(hostStep);
        assert.deepStrictEqual(servers.map((c) => [c.resource.name, c.container]),
            [["consul-u1", "netlab-weave-lab-u1"], ["consul-u2", "netlab-weave-lab-u2"], ["consul-u3", "netlab-weave-lab-u3"]]);
        const key = named(run, "consul-gossip-key");
        assert.deepStrictEqual(key.additionalSecretOutputs, ["stdout"]);
        const gossip = run.outputs.consulGossipKey as string;
        assert.ok(run.secretOutputs.includes("consulGossipKey"));
        servers.forEach((c, i) => {
            assert.deepStrictEqual(c.resource.dependsOn, [`lab-u${i + 1}-ready`, "binaries"]);
            assert.ok(c.resource.secretInputs.includes("stdin"), "the rendered script carries the gossip key");
            assert.deepStrictEqual([c.create, c.update], ["bash -s", "bash -s"], "a changed config is installed in place");
            assert.deepStrictEqual(c.triggers, [`lab-u${i + 1}-id`]);
            const script = c.stdin;
            assert.ok(script.includes(`bind_addr        = "192.168.56.${3 + i}"`));
            const peers = [3, 4, 5].filter((n) => n !== 3 + i).map((n) => `"192.168.56.${n}"`).join(", ");
            assert.ok(script.includes(`retry_join       = [${peers}]`), "joins the other two");
            assert.ok(script.includes("bootstrap_expect = 3"));
            assert.ok(script.includes(`encrypt          = "${gossip}"`));
            assert.ok((c.delete ?? "").includes("NETLAB_AGENT='\\''consul'\\''"), "delete removes the consul agent");
        });
        const cluster = hostStep(named(run, "consul-cluster"));
        assert.deepStrictEqual(cluster.resource.dependsOn, ["consul-u1", "consul-u2", "consul-u3"]);
        assert.strictEqual(cluster.container, "netlab-weave-lab-u1");
        assert.deepStrictEqual(cluster.triggers, [...servers.map((c) => c.resource.stdout), sha256(`bash -s\0${cluster.stdin}`), "lab-u1-id"],
            "re-checked when a server's install printed something new, or the check itself changes");
        for (const h of ["u1", "u2", "u3"]) {
            const dns = hostStep(named(run, `consul-${h}-dns`));
            assert.strictEqual(dns.container, `netlab-weave-lab-${h}`);
            assert.deepStrictEqual(dns.resource.dependsOn, ["consul-cluster"], "DNS is switched once the cluster has a leader");
            assert.ok((dns.delete ?? "").includes("NETLAB_ACTION='\\''delete'\\''"), "delete restores the host's DNS");
            const install = "install -D -m 0755 /dev/stdin /usr/local/lib/netlab/consul-dns.sh && /usr/local/lib/netlab/consul-dns.sh";
            assert.strictEqual(dns.create, install, "installed, so that its unit runs it again at boot");
            assert.strictEqual(dns.update, install);
            assert.ok(dns.stdin.includes("ExecStart=/bin/bash $self") && dns.stdin.includes("netlab-consul-dns.service"), "the boot unit");
        }
        // Six pinned ports per host: SSH, Consul's and Nomad's HTTP APIs, fabio's proxy, UI and TCP+SNI listener.
        assert.strictEqual(named(run, "lab-ports").inputs.create, "bash -s -- 18 netlab-weave-lab");
        const picked = pickedPorts(run);
        assert.deepStrictEqual(containerPorts(run), [0, 1, 2].map((i) =>
            [22, 8500, 4646, 9999, 9998, 9996].map((internal, j) => [internal, "127.0.0.1", picked[6 * i + j]])));
        assert.strictEqual(run.outputs.CONSUL_HTTP_ADDR, `http://127.0.0.1:${picked[1]}`, "u1's published 8500");
    });

    it("weave-nomad runs a Nomad server+client on every host after Consul, and exports NOMAD_ADDR", async () => {
        const run = await runStackFile("weave-lab", withArtifacts);
        const agents = byType(run, "command:local:Command").filter((c) => c.parent === "nomad" && c.name !== "nomad-cluster").map(hostStep);
        assert.deepStrictEqual(agents.map((c) => [c.resource.name, c.container]),
            [["nomad-u1", "netlab-weave-lab-u1"], ["nomad-u2", "netlab-weave-lab-u2"], ["nomad-u3", "netlab-weave-lab-u3"]]);
        agents.forEach((c, i) => {
            assert.deepStrictEqual(c.resource.dependsOn, [`lab-u${i + 1}-ready`, "binaries", "consul-cluster"],
                "after the Consul cluster's gate, not after every host's DNS switch (Nomad uses Consul's API)");
            assert.match(c.stdin, /^NETLAB_AGENT='nomad'$/m);
            assert.ok(c.stdin.includes(`http = "192.168.56.${3 + i}"`));
            assert.ok((c.delete ?? "").includes("NETLAB_AGENT='\\''nomad'\\''"), "delete removes the nomad agent");
            assert.deepStrictEqual(c.triggers, [`lab-u${i + 1}-id`]);
        });
        const cluster = hostStep(named(run, "nomad-cluster"));
        assert.deepStrictEqual(cluster.resource.dependsOn, ["nomad-u1", "nomad-u2", "nomad-u3"]);
        assert.strictEqual(cluster.container, "netlab-weave-lab-u1");
        assert.strictEqual(run.outputs.NOMAD_ADDR, `http://127.0.0.1:${pickedPorts(run)[2]}`, "u1's published 4646");
    });

    it("weave-nomad builds the httpbackend image on every host from the pushed binary, rebuilt when it changes", async () => {
        const run = await runStackFile("weave-lab", withArtifacts);
        const builds = byType(run, "command:local:Command").filter((c) => c.parent === "httpbackend-image").map(hostStep);
        assert.deepStrictEqual(builds.map((b) => [b.resource.name, b.container]),
            [["httpbackend-image-u1", "netlab-weave-lab-u1"], ["httpbackend-image-u2", "netlab-weave-lab-u2"], ["httpbackend-image-u3", "netlab-weave-lab-u3"]]);
        builds.forEach((b, i) => {
            assert.deepStrictEqual(b.resource.dependsOn, [`lab-u${i + 1}-ready`, "binaries"]);
            assert.deepStrictEqual(b.triggers, [sha256("fake httpbackend"), `lab-u${i + 1}-id`]);
            assert.match(b.stdin, /^NETLAB_IMAGE='netlab\/httpbackend:lab'$/m);
            assert.ok((b.delete ?? "").includes("NETLAB_ACTION='\\''delete'\\''"));
            assert.ok(b.resource.deleteBeforeReplace);
        });
    });

    it("weave-nomad runs each workload as a Nomad job on its subnet's Weave network, after the overlay, updated in place", async () => {
        const run = await runStackFile("weave-lab", withArtifacts);
        const jobs = byType(run, "netlab:nomad:NomadJob");
        assert.deepStrictEqual(jobs.map((j) => j.name), ["job-httpbackend", "job-httpbackend-isolated", "job-httpsbackend-sni-1"]);
        for (const [job, network, count] of [["httpbackend", "weave", 3], ["httpbackend-isolated", "weave-10.32.1.0-24", 2]] as const) {
            const cmd = hostStep(named(run, `job-${job}-run`));
            assert.deepStrictEqual(cmd.resource.dependsOn, ["lab-u1-ready", "nomad", "fabio", "httpbackend-image", "weave-u1", "weave-u2", "weave-u3"]);
            assert.strictEqual(cmd.container, "netlab-weave-lab-u1");
            assert.strictEqual(cmd.update, "bash -s", "a changed job file updates the job instead of replacing (purging) it");
            assert.strictEqual(cmd.triggers.length, 2, "replaced when the routers are relaunched, or with its host's container");
            assert.strictEqual(cmd.triggers[0], hostStep(named(run, "weave-u1")).triggers[0]);
            for (const line of [`job "${job}" {`, `    count = ${count}`, '      value     = "u1,u2,u3"', `        network_mode = "${network}"`,
                '        address_mode = "driver"', '        image        = "netlab/httpbackend:lab"', '        HTTPBACKEND_VERSION  = "v1.0.0"']) {
                assert.ok(cmd.stdin.includes(line), `job file of ${job} lacks: ${line}`);
            }
            assert.doesNotMatch(cmd.stdin, /\{\{\w+\}\}/, "no placeholder left");
            for (const line of ["NETLAB_PROMOTE='false'", "NETLAB_ROUTES=''", "NETLAB_FABIO_API='http://127.0.0.1:9998'", `NETLAB_COUNT='${count}'`,
                '        tags         = ["version-v1.0.0", "network-' + network + '", "urlprefix-/' + job + '/"]', "      max_parallel      = 1"]) {
                assert.ok(cmd.stdin.split("\n").includes(line), `job step of ${job} lacks: ${line}`);
            }
            assert.ok((cmd.delete ?? "").includes("NETLAB_ACTION='\\''delete'\\''"));
        }
    });

    it("weave-nomad checks on every host after the jobs, again when a job or the overlay changes, and exports the matrix", async () => {
        const run = await runStackFile("weave-lab", withArtifacts);
        for (const h of ["u1", "u2", "u3"]) {
            const step = hostStep(named(run, `checks-${h}`));
            assert.deepStrictEqual(step.resource.dependsOn, [`lab-${h}-ready`, "job-httpbackend", "job-httpbackend-isolated", "job-httpsbackend-sni-1", "consul"],
                "after the jobs and the DNS switch: the checks resolve *.consul");
            assert.strictEqual(step.triggers.length, 5, "the overlay's launch, the three jobs' instances, the host's container");
            for (const line of ["NETLAB_WORKLOADS='httpbackend 10.32.0.0/24 /httpbackend/ -", "httpbackend-isolated 10.32.1.0/24 /httpbackend-isolated/ -", "httpsbackend-sni-1 10.32.0.0/24 mysite-sni-1.com/ mysite-sni-1.com'", "NETLAB_FABIO_PORT='9999'",
                "NETLAB_NETWORKS='10.32.0.0/24 weave", "10.32.1.0/24 weave-10.32.1.0-24'", "NETLAB_DATACENTER='dc1'"]) {
                assert.ok(step.stdin.split("\n").includes(line), `checks-${h} lacks ${line}`);
            }
        }
        assert.deepStrictEqual(run.outputs.checks, Object.fromEntries(["u1", "u2", "u3"].map((h) =>
            [`${h} host -> httpbackend@u2 10.32.0.2`, "PASS: this is httpbackendservice, version: v1.0.0"])));
    });

    it("weave-nomad runs every host step with docker exec in its host's container (the rules of components/host-command.ts)", async () => {
        const run = await runStackFile("weave-lab", withArtifacts);
        const steps = checkHostSteps(run, "weave-lab", "docker");
        assert.deepStrictEqual(steps.map((s) => s.resource.name), WEAVE_NOMAD_HOST_STEPS);
    });

    it("no command that deletes what it made can be replaced create-before-delete (the old delete would undo the new create)", async () => {
        const run = await runStackFile("weave-lab", withArtifacts);
        const count = checkDeleteBeforeReplace(run);
        assert.ok(count >= 9 + 3 + 3 + 3 + 3 + 1, `found ${count}`);
    });

    it("a configured gossip key is used instead of a generated one", async () => {
        const run = await runStackFile("weave-lab", { ...withArtifacts, "netlab:consulGossipKey": "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=" }, ["netlab:consulGossipKey"]);
        assert.strictEqual(run.resources.filter((r) => r.name === "consul-gossip-key").length, 0);
        assert.strictEqual(run.outputs.consulGossipKey, "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=");
    });

    it("weave-nomad names the missing binaries and the command that builds them", async () => {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-empty-"));
        await assert.rejects(runStackFile("weave-lab", { "netlab:artifactsDir": empty }),
            /netlab:artifactsDir = '.*': consul, nomad, httpbackend, fabio, fortio missing in .*Fix: npm run toolchain -- weave-lab/);
        assert.deepStrictEqual(lastRecorded().filter((r) => r.type !== "pulumi:pulumi:Stack"), [], "before any resource");
        for (const f of ["consul", "nomad", "httpbackend", "fabio", "fortio"]) {
            fs.writeFileSync(path.join(empty, f), `fake ${f}`);
        }
        await assert.rejects(runStackFile("weave-lab", { "netlab:artifactsDir": empty }),
            /netlab:artifactsDir = '.*': weave\/weave, images\/weave.tar missing in .*Fix: commands\/toolchain.sh weave/);
        assert.deepStrictEqual(lastRecorded().filter((r) => r.type !== "pulumi:pulumi:Stack"), [], "before any resource");
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

    it("a lab network another stack's Docker network uses is refused before any resource, naming that stack and a free range", async () => {
        const networks = [
            { name: "bridge", subnets: ["172.17.0.0/16"] },
            { name: "netlab-dev-lab", subnets: ["192.168.56.0/24"], lab: "netlab-dev" },
        ];
        process.env.NETLAB_PREFLIGHT_NETWORKS = JSON.stringify(networks);
        try {
            await assert.rejects(runStackFile("weave-lab", withArtifacts), (e: unknown) => {
                assert.ok(pulumi.RunError.isInstance(e), `a RunError, got ${String(e)}`);
                assert.match(e.message, /netlab:labNetwork = '192.168.56.0\/24': overlaps 192.168.56.0\/24 of Docker network 'netlab-dev-lab', the lab network of stack 'dev'/);
                assert.match(e.message, /pulumi config set netlab:labNetwork 192.168.57.0\/24 -s weave-lab\), or first commands\/lab.sh destroy dev/);
                return true;
            });
            assert.deepStrictEqual(lastRecorded().filter((r) => r.type !== "pulumi:pulumi:Stack"), [], "before any resource");
            // The stack's own network is no clash (a second up of the same stack).
            process.env.NETLAB_PREFLIGHT_NETWORKS = JSON.stringify([{ name: "netlab-dev-lab", subnets: ["192.168.56.0/24"], lab: "netlab-dev" }]);
            await runStackFile("dev");
            // ssh hosts make no Docker network: nothing to clash with.
            process.env.NETLAB_PREFLIGHT_NETWORKS = JSON.stringify(networks);
            await assert.rejects(runStackFile("ssh-example"), /sshPrivateKey/);
        } finally {
            process.env.NETLAB_PREFLIGHT_NETWORKS = "[]";
        }
    });
});
