/**
 * host-scripts/nomad-job.sh against a fake Nomad (test/fixtures/fake-nomad): the script, rendered
 * as the NomadJob component renders it, follows each scenario's deployment to where its strategy
 * leaves it, and says so (stdout: the job's state as JSON; stderr: why it failed).
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { NomadJobState, nomadJobScripts } from "../components/nomad-job";
import { httpbackendJob } from "../lib/jobs";
import { REPO_ROOT } from "../lib/scripts";

const FAKE = path.join(REPO_ROOT, "test", "fixtures", "fake-nomad");

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
    /** Every nomad and curl call, in order ("nomad job run …", "GET http://…"). */
    calls: string[];
    /** The job file `nomad job run` was given. */
    jobFile?: string;
    /** What was PUT into Consul's KV store (fabio's route overrides). */
    upload?: string;
}

const jobHcl = httpbackendJob({
    name: "web", datacenter: "dc1", count: 2, version: "v2.0.0", image: "localhost/netlab/httpbackend:1", placement: ["u1", "u2", "u3"],
    port: 8081, network: "weave", strategy: "canary", maxParallel: 1, canaries: 1, autoRevert: true,
});

/** Runs nomad-job.sh (its run script piped to `bash -s`, or its delete script) with the fake first on PATH. */
function runJob(scenario: string, opts: { promote?: boolean; routes?: string; timeout?: number; action?: "delete" } = {}): Run {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-nomad-job-"));
    try {
        const bin = path.join(state, "bin");
        fs.mkdirSync(bin);
        for (const tool of ["nomad", "curl", "sleep"]) {
            fs.symlinkSync(path.join(FAKE, "fake.sh"), path.join(bin, tool));
        }
        const scripts = nomadJobScripts({
            jobName: "web", jobHcl, count: 2, promote: opts.promote, routes: opts.routes, fabioApi: "http://127.0.0.1:9998",
            configKey: "netlab:workloads[0]", timeout: opts.timeout,
        });
        const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAKE_NOMAD_SCENARIO: path.join(FAKE, "scenarios", `${scenario}.json`), FAKE_NOMAD_STATE: state };
        const r = opts.action === "delete"
            ? spawnSync("bash", ["-c", scripts.delete], { env, encoding: "utf8", timeout: 60000 })
            : spawnSync("bash", ["-s"], { input: scripts.run, env, encoding: "utf8", timeout: 60000 });
        const read = (f: string): string | undefined => fs.existsSync(path.join(state, f)) ? fs.readFileSync(path.join(state, f), "utf8") : undefined;
        return {
            status: r.status, stdout: r.stdout, stderr: r.stderr,
            calls: (read("calls.log") ?? "").split("\n").filter((l) => l !== ""), jobFile: read("job.hcl"), upload: read("upload.txt"),
        };
    } finally {
        fs.rmSync(state, { recursive: true, force: true });
    }
}

