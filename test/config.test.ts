import * as assert from "assert";
import * as fs from "fs";
import { DEFAULTS, KNOWN_KEYS, RawConfig } from "../lib/config";
import { ConfigError, ConfigProblem } from "../lib/problems";
import { buildLabConfig } from "../lib/validate";
import { parseHostKey } from "../lib/ssh";
import { projectDefaults, rawFromStackFile } from "./harness";

const FAKE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n";
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEUo6YJWTHXXEx+/cELZJzde3B+XDqFaeH1tOozgB+pX";
const allSecret = (): boolean => true;

/** The problems buildLabConfig reports for this raw config ([] when it is valid). */
function problems(raw: RawConfig, isSecret: (k: string) => boolean = allSecret): ConfigProblem[] {
    try {
        buildLabConfig(raw, isSecret);
        return [];
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
        return [...e.problems];
    }
}

/** Asserts exactly one problem, on `key`, whose text matches `what`; returns it. */
function oneProblem(raw: RawConfig, key: string, what: RegExp): ConfigProblem {
    const list = problems(raw);
    assert.strictEqual(list.length, 1, `expected one problem, got: ${JSON.stringify(list, null, 1)}`);
    assert.strictEqual(list[0].key, key);
    assert.match(list[0].what, what);
    assert.ok(list[0].fix.length > 0, "every problem names a fix");
    return list[0];
}

const hosts = (...list: object[]): string => JSON.stringify(list);
const weave = (w: object): string => JSON.stringify({ ipallocRange: "10.32.0.0/16", defaultSubnet: "10.32.0.0/24", ...w });

