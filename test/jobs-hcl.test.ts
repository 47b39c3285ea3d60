/**
 * The Nomad job files lib/jobs.ts renders, parsed as HCL2 (HashiCorp's parser, compiled to
 * WebAssembly: @cdktf/hcl2json) rather than matched as text: the job, its groups (one per
 * version of a split), each group's update strategy and its service's tags.
 */
import * as assert from "assert";
import { parse } from "@cdktf/hcl2json";
import { HttpbackendJob, httpbackendJob } from "../lib/jobs";

/** The parts of a parsed job file the tests read (hcl2json gives every block as a list). */
interface ParsedJob {
    job: Record<string, [{ datacenters: string[]; type: string; group: Record<string, [ParsedGroup]> }]>;
}
interface ParsedGroup {
    count: number;
    constraint: [{ attribute: string; operator: string; value: string }];
    spread: [{ attribute: string }];
    update: [{ max_parallel: number; canary: number; auto_promote: boolean; auto_revert: boolean }];
    task: { httpbackend: [{
        driver: string;
        service: [{ name: string; port: string; tags: string[]; canary_tags: string[]; check: [{ path: string; protocol: string; tls_skip_verify: boolean }] }];
        config: [{ image: string; network_mode: string }];
        env: [Record<string, string>];
        template?: { destination: string; change_mode: string; data: string; perms?: string }[];
    }] };
}

const base: HttpbackendJob = {
    name: "web", datacenter: "dc1", count: 3, version: "v2.0.0", image: "localhost/netlab/httpbackend:1", placement: ["u1", "u2", "u3"],
    port: 8081, network: "weave-10.32.1.0-24", strategy: "rolling", maxParallel: 1, canaries: 1, autoRevert: true,
};

/** Renders the job with CHANGES and parses it: its one job and that job's groups by name. */
async function parsed(changes: Partial<HttpbackendJob> = {}): Promise<{ names: string[]; job: ParsedJob["job"][string][0]; groups: Record<string, ParsedGroup> }> {
    const hcl = httpbackendJob({ ...base, ...changes });
    const doc = await parse("httpbackend.nomad.hcl", hcl) as ParsedJob;
    const names = Object.keys(doc.job);
    const job = doc.job[names[0]][0];
    return { names, job, groups: Object.fromEntries(Object.entries(job.group).map(([name, [g]]) => [name, g])) };
}
const service = (g: ParsedGroup): ParsedGroup["task"]["httpbackend"][0]["service"][0] => g.task.httpbackend[0].service[0];
const env = (g: ParsedGroup): Record<string, string> => g.task.httpbackend[0].env[0];

