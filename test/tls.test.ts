/**
 * Seed 001's HTTPS path: a workload's `tls` setting, the job it renders, the lab CA's script
 * (run for real: openssl) and the weave-lab stack that wires them to fabio's TCP+SNI listener.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as path from "path";
import { RawConfig } from "../lib/config";
import { splitOverrides, urlprefixTag, workloadCanaryRoute, workloadRoute } from "../lib/fabio";
import { HttpbackendJob, httpbackendJob } from "../lib/jobs";
import { ConfigError } from "../lib/problems";
import { buildLabConfig } from "../lib/validate";
import { loadTarget, TLS_CONNECTION_REUSE } from "../lib/drill/target";
import { fakeArtifacts, hostStep, named, rawFromStackFile, ROOT, runStackFile, StackRun } from "./harness";

/** The keys of the problems a raw config has ([] when valid). */
function problemKeys(raw: RawConfig): string[] {
    try {
        buildLabConfig(raw, () => true);
        return [];
    } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return e.problems.map((p) => `${p.key}: ${p.what}`);
    }
}

const weaveLab = rawFromStackFile("weave-lab");
const withWorkloads = (workloads: unknown[], extra: RawConfig = {}): RawConfig =>
    ({ ...weaveLab, workloads: JSON.stringify(workloads), ...extra });