const parse = (r: Run): NomadJobState => {
    assert.strictEqual(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as NomadJobState;
};
const ids = {
    d1: "5c1d6a3e-2b7f-4e19-8d0a-6f4b3a2c1e90",
    d2: "9e8d7c6b-5a49-4382-b716-05f4e3d2c1b0",
    d3: "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
};

describe("nomad-job.sh against a fake Nomad", function () {
    this.timeout(120000);

    it("a rolling update: runs the rendered job, follows its new deployment past the old one, waits out Consul and fabio", () => {
        const r = runJob("rolling-success", { routes: "route weight web /web/ weight 0.8 tags \"version-v2.0.0\"" });
        const s = parse(r);
        assert.strictEqual(r.jobFile, `${jobHcl}\n`, "nomad job run gets the job file the program rendered");
        assert.strictEqual(r.upload, "route weight web /web/ weight 0.8 tags \"version-v2.0.0\"\n", "the split's weights go to Consul's KV first");
        assert.ok(r.calls.indexOf("PUT http://127.0.0.1:8500/v1/kv/fabio/config/web") < r.calls.findIndex((c) => c.startsWith("nomad job run -detach ")));
        assert.deepStrictEqual(s.deployment, { id: ids.d1, jobVersion: 1, state: "successful", description: "Deployment completed successfully" });
        assert.strictEqual(s.jobVersion, 1);
        assert.deepStrictEqual(s.instances, [
            { address: "10.32.0.12:8081", node: "u2", version: "v2.0.0", canary: false },
            { address: "10.32.0.13:8081", node: "u3", version: "v2.0.0", canary: false },
        ], "not the v1.0.0 instance Consul still had at first");
        assert.deepStrictEqual(s.routes, ["/web/ -> http://10.32.0.12:8081/ weight 0.5", "/web/ -> http://10.32.0.13:8081/ weight 0.5"]);
        assert.deepStrictEqual(s.history, [{ jobVersion: 1, stable: true, versions: ["v2.0.0"] }, { jobVersion: 0, stable: true, versions: ["v1.0.0"] }]);
        assert.ok(r.calls.includes("GET http://10.32.0.12:8081/") && r.calls.includes("GET http://10.32.0.13:8081/"), "every instance was asked");
        assert.ok(!r.calls.some((c) => c.startsWith("nomad deployment promote")));
    });

    it("a canary without promote stops at awaiting-promotion, old and new versions both serving", () => {
        const r = runJob("canary-awaiting-promotion");
        const s = parse(r);
        assert.ok(r.calls.includes("DELETE http://127.0.0.1:8500/v1/kv/fabio/config/web"), "no split: no route overrides");
        assert.deepStrictEqual(s.deployment, { id: ids.d1, jobVersion: 1, state: "awaiting-promotion", description: "Deployment is running but requires manual promotion" });
        assert.deepStrictEqual(s.instances.map((i) => `${i.version}${i.canary ? " canary" : ""}`), ["v1.0.0", "v1.0.0", "v2.0.0 canary"]);
        assert.strictEqual(s.routes.length, 3, "fabio routes the canary too");
        assert.ok(!r.calls.some((c) => c.startsWith("nomad deployment promote")), "never promoted");
    });

    it("a canary with promote: promoted once healthy, then followed to the end", () => {
        const r = runJob("canary-promoted", { promote: true });
        const s = parse(r);
        assert.deepStrictEqual(r.calls.filter((c) => c.startsWith("nomad deployment promote")), [`nomad deployment promote ${ids.d1}`], "promoted exactly once");
        assert.match(r.stderr, new RegExp(`promoted deployment ${ids.d1} of web`));
        assert.strictEqual(s.deployment?.state, "successful");
        assert.deepStrictEqual(s.instances.map((i) => i.version), ["v2.0.0", "v2.0.0"]);
    });

    it("a failed deployment with auto_revert: waits for the rollback, says which version serves now and how to fix it", () => {
        const r = runJob("failed-auto-revert");
        assert.strictEqual(r.status, 1, r.stderr);
        assert.strictEqual(r.stdout, "");
        assert.match(r.stderr, /the deployment of web v2\.0\.0 \(job version 2\) failed: Failed due to unhealthy allocations - rolling back to job version 1\./);
        assert.match(r.stderr, /auto_revert rolled web back to job version 3 \(v1\.0\.0\); Consul has passing: 2 × v1\.0\.0\./);
        assert.match(r.stderr, /Fix: set netlab:workloads\[0\]\.version \(or remove netlab:workloads\[0\]\.fault\)/);
        assert.strictEqual(r.calls.filter((c) => c === "GET http://127.0.0.1:4646/v1/job/web/deployment").length, 3, "followed the rollback's deployment to its end");
    });

    it("a failed deployment without auto_revert fails with Nomad's reason and the job's status", () => {
        const r = runJob("failed");
        assert.strictEqual(r.status, 1);
        assert.match(r.stderr, /the deployment of web v2\.0\.0 \(job version 2\) failed: Failed due to unhealthy allocations\n/);
        assert.match(r.stderr, /^ID {12}= web$/m, "nomad job status shown");
        assert.doesNotMatch(r.stderr, /auto_revert/);
    });

    it("a deployment superseded by a newer job version follows the newer one", () => {
        const s = parse(runJob("superseded"));
        assert.deepStrictEqual(s.deployment, { id: ids.d3, jobVersion: 3, state: "successful", description: "Deployment completed successfully" });
        assert.strictEqual(s.jobVersion, 3);
        assert.deepStrictEqual(s.instances.map((i) => i.version), ["v2.1.0", "v2.1.0"]);
    });

    it("a deployment cancelled with nothing newer fails", () => {
        const r = runJob("cancelled");
        assert.strictEqual(r.status, 1);
        assert.match(r.stderr, new RegExp(`deployment ${ids.d2} of web was cancelled`));
    });

    it("a deployment that never ends fails at the deadline", () => {
        const r = runJob("stuck", { timeout: 2 });
        assert.strictEqual(r.status, 1);
        assert.match(r.stderr, /the deployment of web did not finish in 2s/);
    });

    it("delete stops and purges the job and removes its route overrides", () => {
        const r = runJob("rolling-success", { action: "delete" });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.strictEqual(r.stdout, "job web stopped and purged\n");
        assert.deepStrictEqual(r.calls, ["nomad job status web", "nomad job stop -purge -yes web", "DELETE http://127.0.0.1:8500/v1/kv/fabio/config/web"]);
    });
});
