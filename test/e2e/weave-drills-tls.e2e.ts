/**
 * e2e for seed 001's own path on a weave-lab stack: httpsbackend-sni-1, an HTTPS service
 * behind fabio's TCP+SNI listener on :9996, its certificate from the stack's lab CA. First the
 * seed's command from every host (with the lab CA and with -k), the served certificate, an
 * unknown server name refused, and the same from this machine through the published listener;
 * then the upgrade patterns under load on that path, fortio sending 500 requests/s over HTTPS
 * to the server name on a lab host's fabio, each drill at least 10,000 requests and 0 failed:
 *   rolling; canary (waits), promote; blue-green (waits), promote; a release that fails its
 *   checks, rolled back by auto_revert; a split 80/20 by fabio's weights (per connection on a
 *   TCP route).
 * Then destroy leaves nothing. Reports and charts go to .netlab/drills/e2e-drill-tls/.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LabKeys, sshTo, writeLabKeys } from "../../commands/lib/lab-stack";
import { HostOut } from "../../lib/lab";
import { checkPrerequisites, dockerObjects, drillRunner, LabStack, Phases, ROOT, sh } from "./lab";

interface WorkloadOut { deployment: { state: string }; instances: string[] }

const WORKLOAD = "httpsbackend-sni-1";
const SNI = "mysite-sni-1.com";
const banner = (v: string): string => `this is httpsbackendservice, version: ${v}`;

describe("e2e: seed 001's HTTPS path on weave-lab (fabio TCP+SNI :9996, upgrades under 500 qps over TLS)", function () {
    this.timeout(60 * 60 * 1000);
    const phases = new Phases();
    const lab = new LabStack("e2e-drill-tls", "weave-lab");
    const outDir = path.join(ROOT, ".netlab", "drills", "e2e-drill-tls");
    const tables: string[] = [];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-e2e-tls-"));
    let keys: LabKeys;
    let hosts: HostOut[] = [];

    before(function () {
        checkPrerequisites();
    });

    after(async function () {
        fs.rmSync(dir, { recursive: true, force: true });
        console.log(`      phases: ${phases.times.map(([n, s]) => `${n} ${s.toFixed(1)} s`).join(", ")}`);
        console.log(tables.join("\n\n"));
        await lab.dispose().catch(() => undefined);
    });

    const workload = async (): Promise<WorkloadOut> =>
        ((await lab.opened.outputs()).workloads.value as Record<string, WorkloadOut>)[WORKLOAD];
    const drill = drillRunner(lab, phases, outDir, tables);
    const tlsDrill = (scenario: Parameters<typeof drill>[0], extra: Parameters<typeof drill>[1] = {}): ReturnType<typeof drill> =>
        drill(scenario, { workload: WORKLOAD, ...extra });

    it("pulumi up: the lab with its HTTPS workload, v1.0.0 on every host, the checks' TLS cells passing", async () => {
        const stack = await lab.open();
        // A lab network of its own, so this suite can run beside the weave-lab suite (192.168.56.0/24).
        await stack.setConfig("netlab:labNetwork", { value: "192.168.57.0/24" });
        const result = await phases.time("up", () => stack.up({ onOutput: () => undefined }));
        assert.strictEqual(result.summary.result, "succeeded");
        hosts = result.outputs.hosts.value as HostOut[];
        keys = writeLabKeys(dir, result.outputs);
        const w = await workload();
        assert.strictEqual(w.deployment.state, "successful");
        assert.strictEqual(w.instances.filter((i) => / v1\.0\.0$/.test(i)).length, 3, w.instances.join("\n"));
        const checks = result.outputs.checks.value as Record<string, string>;
        const tls = Object.entries(checks).filter(([cell]) => /tls|9996/.test(cell));
        for (const [cell, res] of tls.filter(([c]) => /^u1 /.test(c))) {
            console.log(`      ${cell}: ${res}`);
        }
        assert.ok(tls.length >= 30, `${tls.length} TLS cells`);
        assert.deepStrictEqual(tls.filter(([, r]) => !r.startsWith("PASS")), []);
    });

    it("the seed's command answers from every host, with the lab CA and with -k; the certificate is the name's; an unknown name is refused", () => {
        for (const h of hosts) {
            const ssh = sshTo(keys, h);
            const verified = sh("ssh", [...ssh, `curl -fsS --cacert /etc/netlab/lab-ca.crt https://${SNI}:9996/`]).trim();
            const insecure = sh("ssh", [...ssh, `curl -fsSk https://${SNI}:9996/`]).trim();
            const subject = sh("ssh", [...ssh, `curl -sS -v -o /dev/null --cacert /etc/netlab/lab-ca.crt https://${SNI}:9996/ 2>&1 | sed -n 's/^\\*  *subject: *//p'`]).trim();
            const unknown = sh("ssh", [...ssh, "curl -sS --cacert /etc/netlab/lab-ca.crt --resolve other.example:9996:127.0.0.1 https://other.example:9996/ 2>&1; echo rc=$?"]).trim();
            console.log(`      ${h.name}: ${verified} | -k: ${insecure} | subject ${subject} | unknown name: ${unknown.split("\n").slice(-1)[0]}`);
            assert.strictEqual(verified, banner("v1.0.0"));
            assert.strictEqual(insecure, banner("v1.0.0"));
            assert.strictEqual(subject, `CN=${SNI}`);
            assert.doesNotMatch(unknown, /rc=0$/, "no route for another name: fabio refuses the stream");
        }
    });

    it("from this machine: the published :9996 with the labCa output, verified", async () => {
        const outputs = await lab.opened.outputs();
        const ca = path.join(dir, "lab-ca.crt");
        fs.writeFileSync(ca, String(outputs.labCa.value));
        const addr = String(outputs.FABIO_SNI_ADDR.value);
        const got = sh("curl", ["-fsS", "--cacert", ca, "--connect-to", `${SNI}:9996:${addr}`, `https://${SNI}:9996/`]).trim();
        console.log(`      curl --cacert lab-ca.crt --connect-to ${SNI}:9996:${addr} https://${SNI}:9996/ -> ${got}`);
        assert.strictEqual(got, banner("v1.0.0"));
    });

    it("rolling over TLS: v1.0.0 -> v1.1.0, no failed request", async () => {
        const r = await tlsDrill("rolling");
        assert.strictEqual(r.report.route, `${SNI}/`, "requests counted by server name");
        const v = r.report.versions[r.report.route];
        assert.ok((v["v1.0.0"] ?? 0) > 0 && (v["v1.1.0"] ?? 0) > 0, JSON.stringify(v));
    });

    it("canary over TLS: the canary takes connections of production, the deployment waits; promote finishes it", async () => {
        const c = await tlsDrill("canary");
        assert.strictEqual((await workload()).deployment.state, "awaiting-promotion");
        assert.ok((c.report.versions[c.report.route]["v1.2.0"] ?? 0) > 0, "the canary serves production");
        await tlsDrill("promote");
        assert.ok((await workload()).instances.every((i) => / v1\.2\.0$/.test(i)));
    });

    it("blue-green over TLS: three canaries, both colours serve; promote retires the old one", async () => {
        const bg = await tlsDrill("blue-green");
        const waiting = await workload();
        assert.strictEqual(waiting.instances.filter((i) => / canary$/.test(i)).length, 3, waiting.instances.join("\n"));
        assert.ok((bg.report.versions[bg.report.route]["v1.3.0"] ?? 0) > 0);
        await tlsDrill("promote");
        assert.ok((await workload()).instances.every((i) => / v1\.3\.0$/.test(i)));
    });

    it("a release that fails its checks, over TLS: up fails, auto_revert leaves v1.3.0 serving, no failed request", async () => {
        const r = await tlsDrill("revert-failed");
        assert.match(r.report.change.message ?? "", new RegExp(`auto_revert rolled ${WORKLOAD} back to job version \\d+ \\(v1\\.3\\.0\\)`));
        assert.ok((await workload()).instances.every((i) => / v1\.3\.0$/.test(i)));
    });

    it("a split 80/20 on the TCP+SNI route: fabio's weights, per connection", async () => {
        const s = await tlsDrill("split", { weights: [80, 20] });
        assert.ok(s.checks.find((c) => c.name === "split share")?.ok);
    });

    it("destroy removes the lab: no container, network or image of the stack left", async () => {
        const stack = lab.opened;
        await phases.time("destroy", () => stack.destroy({ onOutput: () => undefined }));
        assert.deepStrictEqual(dockerObjects(lab.prefix), { containers: [], networks: [], images: [] });
    });
});