describe("tls: the workload setting (netlab:workloads[].tls)", () => {
    it("weave-lab's example serves seed 001's name over TLS", () => {
        assert.deepStrictEqual(problemKeys(weaveLab), []);
    });
    it("refuses a name fabio cannot route, naming the key", () => {
        for (const sni of ["MySite.com", "localhost", "web.service.consul", "-bad.com", "a..b"]) {
            const p = problemKeys(withWorkloads([{ name: "web", tls: { sni } }]));
            assert.strictEqual(p.length, 1, `${sni}: ${p.join("; ")}`);
            assert.match(p[0], /^workloads\[0\]\.tls\.sni: .*lower-case DNS name/);
        }
    });
    it("refuses a setting that is no object, a missing name and an unknown field", () => {
        assert.match(problemKeys(withWorkloads([{ name: "web", tls: "mysite.com" }])).join(), /^workloads\[0\]\.tls: is not an object/);
        assert.match(problemKeys(withWorkloads([{ name: "web", tls: {} }])).join(), /^workloads\[0\]\.tls\.sni: is required/);
        assert.match(problemKeys(withWorkloads([{ name: "web", tls: { sni: "a.com", cert: "x" } }])).join(), /^workloads\[0\]\.tls\.cert: is not a known field/);
    });
    it("refuses one name for two workloads, an isolated canary's canary.<sni> included", () => {
        assert.match(problemKeys(withWorkloads([{ name: "a", count: 1, tls: { sni: "a.com" } }, { name: "b", count: 1, tls: { sni: "a.com" } }])).join(),
            /^workloads\[1\]\.tls\.sni: repeats workloads\[0\]\.tls\.sni/);
        assert.match(problemKeys(withWorkloads([{ name: "a", count: 2, tls: { sni: "a.com" } },
            { name: "b", count: 1, tls: { sni: "canary.a.com" } }])).join(), /^workloads\[1\]\.tls\.sni: repeats workloads\[0\]\.tls\.sni \(its isolated canaries'/);
        assert.deepStrictEqual(problemKeys(withWorkloads([{ name: "a", count: 1, tls: { sni: "a.com" } }, { name: "b", count: 1, tls: { sni: "b.a.com" } }])), []);
    });
    it("is a weave-nomad setting: kubeadm refuses it", () => {
        const kube = rawFromStackFile("kube-lab");
        const p = problemKeys({ ...kube, workloads: JSON.stringify([{ name: "web", tls: { sni: "a.com" } }]) });
        assert.ok(p.some((x) => /^workloads\[0\]\.tls: is a weave-nomad setting/.test(x)), p.join("; "));
    });
});

describe("tls: the job and fabio's routes", () => {
    const base: HttpbackendJob = {
        name: "web", datacenter: "dc1", count: 3, version: "v1.0.0", image: "img", placement: ["u1", "u2", "u3"], port: 8081,
        network: "weave", strategy: "rolling", maxParallel: 1, canaries: 1, autoRevert: true,
    };
    const lines = (hcl: string): string[] => hcl.split("\n").map((l) => l.trim());

    it("routes by server name on the TCP+SNI listener; an isolated canary by canary.<sni>", () => {
        const w = { name: "web", tls: { sni: "mysite-sni-1.com" } };
        assert.strictEqual(workloadRoute(w), "mysite-sni-1.com/");
        assert.strictEqual(workloadCanaryRoute(w), "canary.mysite-sni-1.com/");
        assert.strictEqual(urlprefixTag(workloadRoute(w), true), "urlprefix-mysite-sni-1.com/ proto=tcp+sni");
        assert.strictEqual(urlprefixTag(workloadRoute({ name: "web" }), false), "urlprefix-/web/");
        assert.strictEqual(splitOverrides(w, { "v1.0.0": 75, "v1.1.0": 25 }), [
            'route weight web mysite-sni-1.com/ weight 0.7500 tags "version-v1.0.0"',
            'route weight web mysite-sni-1.com/ weight 0.2500 tags "version-v1.1.0"',
        ].join("\n"), "weights on the server name's route");
    });
    it("an HTTPS job reads its certificate and key from its own Nomad variable, checked over TLS", () => {
        const l = lines(httpbackendJob({ ...base, strategy: "canary-isolated", tls: { sni: "mysite-sni-1.com" } }));
        assert.ok(l.includes('tags         = ["version-v1.0.0", "network-weave", "urlprefix-mysite-sni-1.com/ proto=tcp+sni"]'), l.join("\n"));
        assert.ok(l.includes('canary_tags  = ["version-v1.0.0", "network-weave", "canary", "urlprefix-canary.mysite-sni-1.com/ proto=tcp+sni"]'));
        assert.ok(l.includes('protocol        = "https"'));
        assert.ok(l.includes('destination = "secrets/tls.crt"') && l.includes('destination = "secrets/tls.key"'));
        assert.ok(!l.includes('change_mode = "restart"'), "a new certificate never restarts every instance at once");
        assert.ok(l.includes('data        = "{{ with nomadVar \\"nomad/jobs/web\\" }}{{ .key }}{{ end }}"'), "the key comes from the job's variable");
        assert.ok(l.includes('HTTPBACKEND_TLS_CERT = "/secrets/tls.crt"') && l.includes('HTTPBACKEND_TLS_KEY  = "/secrets/tls.key"'));
        assert.doesNotMatch(l.join("\n"), /PRIVATE KEY/, "no key in the job file");
    });
    it("a plain job has no template, no TLS files and an HTTP check", () => {
        const l = lines(httpbackendJob(base));
        assert.ok(!l.some((x) => x.startsWith("template")));
        assert.ok(l.includes('protocol        = "http"'));
        assert.ok(l.includes('HTTPBACKEND_TLS_CERT = ""') && l.includes('HTTPBACKEND_TLS_KEY  = ""'));
    });
});

describe("tls: a drill's load on the HTTPS path", () => {
    const now = { deployment: null, instances: [], history: [], fabioRoute: "mysite-sni-1.com/", sni: "mysite-sni-1.com" };
    it("goes to the server name on fabio's TCP+SNI listener of the router, verified with the lab CA, reconnecting every few requests", () => {
        assert.deepStrictEqual(loadTarget("web", now, "192.168.56.3", false), {
            url: "https://mysite-sni-1.com:9996/", route: "mysite-sni-1.com/",
            canaryUrl: "https://canary.mysite-sni-1.com:9996/", canaryRoute: "canary.mysite-sni-1.com/",
            tls: { cacert: "/etc/netlab/lab-ca.crt", resolve: "192.168.56.3", connectionReuse: TLS_CONNECTION_REUSE },
        });
        assert.match(TLS_CONNECTION_REUSE, /^\d+:\d+$/);
    });
    it("a plain workload's load keeps its path route and its connections", () => {
        const t = loadTarget("web", { ...now, fabioRoute: "/web/", sni: undefined }, "192.168.56.3", false);
        assert.deepStrictEqual([t.url, t.route, t.canaryUrl, t.canaryRoute, t.tls],
            ["http://192.168.56.3:9999/web/", "/web", "http://192.168.56.3:9999/web-canary/", "/web-canary", undefined]);
    });
});

describe("tls: the lab CA (local-scripts/lab-tls.sh, run for real)", () => {
    const run = (env: Record<string, string>): { crt: string; key: string } => JSON.parse(execFileSync("bash", ["local-scripts/lab-tls.sh"], {
        cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8",
    })) as { crt: string; key: string };

    it("makes a CA, and a certificate for the names that only that CA verifies", () => {
        const ca = run({ NETLAB_ACTION: "ca", NETLAB_STACK: "t1" });
        const caCert = new crypto.X509Certificate(ca.crt);
        assert.ok(caCert.ca && caCert.subject.includes("CN=netlab lab CA t1"), caCert.subject);
        const leaf = run({ NETLAB_ACTION: "cert", NETLAB_NAMES: "mysite-sni-1.com canary.mysite-sni-1.com", NETLAB_CA_CRT: ca.crt, NETLAB_CA_KEY: ca.key });
        const cert = new crypto.X509Certificate(leaf.crt);
        assert.ok(!cert.ca);
        assert.strictEqual(cert.subject, "CN=mysite-sni-1.com");
        assert.strictEqual(cert.subjectAltName, "DNS:mysite-sni-1.com, DNS:canary.mysite-sni-1.com");
        assert.ok(cert.verify(caCert.publicKey), "signed by the lab CA");
        assert.ok(cert.checkPrivateKey(crypto.createPrivateKey(leaf.key)), "the key is the certificate's");
        const other = new crypto.X509Certificate(run({ NETLAB_ACTION: "ca", NETLAB_STACK: "t2" }).crt);
        assert.ok(!cert.verify(other.publicKey), "another stack's CA does not verify it");
    });
    it("fails on an unknown action or a certificate without names", () => {
        assert.throws(() => run({ NETLAB_ACTION: "renew" }), /unknown action renew/);
        assert.throws(() => run({ NETLAB_ACTION: "cert", NETLAB_NAMES: "", NETLAB_CA_CRT: "x", NETLAB_CA_KEY: "y" }), /NETLAB_NAMES/);
    });
});

describe("tls: weave-lab's HTTPS workload, wired", () => {
    const artifacts = fakeArtifacts(["consul", "nomad", "httpbackend", "fabio", "fortio", path.join("weave", "weave"), path.join("images", "weave.tar")]);
    let run: StackRun;
    before(async () => {
        run = await runStackFile("weave-lab", { "netlab:artifactsDir": artifacts });
    });

    it("makes the CA once and a certificate for the workload's name, both only as secrets", () => {
        const ca = named(run, "lab-ca-ca");
        const cert = named(run, "lab-ca-httpsbackend-sni-1");
        for (const c of [ca, cert]) {
            assert.deepStrictEqual(c.additionalSecretOutputs, ["stdout"]);
            assert.strictEqual(c.inputs.logging, "none");
        }
        assert.ok(cert.secretInputs.includes("environment"), "the CA's key reaches the certificate's command as a secret");
        assert.strictEqual((cert.inputs.environment as Record<string, string>).NETLAB_NAMES, "mysite-sni-1.com canary.mysite-sni-1.com",
            "the isolated canaries' name too, so a switch of strategy needs no new certificate");
        const caCert = run.outputs.labCa as string;
        assert.match(caCert, /^-----BEGIN CERTIFICATE-----/);
        assert.ok(!run.secretOutputs.includes("labCa"), "the CA's certificate is a plain output, for curl --cacert");
        const leaf = new crypto.X509Certificate((JSON.parse(cert.stdout ?? "") as { crt: string }).crt);
        assert.ok(leaf.verify(new crypto.X509Certificate(caCert).publicKey));
    });
    it("puts the certificate in the job's Nomad variable through a secret step, before the job", () => {
        const tls = hostStep(named(run, "job-httpsbackend-sni-1-tls"));
        assert.ok(tls.resource.secretInputs.includes("stdin"), "the key is in the step's input: a secret");
        assert.match(tls.stdin, /^NETLAB_PATH='nomad\/jobs\/httpsbackend-sni-1'$/m);
        assert.match(tls.stdin, /PRIVATE KEY/);
        assert.ok((tls.delete ?? "").includes("NETLAB_ACTION='\\''delete'\\''"), "destroy deletes the variable");
        const job = hostStep(named(run, "job-httpsbackend-sni-1-run"));
        assert.ok(job.resource.dependsOn.includes("job-httpsbackend-sni-1-tls"));
        assert.match(job.stdin, /^NETLAB_SCHEME='https'$/m);
        assert.doesNotMatch(job.stdin, /PRIVATE KEY/);
        assert.match(hostStep(named(run, "job-httpbackend-run")).stdin, /^NETLAB_SCHEME='http'$/m);
    });
    it("every host resolves the name to its own fabio and holds the CA, again at every boot", () => {
        for (const h of ["u1", "u2", "u3"]) {
            const sni = hostStep(named(run, `fabio-${h}-sni`));
            assert.strictEqual(sni.create, "install -D -m 0755 /dev/stdin /usr/local/lib/netlab/fabio-sni.sh && /usr/local/lib/netlab/fabio-sni.sh");
            assert.match(sni.stdin, /^NETLAB_NAMES='mysite-sni-1.com canary.mysite-sni-1.com'$/m);
            assert.ok(sni.stdin.includes(`NETLAB_CA='${run.outputs.labCa as string}'`));
            assert.ok(sni.stdin.includes("netlab-fabio-sni.service"));
            assert.ok((sni.delete ?? "").includes("NETLAB_ACTION='\\''delete'\\''"));
        }
    });
    it("the checks get the CA and the TCP+SNI port; the listener is published", () => {
        const checks = hostStep(named(run, "checks-u1"));
        assert.match(checks.stdin, /^NETLAB_SNI_PORT='9996'$/m);
        assert.ok(checks.stdin.includes(`NETLAB_CA='${run.outputs.labCa as string}'`));
        assert.match(run.outputs.FABIO_SNI_ADDR as string, /^127\.0\.0\.1:\d+$/);
        const w = (run.outputs.workloads as Record<string, { fabioRoute: string; sni?: string }>)["httpsbackend-sni-1"];
        assert.deepStrictEqual([w.fabioRoute, w.sni], ["mysite-sni-1.com/", "mysite-sni-1.com"]);
    });
    it("no private key in plain text anywhere: inputs that hold one are secret, outputs too", () => {
        for (const r of run.resources) {
            for (const [k, v] of Object.entries(r.inputs)) {
                if (JSON.stringify(v).includes("PRIVATE KEY") && !r.secretInputs.includes(k)) {
                    assert.fail(`${r.name}.${k} holds a private key in plain text`);
                }
            }
        }
        for (const [k, v] of Object.entries(run.outputs)) {
            if (JSON.stringify(v ?? null).includes("PRIVATE KEY")) {
                assert.ok(run.secretOutputs.includes(k), `output ${k} holds a private key in plain text`);
            }
        }
    });
});