describe("nomad job files, parsed as HCL2 (lib/jobs.ts, jobs/*.nomad.hcl)", function () {
    // The parser's WebAssembly module loads on first use.
    this.timeout(60000);

    it("the parser rejects what is not HCL (so the tests below can fail)", async () => {
        await assert.rejects(parse("broken.nomad.hcl", 'job "web" {\n  group "web" {\n'));
    });

    it("a rolling job: one job named after the workload, one group \"web\", no canaries, on its Weave network", async () => {
        const { names, job, groups } = await parsed();
        assert.deepStrictEqual(names, ["web"]);
        assert.deepStrictEqual(job.datacenters, ["dc1"]);
        assert.strictEqual(job.type, "service");
        assert.deepStrictEqual(Object.keys(groups), ["web"]);
        const g = groups.web;
        assert.strictEqual(g.count, 3);
        assert.deepStrictEqual(g.update[0], { max_parallel: 1, canary: 0, auto_promote: false, auto_revert: true,
            min_healthy_time: "5s", healthy_deadline: "40s", progress_deadline: "1m" });
        assert.deepStrictEqual(g.constraint[0], { attribute: "${node.unique.name}", operator: "set_contains_any", value: "u1,u2,u3" },
            "Nomad's own interpolation reaches Nomad as written");
        assert.deepStrictEqual(g.spread[0], { attribute: "${node.unique.name}" });
        assert.strictEqual(g.task.httpbackend[0].driver, "docker");
        assert.deepStrictEqual(g.task.httpbackend[0].config[0], { image: "localhost/netlab/httpbackend:1", force_pull: false, network_mode: "weave-10.32.1.0-24" });
        const s = service(g);
        assert.strictEqual(s.name, "web");
        assert.strictEqual(s.port, "8081");
        assert.deepStrictEqual(s.tags, ["version-v2.0.0", "network-weave-10.32.1.0-24", "urlprefix-/web/"]);
        assert.deepStrictEqual(s.canary_tags, ["version-v2.0.0", "network-weave-10.32.1.0-24", "urlprefix-/web/", "canary"]);
        assert.strictEqual(s.check[0].path, "/health");
        assert.deepStrictEqual(env(g), { HTTPBACKEND_VERSION: "v2.0.0", HTTPBACKEND_LISTEN: ":8081", HTTPBACKEND_FAULT: "",
            HTTPBACKEND_TLS_CERT: "", HTTPBACKEND_TLS_KEY: "" });
        assert.strictEqual(g.task.httpbackend[0].template, undefined, "plain HTTP: no certificate templates");
        assert.strictEqual(s.check[0].protocol, "http");
    });

    it("an HTTPS job: server-name routes on the TCP+SNI listener, an HTTPS check, its certificate and key from its own Nomad variable", async () => {
        const { groups } = await parsed({ strategy: "canary-isolated", tls: { sni: "mysite-sni-1.com" } });
        const g = groups.web;
        const s = service(g);
        assert.deepStrictEqual(s.tags, ["version-v2.0.0", "network-weave-10.32.1.0-24", "urlprefix-mysite-sni-1.com/ proto=tcp+sni"]);
        assert.deepStrictEqual(s.canary_tags, ["version-v2.0.0", "network-weave-10.32.1.0-24", "canary", "urlprefix-canary.mysite-sni-1.com/ proto=tcp+sni"]);
        assert.deepStrictEqual([s.check[0].protocol, s.check[0].tls_skip_verify], ["https", true]);
        const templates = g.task.httpbackend[0].template ?? [];
        assert.deepStrictEqual(templates.map((t) => [t.destination, t.change_mode]), [["secrets/tls.crt", "noop"], ["secrets/tls.key", "noop"]]);
        assert.deepStrictEqual(templates.map((t) => t.data), [
            '{{ with nomadVar "nomad/jobs/web" }}{{ .crt }}{{ end }}', '{{ with nomadVar "nomad/jobs/web" }}{{ .key }}{{ end }}']);
        assert.strictEqual(templates[1].perms, "0400");
        assert.deepStrictEqual([env(g).HTTPBACKEND_TLS_CERT, env(g).HTTPBACKEND_TLS_KEY], ["/secrets/tls.crt", "/secrets/tls.key"]);
    });

    it("the update stanza follows the strategy: canary places `canaries`, blue-green the whole count; auto_revert as configured", async () => {
        const canary = (await parsed({ strategy: "canary", canaries: 2, autoRevert: false })).groups.web.update[0];
        assert.deepStrictEqual([canary.canary, canary.auto_revert, canary.auto_promote], [2, false, false]);
        const blueGreen = (await parsed({ strategy: "blue-green", count: 4, maxParallel: 2 })).groups.web.update[0];
        assert.deepStrictEqual([blueGreen.canary, blueGreen.max_parallel, blueGreen.auto_revert], [4, 2, true]);
        const rolling = (await parsed({ strategy: "rolling", canaries: 3 })).groups.web.update[0];
        assert.strictEqual(rolling.canary, 0, "rolling places no canaries whatever `canaries` says");
    });

    it("canary-isolated canaries register on their own route, so production traffic never reaches them", async () => {
        const s = service((await parsed({ strategy: "canary-isolated" })).groups.web);
        assert.deepStrictEqual(s.tags, ["version-v2.0.0", "network-weave-10.32.1.0-24", "urlprefix-/web/"]);
        assert.deepStrictEqual(s.canary_tags, ["version-v2.0.0", "network-weave-10.32.1.0-24", "canary", "urlprefix-/web-canary/"]);
    });

    it("a split runs each version in a group of its own, each tagged with its version; a fault goes to the workload's version only", async () => {
        const { groups } = await parsed({ strategy: "canary", split: { "v2.0.0": 80, "v1.0.0": 15, "v0.9.0": 5 }, fault: "unhealthy" });
        assert.deepStrictEqual(Object.keys(groups).sort(), ["web", "web-v0-9-0", "web-v1-0-0"]);
        for (const [group, version] of [["web", "v2.0.0"], ["web-v1-0-0", "v1.0.0"], ["web-v0-9-0", "v0.9.0"]]) {
            const g = groups[group];
            assert.strictEqual(env(g).HTTPBACKEND_VERSION, version, group);
            assert.strictEqual(g.count, 3, group);
            assert.strictEqual(g.update[0].canary, 1, group);
            assert.deepStrictEqual(service(g).tags, [`version-${version}`, "network-weave-10.32.1.0-24", "urlprefix-/web/"], group);
            assert.strictEqual(service(g).name, "web", `${group}: one Consul service for every version`);
        }
        assert.strictEqual(env(groups.web).HTTPBACKEND_FAULT, "unhealthy");
        assert.strictEqual(env(groups["web-v1-0-0"]).HTTPBACKEND_FAULT, "");
    });
});