describe("config: defaults and stack files", () => {
    it("an empty config gives the seed's lab: u1-u3 at 192.168.56.3-5, docker, scenario hosts", () => {
        const cfg = buildLabConfig({}, allSecret);
        assert.deepStrictEqual(cfg.hosts.map((h) => [h.name, h.labAddress]),
            [["u1", "192.168.56.3"], ["u2", "192.168.56.4"], ["u3", "192.168.56.5"]]);
        assert.strictEqual(cfg.hostProvider, "docker");
        assert.strictEqual(cfg.scenario, "hosts");
        assert.strictEqual(cfg.privileged, false);
        assert.strictEqual(cfg.weave.defaultSubnet, cfg.weave.ipallocRange, "the default subnet defaults to the whole range");
    });

    it("host addresses follow a custom labNetwork", () => {
        const cfg = buildLabConfig({ labNetwork: "10.10.0.0/24" }, allSecret);
        assert.deepStrictEqual(cfg.hosts.map((h) => h.labAddress), ["10.10.0.3", "10.10.0.4", "10.10.0.5"]);
    });

    for (const stack of ["dev", "weave-lab", "kube-lab"]) {
        it(`Pulumi.${stack}.yaml is valid`, () => {
            assert.deepStrictEqual(problems(rawFromStackFile(stack)), []);
        });
    }

    it("weave-lab reads the seed's ranges, puts the second workload in 10.32.1.0/24 and serves the third over TLS", () => {
        const cfg = buildLabConfig(rawFromStackFile("weave-lab"), allSecret);
        assert.strictEqual(cfg.scenario, "weave-nomad");
        assert.strictEqual(cfg.weave.ipallocRange, "10.32.0.0/16");
        assert.strictEqual(cfg.weave.defaultSubnet, "10.32.0.0/24");
        assert.deepStrictEqual(cfg.workloads.map((w) => [w.name, w.subnet ?? cfg.weave.defaultSubnet]),
            [["httpbackend", "10.32.0.0/24"], ["httpbackend-isolated", "10.32.1.0/24"], ["httpsbackend-sni-1", "10.32.0.0/24"]]);
        assert.deepStrictEqual(cfg.workloads.map((w) => w.tls?.sni), [undefined, undefined, "mysite-sni-1.com"], "seed 001's server name");
    });

    it("the ssh example is valid once its key and the hosts' keys are set, and names them when they are not", () => {
        const raw = rawFromStackFile("ssh-example");
        const missing = problems(raw);
        assert.deepStrictEqual(missing.map((p) => p.key), ["hosts[0].hostKey", "hosts[1].hostKey", "hosts[2].hostKey", "sshPrivateKey"]);
        assert.match(missing[0].fix, /ssh-keygen -lf \/etc\/ssh\/ssh_host_ed25519_key\.pub.*pulumi config set --path 'netlab:hosts\[0\]\.hostKey' "\$\(ssh-keyscan -t ed25519 -p 22 192\.168\.56\.3/);
        assert.match(missing[3].fix, /pulumi config set --secret netlab:sshPrivateKey/);
        const pinned = (JSON.parse(raw.hosts) as object[]).map((h) => ({ ...h, hostKey: `${HOST_KEY} root@u1` }));
        const cfg = buildLabConfig({ ...raw, sshPrivateKey: FAKE_KEY, hosts: JSON.stringify(pinned) }, allSecret);
        assert.strictEqual(cfg.hostProvider, "ssh");
        assert.deepStrictEqual(cfg.hosts.map((h) => h.port), [22, 22, 22]);
    });

    it("Pulumi.yaml's defaults equal the program's defaults", () => {
        const d = projectDefaults();
        assert.deepStrictEqual(d, {
            "netlab:scenario": DEFAULTS.scenario,
            "netlab:hostProvider": DEFAULTS.hostProvider,
            "netlab:labNetwork": DEFAULTS.labNetwork,
            "netlab:privileged": String(DEFAULTS.privileged),
            "netlab:cni": DEFAULTS.cni,
            "netlab:cniMtu": DEFAULTS.cniMtu,
            "netlab:cniEncryption": String(DEFAULTS.cniEncryption),
            "netlab:mesh": DEFAULTS.mesh,
        });
        for (const key of Object.keys(d)) {
            assert.ok((KNOWN_KEYS as readonly string[]).includes(key.replace("netlab:", "")), key);
        }
    });
});

describe("config: names and enumerations", () => {
    it("rejects an unknown scenario, naming the choices", () => {
        const p = oneProblem({ scenario: "weave" }, "scenario", /not one of hosts, weave-nomad, kubeadm/);
        assert.strictEqual(p.value, "'weave'");
    });
    it("rejects an unknown host provider", () => {
        oneProblem({ hostProvider: "vagrant" }, "hostProvider", /not one of docker, ssh/);
    });
    it("rejects an unknown CNI", () => {
        oneProblem({ cni: "antrea" }, "cni", /not one of calico, canal, cilium, flannel, kube-router, weave/);
    });
    it("rejects an unknown top-level key (a typo)", () => {
        const p = oneProblem({ scenarios: "hosts" }, "scenarios", /not a netlab setting/);
        assert.match(p.fix, /pulumi config rm netlab:scenarios/);
    });
    it("rejects an unknown field inside a structured setting", () => {
        oneProblem({ weave: JSON.stringify({ ipallocRnage: "10.32.0.0/16" }) }, "weave.ipallocRnage", /not a known field/);
    });
    it("rejects a field of the wrong type", () => {
        oneProblem({ weave: JSON.stringify({ subnets: "10.32.1.0/24" }) }, "weave.subnets", /not a string\[\]/);
    });
    it("rejects a non-boolean privileged", () => {
        oneProblem({ privileged: "yes" }, "privileged", /not a boolean/);
    });
    it("rejects a structured setting that is not an object", () => {
        oneProblem({ weave: "10.32.0.0/16" }, "weave", /is not an object/);
    });
    it("reports every problem at once, not just the first", () => {
        const list = problems({ scenario: "x", cni: "y", labNetwork: "nope" });
        assert.deepStrictEqual(list.map((p) => p.key).sort(), ["cni", "labNetwork", "scenario"]);
    });
    it("the error message names each key, value and fix", () => {
        assert.throws(() => buildLabConfig({ cni: "antrea" }, allSecret),
            /netlab:cni = 'antrea': is not one of .*Fix: pulumi config set netlab:cni flannel/);
    });
});

describe("config: hosts", () => {
    it("rejects an even number of hosts, saying why", () => {
        const p = oneProblem({ hosts: hosts({ name: "a" }, { name: "b" }) }, "hosts", /odd number of hosts/);
        assert.match(p.what, /majority/);
    });
    it("rejects more than seven hosts", () => {
        const nine = Array.from({ length: 9 }, (_, i) => ({ name: `h${i}` }));
        oneProblem({ hosts: JSON.stringify(nine) }, "hosts", /odd number of hosts, 1 to 7/);
    });
    it("accepts a single host", () => {
        assert.deepStrictEqual(problems({ hosts: hosts({ name: "solo" }) }), []);
    });
    it("rejects duplicate host names", () => {
        oneProblem({ hosts: hosts({ name: "u1" }, { name: "u2" }, { name: "u1" }) }, "hosts[2].name", /repeats hosts\[0\]\.name/);
    });
    it("rejects an invalid host name", () => {
        oneProblem({ hosts: hosts({ name: "U_1" }, { name: "u2" }, { name: "u3" }) }, "hosts[0].name", /not a valid host name/);
    });
    it("rejects a malformed lab address", () => {
        oneProblem({ hosts: hosts({ name: "u1", labAddress: "192.168.56.300" }, { name: "u2" }, { name: "u3" }) },
            "hosts[0].labAddress", /not an IPv4 address/);
    });
    it("rejects a lab address outside the lab network", () => {
        const p = oneProblem({ hosts: hosts({ name: "u1", labAddress: "10.0.0.3" }, { name: "u2" }, { name: "u3" }) },
            "hosts[0].labAddress", /not a host address inside netlab:labNetwork 192.168.56.0\/24/);
        assert.match(p.fix, /192\.168\.56\.3/);
    });
    it("rejects the network's broadcast address", () => {
        oneProblem({ hosts: hosts({ name: "u1", labAddress: "192.168.56.255" }, { name: "u2" }, { name: "u3" }) },
            "hosts[0].labAddress", /not a host address/);
    });
    it("rejects the Docker gateway address in docker mode", () => {
        oneProblem({ hosts: hosts({ name: "u1", labAddress: "192.168.56.1" }, { name: "u2" }, { name: "u3" }) },
            "hosts[0].labAddress", /gateway/);
    });
    it("rejects duplicate lab addresses", () => {
        oneProblem({ hosts: hosts({ name: "u1", labAddress: "192.168.56.4" }, { name: "u2" }, { name: "u3" }) },
            "hosts[1].labAddress", /repeats hosts\[0\]\.labAddress/);
    });
    it("rejects ssh-only fields in docker mode", () => {
        oneProblem({ hosts: hosts({ name: "u1", port: 2222 }, { name: "u2" }, { name: "u3" }) }, "hosts[0]", /only hostProvider=ssh uses/);
    });
    const pinned = (...list: Record<string, unknown>[]): string => hosts(...list.map((h) => ({ hostKey: HOST_KEY, ...h })));
    it("ssh mode: rejects a bad port and a bad address", () => {
        const list = problems({
            hostProvider: "ssh", sshPrivateKey: FAKE_KEY,
            hosts: pinned({ name: "u1", address: "bad host!", port: 70000 }, { name: "u2" }, { name: "u3" }),
        });
        assert.deepStrictEqual(list.map((p) => p.key).sort(), ["hosts[0].address", "hosts[0].port"]);
    });
    it("ssh mode: rejects something that is not a private key", () => {
        oneProblem({ hostProvider: "ssh", sshPrivateKey: "ssh-ed25519 AAAA... a public key", hosts: pinned({ name: "u1" }, { name: "u2" }, { name: "u3" }) },
            "sshPrivateKey", /does not look like/);
    });
    it("ssh mode: needs every host's key pinned, and refuses what is not one; docker mode refuses a configured one", () => {
        const p = oneProblem({ hostProvider: "ssh", sshPrivateKey: FAKE_KEY, hosts: pinned({ name: "u1" }, { name: "u2", hostKey: undefined }, { name: "u3" }) },
            "hosts[1].hostKey", /is required with hostProvider=ssh/);
        assert.match(p.fix, /ssh-keyscan -t ed25519 -p 22 192\.168\.56\.4/);
        oneProblem({ hostProvider: "ssh", sshPrivateKey: FAKE_KEY, hosts: pinned({ name: "u1" }, { name: "u2" }, { name: "u3", hostKey: "AAAA not a key" }) },
            "hosts[2].hostKey", /is not an SSH public host key/);
        oneProblem({ hosts: hosts({ name: "u1", hostKey: HOST_KEY }, { name: "u2" }, { name: "u3" }) }, "hosts[0].hostKey",
            /docker hosts get a host key generated for each/);
        assert.strictEqual(parseHostKey(`${HOST_KEY} root@u1`), HOST_KEY, "a comment after the key is dropped");
        assert.strictEqual(parseHostKey("ssh-dss AAAAB3"), undefined);
    });
    it("docker mode: rejects a configured SSH key (it is generated)", () => {
        oneProblem({ sshPrivateKey: FAKE_KEY }, "sshPrivateKey", /only used with hostProvider=ssh/);
    });
    it("rejects a secret key set in plain text, without echoing it", () => {
        const list = problems({ hostProvider: "ssh", sshPrivateKey: FAKE_KEY, hosts: pinned({ name: "u1" }, { name: "u2" }, { name: "u3" }) }, () => false);
        assert.deepStrictEqual(list.map((p) => p.key), ["sshPrivateKey"]);
        assert.match(list[0].what, /plain text/);
        assert.ok(!JSON.stringify(list).includes("abc"), "the secret's value is not in the report");
    });
});

describe("config: networks", () => {
    it("rejects a malformed lab network", () => {
        oneProblem({ labNetwork: "192.168.56.0" }, "labNetwork", /not a CIDR/);
    });
    it("rejects a CIDR with host bits set, suggesting the network", () => {
        oneProblem({ labNetwork: "192.168.56.7/24" }, "labNetwork", /host bits set \(did you mean 192\.168\.56\.0\/24\?\)/);
    });
    it("rejects a lab network too small for the hosts", () => {
        oneProblem({ labNetwork: "192.168.56.0/30" }, "labNetwork", /too small/);
    });
    it("rejects a default subnet outside the allocation range", () => {
        oneProblem({ weave: weave({ defaultSubnet: "10.40.0.0/24" }) }, "weave.defaultSubnet", /not inside netlab:weave.ipallocRange 10.32.0.0\/16/);
    });
    it("rejects an extra subnet outside the allocation range", () => {
        oneProblem({ weave: weave({ subnets: ["10.33.1.0/24"] }) }, "weave.subnets[0]", /not inside/);
    });
    it("rejects an extra subnet that overlaps the default subnet", () => {
        oneProblem({ weave: weave({ subnets: ["10.32.0.128/25"] }) }, "weave.subnets[0]", /overlaps netlab:weave.defaultSubnet/);
    });
    it("rejects two extra subnets that overlap each other", () => {
        oneProblem({ weave: weave({ subnets: ["10.32.1.0/24", "10.32.1.128/25"] }) }, "weave.subnets[1]", /overlaps/);
    });
    it("rejects a weave range that overlaps the lab network", () => {
        oneProblem({ labNetwork: "10.32.5.0/24" }, "labNetwork", /overlaps netlab:weave.ipallocRange/);
    });
    it("rejects a pod CIDR that overlaps the service CIDR", () => {
        oneProblem({ kubernetes: JSON.stringify({ podCidr: "10.96.0.0/16" }) }, "kubernetes.podCidr", /overlaps netlab:kubernetes.serviceCidr/);
    });
    it("rejects a range that overlaps the Docker bridge inside the hosts", () => {
        oneProblem({ kubernetes: JSON.stringify({ podCidr: "172.16.0.0/12" }) }, "kubernetes.podCidr", /Docker bridge inside the hosts/);
    });
    it("rejects an out-of-range Weave MTU", () => {
        oneProblem({ weave: weave({ mtu: 100 }) }, "weave.mtu", /between 576 and 9000/);
    });
});

describe("config: artifacts", () => {
    it("weave-nomad needs netlab:artifactsDir, and says how to get one", () => {
        const p = oneProblem({ scenario: "weave-nomad" }, "artifactsDir", /required by scenario weave-nomad/);
        assert.match(p.fix, /npm run toolchain/);
        assert.deepStrictEqual(problems({ scenario: "weave-nomad", artifactsDir: ".toolchain/artifacts" }), []);
    });
    it("rejects an empty artifacts directory setting", () => {
        oneProblem({ artifactsDir: " " }, "artifactsDir", /is empty/);
    });
});

describe("config: versions, CNI options and workloads", () => {
    it("rejects a malformed tool version", () => {
        oneProblem({ consul: JSON.stringify({ version: "v1.20" }) }, "consul.version", /X\.Y\.Z/);
    });
    it("rejects a malformed workload version", () => {
        oneProblem({ workloads: JSON.stringify([{ name: "httpbackend", version: "1.0" }]) }, "workloads[0].version", /vX\.Y\.Z/);
    });
    it("accepts cniMtu auto or a number, and rejects anything else", () => {
        assert.strictEqual(buildLabConfig({ cniMtu: "1400" }, allSecret).kubernetes.cniMtu, 1400);
        assert.strictEqual(buildLabConfig({ cniMtu: "auto" }, allSecret).kubernetes.cniMtu, "auto");
        oneProblem({ cniMtu: "big" }, "cniMtu", /neither 'auto' nor a whole number/);
        oneProblem({ cniMtu: "70000" }, "cniMtu", /between 576 and 9000/);
    });
    it("rejects encryption with a CNI that cannot encrypt", () => {
        oneProblem({ cni: "flannel", cniEncryption: "true" }, "cniEncryption", /not supported by CNI 'flannel'/);
    });
    it("weave encryption needs the weave password", () => {
        oneProblem({ cni: "weave", cniEncryption: "true" }, "weavePassword", /required/);
        assert.deepStrictEqual(problems({ cni: "weave", cniEncryption: "true", weavePassword: "s3cret" }), []);
    });
    it("kubeadm runs all six CNIs (weave encrypted too); an unknown one is refused naming the key", () => {
        const kube = { scenario: "kubeadm", artifactsDir: ".toolchain/artifacts" };
        for (const cni of ["calico", "canal", "cilium", "flannel", "kube-router", "weave"]) {
            assert.deepStrictEqual(problems({ ...kube, cni }), [], cni);
        }
        assert.deepStrictEqual(problems({ ...kube, cni: "weave", cniEncryption: "true", weavePassword: "s3cret" }), []);
        oneProblem({ ...kube, cni: "weave", cniEncryption: "true" }, "weavePassword", /required/);
        oneProblem({ ...kube, cni: "antrea" }, "cni", /calico/);
    });
    it("rejects two workloads with one name", () => {
        oneProblem({ workloads: JSON.stringify([{ name: "web" }, { name: "web" }]) }, "workloads[1].name", /repeats/);
    });
    it("rejects a workload subnet that is not one of the lab's subnets", () => {
        oneProblem({ weave: weave({}), workloads: JSON.stringify([{ name: "web", subnet: "10.32.9.0/24" }]) },
            "workloads[0].subnet", /not netlab:weave.defaultSubnet nor one of netlab:weave.subnets/);
    });
    it("rejects an unknown host in a placement", () => {
        const p = oneProblem({ workloads: JSON.stringify([{ name: "web", placement: ["u2", "u9"] }]) },
            "workloads[0].placement[1]", /not a lab host \(hosts: u1, u2, u3\)/);
        assert.strictEqual(p.value, "'u9'");
    });
    it("weave-nomad: a workload has at most one instance per host it may use, in any subnet", () => {
        oneProblem({ scenario: "weave-nomad", artifactsDir: "a", workloads: JSON.stringify([{ name: "web", count: 3, placement: ["u1", "u2"] }]) },
            "workloads[0].count", /exceeds the 2 host\(s\) it may use/);
        oneProblem({ scenario: "weave-nomad", artifactsDir: "a", workloads: JSON.stringify([{ name: "web", count: 4, subnet: "10.32.0.0/12" }]) },
            "workloads[0].count", /exceeds the 3 host\(s\) it may use: the job spreads its instances one per host/);
        assert.deepStrictEqual(problems({ scenario: "weave-nomad", artifactsDir: "a", workloads: JSON.stringify([{ name: "web", count: 3 }]) }), []);
    });
    it("weave-nomad runs only the Weave Net the toolchain builds, and says how to get back to it", () => {
        const p = oneProblem({ scenario: "weave-nomad", artifactsDir: "a", weave: JSON.stringify({ version: "2.8.1" }) }, "weave.version",
            /is not the Weave Net the toolchain builds \(2\.9\.0\)/);
        assert.match(p.fix, /pulumi config rm --path netlab:weave\.version/);
        assert.deepStrictEqual(problems({ scenario: "weave-nomad", artifactsDir: "a", weave: JSON.stringify({ version: "2.9.0" }) }), []);
    });
    it("rejects a workload count of zero", () => {
        oneProblem({ workloads: JSON.stringify([{ name: "web", count: 0 }]) }, "workloads[0].count", /1 to 20/);
    });
});

describe("config: defaults match the toolchain", () => {
    it("the default Consul, Nomad and Kubernetes versions are the ones toolchain/versions.env builds", () => {
        const env = Object.fromEntries(fs.readFileSync(`${__dirname}/../toolchain/versions.env`, "utf8").split("\n")
            .filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split("=") as [string, string]));
        assert.strictEqual(DEFAULTS.consul.version, env.CONSUL_VERSION);
        assert.strictEqual(DEFAULTS.nomad.version, env.NOMAD_VERSION);
        assert.strictEqual(DEFAULTS.kubernetes.version, env.KUBERNETES_VERSION);
    });
});
