/**
 * e2e for the weave-lab stack (seed 002): the hosts, the Consul and Nomad binaries pushed from
 * the toolchain's artifacts directory (no download), Consul, Nomad, Weave Net with an isolated
 * second subnet, the jobs on the overlay registered with their Weave addresses, the check
 * matrix, isolation proven to hold through the hosts' routing, a no-op up, a version update,
 * a stopped host, every host restarted and a removed host recovering (Consul DNS checked on
 * each restarted host), the overlay's cleanup, and destroy with nothing left.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cniBuild } from "../../lib/cni";
import { changed, checkPrerequisites, dockerObjects, interruptedUp, LabStack, Phases, ROOT, sh, sshArgs } from "./lab";
import { writeLabKeys } from "../../commands/lib/lab-stack";
import { HostOut } from "../../lib/lab";


describe("e2e: weave-lab stack (hosts, air-gapped binaries, Consul, Nomad, Weave Net, subnet isolation)", function () {
    this.timeout(30 * 60 * 1000);
    const phases = new Phases();
    const lab = new LabStack("e2e-weave", "weave-lab");
    const keyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "netlab-e2e-key-")), "lab.key");
    const knownHosts = path.join(path.dirname(keyFile), "known_hosts");
    let hosts: HostOut[] = [];

    before(function () {
        checkPrerequisites();
        for (const b of ["consul", "nomad"]) {
            assert.ok(fs.existsSync(path.join(ROOT, ".toolchain", "artifacts", b)), `.toolchain/artifacts/${b} is missing: run 'npm run toolchain'`);
        }
    });

    after(async function () {
        fs.rmSync(path.dirname(keyFile), { recursive: true, force: true });
        console.log(`      phases: ${phases.times.map(([n, s]) => `${n} ${s.toFixed(1)} s`).join(", ")}`);
        await lab.dispose().catch(() => undefined);
    });

    it("pulumi up builds the hosts and installs consul and nomad on each", async () => {
        const stack = await lab.open();
        const result = await phases.time("up", () => stack.up({ onOutput: () => undefined }));
        assert.strictEqual(result.summary.result, "succeeded");
        hosts = result.outputs.hosts.value as HostOut[];
        // Every ssh below checks the host's key against the stack's pinned keys (a host made
        // again by `up --refresh` keeps its key).
        assert.deepStrictEqual(writeLabKeys(path.dirname(keyFile), result.outputs), { keyFile, knownHosts }, "the stack exports its hosts' pinned keys");
        const binaries = result.outputs.binaries.value as Record<string, string[]>;
        const want = (b: string): string => sh("sha256sum", [path.join(ROOT, ".toolchain", "artifacts", b)]).split(" ")[0];
        for (const h of hosts) {
            assert.deepStrictEqual(binaries[h.name], [`/usr/local/bin/consul sha256=${want("consul")}`, `/usr/local/bin/nomad sha256=${want("nomad")}`,
                `/usr/local/lib/netlab/httpbackend sha256=${want("httpbackend")}`, `/usr/local/bin/fabio sha256=${want("fabio")}`,
                `/usr/local/bin/fortio sha256=${want("fortio")}`]);
            const ssh = sshArgs(keyFile, h.ssh.port, "root", "127.0.0.1", knownHosts);
            const consul = sh("ssh", [...ssh, "consul", "version"]).split("\n")[0];
            const nomad = sh("ssh", [...ssh, "nomad", "version"]).split("\n")[0];
            console.log(`      ${h.name}: ${consul} / ${nomad}`);
            assert.match(consul, /^Consul v1\.22\.7$/);
            assert.match(nomad, /^Nomad v1\.11\.3/);
        }
    });

    it("Consul runs on every host: a leader, three alive servers, gossip encrypted, API reachable from here", async () => {
        const stack = lab.opened;
        const outputs = await stack.outputs();
        const members = outputs.consulMembers.value as string;
        console.log(members.split("\n").map((l) => `      ${l}`).join("\n"));
        assert.match(members, /^leader=192\.168\.56\.[345]:8300 alive=3$/m);
        for (const h of hosts) {
            assert.match(members, new RegExp(`^${h.name} ${h.labAddress.replace(/\./g, "\\.")}:8301 alive server$`, "m"));
            const info = sh("ssh", [...sshArgs(keyFile, h.ssh.port, "root", "127.0.0.1", knownHosts), "consul", "info"]);
            assert.match(info, /encrypted = true/);
        }
        const addr = outputs.CONSUL_HTTP_ADDR.value as string;
        const peers = JSON.parse(sh("curl", ["-fsS", `${addr}/v1/status/peers`])) as string[];
        assert.deepStrictEqual(peers.sort(), hosts.map((h) => `${h.labAddress}:8300`).sort());
        assert.ok(outputs.consulGossipKey.secret);
    });

    it("every host resolves *.consul through Consul and still resolves other names", async () => {
        const stack = lab.opened;
        const dns = (await stack.outputs()).consulDns.value as Record<string, string>;
        for (const h of hosts) {
            console.log(`      ${dns[h.name]}`);
            const ssh = sshArgs(keyFile, h.ssh.port, "root", "127.0.0.1", knownHosts);
            const servers = sh("ssh", [...ssh, "dig +short consul.service.dc1.consul"]).trim().split("\n").sort();
            assert.deepStrictEqual(servers, hosts.map((x) => x.labAddress).sort());
            // A name only Docker's own DNS knows (a peer container): answered through Consul's recursor.
            const peer = hosts.find((x) => x !== h) as HostOut;
            const resolved = sh("ssh", [...ssh, `getent hosts ${lab.prefix}-${peer.name}`]).split(/\s+/)[0];
            assert.strictEqual(resolved, peer.labAddress);
        }
    });

    it("Nomad runs a server and a client on every host: a leader, three servers, three docker clients, API reachable", async () => {
        const stack = lab.opened;
        const outputs = await stack.outputs();
        const status = outputs.nomadStatus.value as string;
        console.log(status.split("\n").map((l) => `      ${l}`).join("\n"));
        assert.match(status, /^leader=192\.168\.56\.[345]:4647 servers=3 clients=3$/m);
        for (const h of hosts) {
            assert.match(status, new RegExp(`^${h.name} ${h.labAddress.replace(/\./g, "\\.")} ready docker=true$`, "m"));
        }
        const addr = outputs.NOMAD_ADDR.value as string;
        const nodes = JSON.parse(sh("curl", ["-fsS", `${addr}/v1/nodes`])) as { Name: string; Status: string }[];
        assert.deepStrictEqual(nodes.map((n) => `${n.Name}:${n.Status}`).sort(), ["u1:ready", "u2:ready", "u3:ready"]);
        // Nomad registered itself in Consul, which is how its agents found each other.
        const services = JSON.parse(sh("curl", ["-fsS", `${outputs.CONSUL_HTTP_ADDR.value as string}/v1/catalog/services`])) as Record<string, string[]>;
        assert.ok("nomad" in services && "nomad-client" in services, JSON.stringify(services));
    });

    it("every host has the httpbackend image, and a container of it answers with its version", async () => {
        const stack = lab.opened;
        const images = (await stack.outputs()).httpbackendImages.value as Record<string, string>;
        for (const h of hosts) {
            assert.match(images[h.name], new RegExp(`^netlab/httpbackend:lab on ${h.name}: binary [0-9a-f]{12}$`));
            const ssh = sshArgs(keyFile, h.ssh.port, "root", "127.0.0.1", knownHosts);
            sh("ssh", [...ssh, "docker run -d --rm --name netlab-e2e-hb -p 127.0.0.1:18081:8081 -e HTTPBACKEND_VERSION=v9.9.9 netlab/httpbackend:lab"]);
            try {
                const banner = sh("ssh", [...ssh, "for i in $(seq 1 20); do curl -fsS http://127.0.0.1:18081/ && exit 0; sleep 0.5; done; exit 1"]);
                assert.strictEqual(banner, "this is httpbackendservice, version: v9.9.9\n");
                assert.strictEqual(sh("ssh", [...ssh, "curl -fsS http://127.0.0.1:18081/health"]), "ok\n");
            } finally {
                sh("ssh", [...ssh, "docker stop -t 5 netlab-e2e-hb"]);
            }
        }
    });

    it("Weave Net runs on every host: routers connected to each other on sleeve (no fast datapath here), every subnet exposed", async () => {
        const outputs = await lab.opened.outputs();
        const dp = outputs.weaveDataPath.value as { mode: string; encrypted: boolean; mtu: number; fastdpUnavailable?: string; connections: Record<string, string[]> };
        console.log(`      data path: ${JSON.stringify(dp)}`);
        assert.strictEqual(dp.mode, "sleeve", "this kernel has no openvswitch: Weave falls back to sleeve");
        assert.strictEqual(dp.encrypted, true, "encrypted by default, with a password made for the stack");
        assert.match(dp.fastdpUnavailable ?? "", /^no fast datapath/);
        for (const h of hosts) {
            assert.strictEqual(dp.connections[h.name].length, hosts.length - 1, `${h.name} is connected to every peer`);
            const ssh = sshArgs(keyFile, h.ssh.port, "root", "127.0.0.1", knownHosts);
            const mtu = Number(sh("ssh", [...ssh, "cat /sys/class/net/eth0/mtu"]).trim());
            assert.strictEqual(dp.mtu, mtu - 86, "encrypted sleeve's MTU: the interface's less its 62 bytes of overhead and NaCl's 24");
            assert.match(sh("ssh", [...ssh, "weave status"]), /Connections: 2 \(2 established\)/);
            const exposed = sh("ssh", [...ssh, "ip -4 -o addr show weave"]);
            assert.match(exposed, /inet 10\.32\.0\.\d+\/24/, "the default subnet is exposed");
            assert.match(exposed, /inet 10\.32\.1\.\d+\/24/, "the isolated subnet is exposed");
            assert.match(sh("ssh", [...ssh, "docker network ls --format '{{.Name}} {{.Driver}}'"]), /^weave weavemesh\nweave-10\.32\.1\.0-24 weavemesh$/m);
        }
        assert.deepStrictEqual(outputs.weaveNetworks.value, { "10.32.0.0/24": "weave", "10.32.1.0/24": "weave-10.32.1.0-24" });
    });

    /** Consul's passing instances of a service: "node address:port". */
    const passing = (ssh: string[], service: string): string[] =>
        (JSON.parse(sh("ssh", [...ssh, `curl -fsS http://127.0.0.1:8500/v1/health/service/${service}?passing=true`])) as
            { Node: { Node: string }; Service: { Address: string; Port: number } }[]).map((e) => `${e.Node.Node} ${e.Service.Address}:${e.Service.Port}`).sort();

    it("the jobs run on the overlay, registered in Consul with their Weave addresses, reachable by name from every host", async () => {
        const stack = lab.opened;
        const outputs = await stack.outputs();
        const workloads = outputs.workloads.value as Record<string, { deployment: { state: string }; instances: string[]; routes: string[] }>;
        const u1 = sshArgs(keyFile, hosts[0].ssh.port, "root", "127.0.0.1", knownHosts);
        for (const [svc, count, subnet] of [["httpbackend", 3, /^10\.32\.0\.\d+$/], ["httpbackend-isolated", 2, /^10\.32\.1\.\d+$/]] as const) {
            console.log(workloads[svc].instances.map((l) => `      ${l}`).join("\n"));
            assert.strictEqual(workloads[svc].deployment.state, "successful");
            const instances = passing(u1, svc);
            assert.strictEqual(instances.length, count);
            assert.strictEqual(new Set(instances.map((i) => i.split(" ")[0])).size, count, "one instance per host");
            for (const i of instances) {
                const [addr, port] = i.split(" ")[1].split(":");
                assert.match(addr, subnet, `${svc} is registered with its Weave address, not the host's`);
                assert.strictEqual(port, "8081");
            }
            assert.deepStrictEqual(workloads[svc].instances.sort(), instances.map((i) => `${i.split(" ")[1]} ${i.split(" ")[0]} v1.0.0`).sort());
            // fabio routes every instance, and answers on the route from this machine (the published proxy port).
            assert.deepStrictEqual(workloads[svc].routes.map((r) => r.split(" ")[2]).sort(), instances.map((i) => `http://${i.split(" ")[1]}/`).sort());
            assert.strictEqual(sh("curl", ["-fsS", "--max-time", "5", `${outputs.FABIO_ADDR.value as string}/${svc}/`]), "this is httpbackendservice, version: v1.0.0\n");
            for (const h of hosts) {
                const ssh = sshArgs(keyFile, h.ssh.port, "root", "127.0.0.1", knownHosts);
                const dig = sh("ssh", [...ssh, `dig +short @127.0.0.1 -p 8600 ${svc}.service.dc1.consul`]).trim().split("\n").sort();
                assert.deepStrictEqual(dig, instances.map((i) => i.split(" ")[1].split(":")[0]).sort(), "Consul DNS answers only Weave addresses");
                assert.strictEqual(sh("ssh", [...ssh, `curl -fsS --max-time 5 ${svc}.service.dc1.consul:8081`]), "this is httpbackendservice, version: v1.0.0\n");
            }
        }
    });

    it("the check matrix: every cell passed, across hosts and subnets, and a container on the overlay reaches its subnet by name", async () => {
        const checks = (await lab.opened.outputs()).checks.value as Record<string, string>;
        console.log(Object.entries(checks).map(([c, r]) => `      ${c}: ${r}`).join("\n"));
        // Per host, from the host: 8 instances + 3 names + 3 DNS cells + 2 fabio routes + the HTTPS
        // workload's fabio :9996, its certificate and an unknown server name; per subnet probe:
        // 8 instances + 3 names + 3 fabio routes + Consul's and Nomad's APIs refused.
        assert.strictEqual(Object.keys(checks).length, hosts.length * (8 + 3 + 3 + 2 + 3 + 2 * (8 + 3 + 3 + 2)));
        const failed = Object.entries(checks).filter(([, r]) => !r.startsWith("PASS"));
        assert.deepStrictEqual(failed, []);
        for (const h of hosts) {
            assert.match(checks[`${h.name} dns httpbackend.service.dc1.consul`], /^PASS: (10\.32\.0\.\d+ ?){3} \(all in 10\.32\.0\.0\/24\)$/);
            const probes = Object.keys(checks).filter((c) => c.startsWith(`${h.name} container `));
            const across = probes.filter((c) => /\(10\.32\.1\.0\/24\) -> httpbackend@/.test(c) || /\(10\.32\.0\.0\/24\) -> httpbackend-isolated@/.test(c));
            assert.strictEqual(across.length, 3 + 2, "both directions across subnets, to every instance");
            for (const c of across) {
                assert.match(checks[c], /^PASS: refused/);
            }
            const name = probes.find((c) => /\(10\.32\.0\.0\/24\) -> httpbackend\.service\.dc1\.consul$/.test(c)) as string;
            assert.strictEqual(checks[name], "PASS: this is httpbackendservice, version: v1.0.0");
            // Seed 001's HTTPS path: the seed's command, the certificate fabio passes through, an unknown name.
            assert.strictEqual(checks[`${h.name} host -> fabio https://mysite-sni-1.com:9996/`], "PASS: this is httpsbackendservice, version: v1.0.0");
            assert.match(checks[`${h.name} host -> fabio mysite-sni-1.com:9996 certificate`], /^PASS: subject CN=mysite-sni-1\.com, verified with the lab CA$/);
            assert.match(checks[`${h.name} host -> fabio https://netlab-unknown.invalid:9996/ (no such route)`], /^PASS: refused/);
            // Consul's and Nomad's APIs: not on the containers' side of the host.
            const apis = probes.filter((c) => / -> (consul|nomad) api /.test(c));
            assert.strictEqual(apis.length, 4, "two APIs from each subnet's probe");
            assert.ok(apis.every((c) => /^PASS: refused \(connection refused\)$/.test(checks[c])), apis.map((c) => `${c}: ${checks[c]}`).join("\n"));
        }
    });

    it("isolation holds only through netlab's rule: without it, the host routes one exposed subnet into the other", () => {
        const h = hosts[1];
        const ssh = sshArgs(keyFile, h.ssh.port, "root", "127.0.0.1", knownHosts);
        const target = passing(ssh, "httpbackend-isolated")[0].split(" ")[1];
        const probe = "docker run --rm --network weave netlab/httpbackend:lab -get";
        const blocked = sh("ssh", [...ssh, `${probe} http://${target}/ -timeout 3s 2>&1 || true`]);
        assert.match(blocked, /no route to host/);
        sh("ssh", [...ssh, "iptables -D DOCKER-USER -j NETLAB-WEAVE-ISOLATION"]);
        try {
            assert.strictEqual(sh("ssh", [...ssh, `${probe} http://${target}/ -timeout 3s`]), "this is httpbackendservice, version: v1.0.0\n",
                "the seed's caveat: with both subnets exposed and forwarding on, the host routes between them");
        } finally {
            sh("ssh", [...ssh, "iptables -I DOCKER-USER 1 -j NETLAB-WEAVE-ISOLATION"]);
        }
        assert.match(sh("ssh", [...ssh, `${probe} http://${target}/ -timeout 3s 2>&1 || true`]), /no route to host/);
    });

    it("a second pulumi up changes nothing", async () => {
        const stack = lab.opened;
        const result = await phases.time("no-op up", () => stack.up({ expectNoChanges: true, onOutput: () => undefined }));
        assert.deepStrictEqual(changed(result), {});
    });

    it("a new workload version updates the job in place (a rolling update), replacing nothing", async () => {
        const stack = lab.opened;
        const workloads = JSON.parse((await stack.getConfig("netlab:workloads")).value) as { name: string; version: string }[];
        await stack.setConfig("netlab:workloads", { value: JSON.stringify(workloads.map((w) => ({ ...w, version: "v1.1.0" }))) });
        const result = await phases.time("version update", () => stack.up({ onOutput: () => undefined }));
        assert.deepStrictEqual(changed(result), { update: 3, replace: 3 }, "the three jobs run again in place, then the checks on every host");
        for (const svc of ["httpbackend", "httpbackend-isolated", "httpsbackend-sni-1"]) {
            const lines = (result.outputs.workloads.value as Record<string, { instances: string[] }>)[svc].instances;
            assert.ok(lines.length > 0 && lines.every((l) => / v1\.1\.0$/.test(l)), lines.join("\n"));
        }
        assert.deepStrictEqual(Object.values(result.outputs.checks.value as Record<string, string>).filter((r) => !r.startsWith("PASS")), []);
    });

    const container = (h: HostOut): string => `${lab.prefix}-${h.name}`;
    /**
     * Waits until the lab is whole again, as seen from this machine through the published APIs:
     * three alive Consul servers with a leader, three ready Nomad clients, three httpbackend
     * instances passing their Consul checks, and each instance answering from u1 (a catalog
     * can still say "passing" for an agent that is gone). Prints what it waits for every 30 s.
     * Returns the seconds it took.
     */
    const waitHealthy = async (seconds: number): Promise<number> => {
        const outputs = await lab.opened.outputs();
        const consul = outputs.CONSUL_HTTP_ADDR.value as string;
        const nomad = outputs.NOMAD_ADDR.value as string;
        const get = (url: string): unknown => JSON.parse(sh("curl", ["-fsS", "--max-time", "5", url]));
        const start = Date.now();
        let last = "";
        for (;;) {
            try {
                const members = (get(`${consul}/v1/agent/members`) as { Name: string; Status: number }[]).filter((m) => m.Status === 1).map((m) => m.Name).sort();
                const leader = get(`${consul}/v1/status/leader`) as string;
                const nodes = (get(`${nomad}/v1/nodes`) as { Name: string; Status: string }[]).filter((n) => n.Status === "ready").map((n) => n.Name).sort();
                const instances = (get(`${consul}/v1/health/service/httpbackend?passing=true`) as { Node: { Node: string }; Service: { Address: string } }[]);
                const on = instances.map((e) => e.Node.Node).sort();
                last = `consul alive ${members.join(",")} leader ${leader || "none"}; nomad ready ${nodes.join(",")}; httpbackend passing on ${on.join(",")}`;
                const all = hosts.map((h) => h.name).sort().join(",");
                // Three instances passing, wherever they run: Nomad reschedules a lost host's instance
                // onto another host (the job spreads its instances, a preference) and leaves it there.
                if (members.join(",") === all && leader !== "" && nodes.join(",") === all && on.length === hosts.length) {
                    // Each instance answers at its Weave address from every host (the overlay is whole again).
                    for (const h of hosts) {
                        for (const i of instances) {
                            assert.strictEqual(sh("ssh", [...sshArgs(keyFile, h.ssh.port, "root", "127.0.0.1", knownHosts), `curl -fsS --max-time 3 http://${i.Service.Address}:8081/`]),
                                "this is httpbackendservice, version: v1.1.0\n");
                        }
                    }
                    return (Date.now() - start) / 1000;
                }
            } catch (e) {
                last = String(e).split("\n")[0];
            }
            if (Math.floor((Date.now() - start) / 30000) > Math.floor((Date.now() - start - 2000) / 30000)) {
                console.log(`      after ${((Date.now() - start) / 1000).toFixed(0)} s: ${last}`);
            }
            assert.ok(Date.now() - start < seconds * 1000, `the lab did not recover within ${seconds} s: ${last}`);
            await new Promise((r) => setTimeout(r, 2000));
        }
    };

    it("a host stopped by hand: up --refresh starts it again in place, and the lab recovers", async () => {
        const stack = lab.opened;
        const h = hosts[1];
        sh("docker", ["stop", container(h)]);
        const result = await phases.time("up after a stop", () => stack.up({ refresh: true, onOutput: () => undefined }));
        console.log(`      changes: ${JSON.stringify(changed(result))}`);
        assert.deepStrictEqual(changed(result), { update: 1 }, "the container is started again, nothing else runs");
        const secs = await phases.time("recovery after a stop", () => waitHealthy(240));
        console.log(`      Consul, Nomad and httpbackend whole again ${secs.toFixed(1)} s after up`);
        // The router came back with Docker; netlab's unit put back the exposes and the isolation.
        const ssh = sshArgs(keyFile, h.ssh.port, "root", "127.0.0.1", knownHosts);
        assert.match(sh("ssh", [...ssh, "systemctl is-active netlab-weave-overlay.service"]), /^active/);
        assert.match(sh("ssh", [...ssh, "ip -4 -o addr show weave"]), /inet 10\.32\.1\.\d+\/24/);
        const iso = passing(ssh, "httpbackend-isolated")[0].split(" ")[1];
        assert.match(sh("ssh", [...ssh, `docker run --rm --network weave netlab/httpbackend:lab -get http://${iso}/ -timeout 3s 2>&1 || true`]),
            /no route to host/, "the subnets are isolated again after the restart");
        consulDnsOn(h);
    });

    /**
     * On host h itself, what a user types there: *.consul resolves through Consul again (netlab's
     * boot unit put the resolver and the redirect back), a service answers by its Consul name,
     * and other names still resolve.
     */
    const consulDnsOn = (h: HostOut): void => {
        const ssh = sshArgs(keyFile, h.ssh.port, "root", "127.0.0.1", knownHosts);
        assert.match(sh("ssh", [...ssh, "systemctl is-active netlab-consul-dns.service"]), /^active/);
        assert.strictEqual(sh("ssh", [...ssh, "head -1 /etc/resolv.conf"]).trim(), "nameserver 127.0.0.1", `${h.name}'s resolver`);
        assert.match(sh("ssh", [...ssh, "getent hosts consul.service.consul"]), /^192\.168\.56\.\d+\s/m);
        assert.match(sh("ssh", [...ssh, "curl -fsS --max-time 5 http://httpbackend.service.dc1.consul:8081/"]), /^this is httpbackendservice, version: v1\.1\.0$/m);
        assert.match(sh("ssh", [...ssh, `getent hosts ${lab.prefix}-u1`]), /^192\.168\.56\.3\s/, "other names still resolve");
        console.log(`      ${h.name}: *.consul resolves through Consul again (asked on ${h.name})`);
    };

    it("every host restarted (docker restart of all three): the lab is whole again by itself, Consul DNS on every host, and up --refresh changes nothing", async () => {
        const stack = lab.opened;
        sh("docker", ["restart", ...hosts.map(container)]);
        // No up: the hosts heal themselves (systemd units: Consul, Nomad, the overlay, the DNS switch).
        const secs = await phases.time("recovery after restarting every host", () => waitHealthy(300));
        console.log(`      Consul, Nomad, the overlay and httpbackend whole again ${secs.toFixed(1)} s after docker restart, with no up`);
        for (const h of hosts) {
            consulDnsOn(h);
        }
        const result = await phases.time("up --refresh after restarting every host", () => stack.up({ refresh: true, onOutput: () => undefined }));
        assert.deepStrictEqual(changed(result), {}, "nothing to change after the restarts");
    });

    it("a host removed by hand: up --refresh makes it again, runs every step on it again, and the lab recovers", async () => {
        const stack = lab.opened;
        const h = hosts[2];
        sh("docker", ["rm", "-f", "-v", container(h)]);
        const result = await phases.time("up after a removal", () => stack.up({ refresh: true, onOutput: () => undefined }));
        console.log(`      changes: ${JSON.stringify(changed(result))}`);
        assert.strictEqual(changed(result).create, 1, "one new container");
        const binaries = result.outputs.binaries.value as Record<string, string[]>;
        assert.strictEqual(binaries[h.name].length, 5, "its binaries pushed again");
        assert.match(sh("ssh", [...sshArgs(keyFile, h.ssh.port, "root", "127.0.0.1", knownHosts), "consul", "version"]), /^Consul v1\.22\.7/);
        const secs = await phases.time("recovery after a removal", () => waitHealthy(300));
        console.log(`      Consul, Nomad and httpbackend whole again ${secs.toFixed(1)} s after up`);
        const again = await phases.time("no-op up after recovery", () => stack.up({ onOutput: () => undefined }));
        assert.deepStrictEqual(changed(again), {}, "the recovered lab is stable");
    });

    it("the DNS switch undoes itself cleanly and can be re-applied (what destroy and a re-run do)", () => {
        const ssh = sshArgs(keyFile, hosts[0].ssh.port, "root", "127.0.0.1", knownHosts);
        const render = (action: string): string => sh("npx", ["--no-install", "ts-node", "--transpile-only", "commands/render-host-script.ts",
            "host-scripts/consul-dns.sh", `NETLAB_ACTION=${action}`], { cwd: ROOT });
        const before = sh("ssh", [...ssh, "cat /etc/resolv.conf.netlab-orig"]);
        sh("ssh", [...ssh, "bash -s"], { input: render("delete") });
        assert.strictEqual(sh("ssh", [...ssh, "cat /etc/resolv.conf"]), before, "resolv.conf is the original again");
        assert.doesNotMatch(sh("ssh", [...ssh, "iptables -t nat -S OUTPUT"]), /netlab-consul-dns/);
        assert.strictEqual(sh("ssh", [...ssh, "ls /etc/resolv.conf.netlab-orig /etc/consul.d/netlab-dns.hcl 2>/dev/null || true"]).trim(), "");
        for (let i = 0; i < 2; i++) {
            assert.match(sh("ssh", [...ssh, "bash -s"], { input: render("create") }), /consul\.service\.consul -> /);
        }
        assert.strictEqual((sh("ssh", [...ssh, "iptables -t nat -S OUTPUT"]).match(/netlab-consul-dns/g) ?? []).length, 2, "one rule per protocol, not duplicated");
        assert.strictEqual(sh("ssh", [...ssh, "head -1 /etc/resolv.conf"]).trim(), "nameserver 127.0.0.1");
    });

    it("the overlay's cleanup leaves a host as it was: no router, networks, addresses, rules, CNI files, images or unit", () => {
        const h = hosts[2];
        const ssh = sshArgs(keyFile, h.ssh.port, "root", "127.0.0.1", knownHosts);
        // What destroy does first: the jobs go, then the overlay.
        sh("ssh", [...ssh, "nomad job stop -purge httpbackend >/dev/null; nomad job stop -purge httpbackend-isolated >/dev/null; sleep 3"]);
        const render = sh("npx", ["--no-install", "ts-node", "--transpile-only", "commands/render-host-script.ts", "host-scripts/weave-overlay.sh",
            "NETLAB_ACTION=delete", `NETLAB_IMAGE_REFS=${cniBuild("weave").refs.join(" ")}`], { cwd: ROOT });
        for (let i = 0; i < 2; i++) {
            assert.match(sh("ssh", [...ssh, "bash -s"], { input: render }), /weave removed from u3/, "the cleanup can run twice");
        }
        assert.strictEqual(sh("ssh", [...ssh, "docker ps -a --format '{{.Names}}' | grep -i weave || true"]).trim(), "");
        assert.strictEqual(sh("ssh", [...ssh, "docker images --format '{{.Repository}}' | grep -i weave || true"]).trim(), "");
        assert.strictEqual(sh("ssh", [...ssh, "docker network ls --format '{{.Name}}' | grep -E 'weave|gwbridge' || true"]).trim(), "");
        assert.strictEqual(sh("ssh", [...ssh, "ip -o link | grep -E 'weave|vethwe|datapath' || true"]).trim(), "");
        assert.strictEqual(sh("ssh", [...ssh, "ip route | grep -E '10\\.32\\.' || true"]).trim(), "");
        assert.strictEqual(sh("ssh", [...ssh, "(iptables-save; iptables-save -t nat) | grep -i -E 'weave|netlab-weave' || true"]).trim(), "");
        assert.strictEqual(sh("ssh", [...ssh, "ls /etc/cni /var/run/weave /etc/systemd/system/netlab-weave-overlay.service /usr/local/bin/weave /var/lib/netlab/weave 2>/dev/null || true"]).trim(), "");
    });

    it("destroy, with one host stopped by hand, removes everything without reaching into the hosts", async () => {
        const stack = lab.opened;
        // A stopped host cannot be reached: the steps' cleanups are skipped, its removal covers them.
        sh("docker", ["stop", container(hosts[0])]);
        await phases.time("destroy", () => stack.destroy({ onOutput: () => undefined }));
        assert.strictEqual(sh("docker", ["ps", "-a", "-q", "--filter", `label=netlab.lab=${lab.prefix}`]).trim(), "");
        assert.strictEqual(sh("docker", ["network", "ls", "-q", "--filter", `label=netlab.lab=${lab.prefix}`]).trim(), "");
        assert.strictEqual(sh("docker", ["images", "-a", "-q", "--filter", `label=netlab.lab=${lab.prefix}`]).trim(), "");
        assert.deepStrictEqual(await lab.dispose(), []);
        lab.stack = undefined;
    });

    it("an up interrupted (SIGINT) while Consul is being installed, then up again: a whole lab, nothing orphaned", async () => {
        const again = new LabStack("e2e-weave-int", "weave-lab");
        try {
            const stack = await again.open();
            const line = await phases.time("interrupted up", () => interruptedUp(stack, /Command\s+consul-u\d\s+creating/));
            console.log(`      interrupted at: ${line}`);
            const result = await phases.time("up after the interruption", () => stack.up({ onOutput: () => undefined }));
            assert.strictEqual(result.summary.result, "succeeded");
            assert.match(result.outputs.consulMembers.value as string, /^leader=192\.168\.56\.[345]:8300 alive=3$/m);
            const w = (result.outputs.workloads.value as Record<string, { deployment: { state: string }; instances: string[] }>).httpbackend;
            assert.deepStrictEqual([w.deployment.state, w.instances.length], ["successful", 3]);
            assert.deepStrictEqual(dockerObjects(again.prefix).containers, ["u1", "u2", "u3"].map((h) => `${again.prefix}-${h}`));
            await phases.time("destroy after the interruption", () => stack.destroy({ onOutput: () => undefined }));
            assert.deepStrictEqual(dockerObjects(again.prefix), { containers: [], networks: [], images: [] }, "nothing orphaned");
        } finally {
            assert.deepStrictEqual(await again.dispose(), []);
        }
    });
});
