import * as assert from "assert";
import { canaryRoutePath, fabioProperties, routePath, splitOverrides } from "../lib/fabio";
import { canaryCount, httpbackendJob, HttpbackendJob, splitGroupName } from "../lib/jobs";
import { RawConfig } from "../lib/config";
import { ConfigError, ConfigProblem } from "../lib/problems";
import { buildLabConfig } from "../lib/validate";

const base: HttpbackendJob = {
    name: "web", datacenter: "dc1", count: 3, version: "v1.1.0", image: "img:x", placement: ["u1", "u2", "u3"], port: 8081,
    network: "weave", strategy: "rolling", maxParallel: 1, canaries: 1, autoRevert: true,
};
const lines = (hcl: string): string[] => hcl.split("\n").map((l) => l.trim());
const groups = (hcl: string): string[] => [...hcl.matchAll(/^\s*group "([^"]+)" \{/gm)].map((m) => m[1]);

describe("rollout: the job's update stanza per strategy (seed 001)", () => {
    it("rolling: max_parallel from config, no canary, auto_revert, a stable group name", () => {
        const l = lines(httpbackendJob({ ...base, maxParallel: 2 }));
        for (const want of ["max_parallel      = 2", "canary            = 0", "auto_revert       = true", "auto_promote      = false", 'shutdown_delay = "3s"']) {
            assert.ok(l.includes(want), `missing ${want}`);
        }
        assert.deepStrictEqual(groups(httpbackendJob(base)), ["web"], "a new version updates group web in place, it is not a new group");
    });
    it("canary places N canaries that keep the production route; blue-green places as many as count", () => {
        assert.strictEqual(canaryCount({ ...base, strategy: "canary", canaries: 2 }), 2);
        assert.strictEqual(canaryCount({ ...base, strategy: "blue-green", canaries: 1 }), 3);
        assert.strictEqual(canaryCount({ ...base, strategy: "rolling", canaries: 2 }), 0);
        const l = lines(httpbackendJob({ ...base, strategy: "canary", canaries: 2 }));
        assert.ok(l.includes("canary            = 2"));
        assert.ok(l.includes('canary_tags  = ["version-v1.1.0", "network-weave", "urlprefix-/web/", "canary"]'), l.join("\n"));
    });
    it("canary-isolated: canaries carry only their own route, so production requests never reach them", () => {
        const l = lines(httpbackendJob({ ...base, strategy: "canary-isolated" }));
        assert.ok(l.includes('tags         = ["version-v1.1.0", "network-weave", "urlprefix-/web/"]'));
        assert.ok(l.includes('canary_tags  = ["version-v1.1.0", "network-weave", "canary", "urlprefix-/web-canary/"]'), l.join("\n"));
        assert.strictEqual(canaryRoutePath("web"), "/web-canary/");
    });
    it("a fault goes to the workload's version only; none renders an empty fault", () => {
        const hcl = httpbackendJob({ ...base, fault: "unhealthy" });
        assert.ok(lines(hcl).includes('HTTPBACKEND_FAULT    = "unhealthy"'));
        assert.ok(lines(httpbackendJob(base)).includes('HTTPBACKEND_FAULT    = ""'));
    });
    it("a split runs the other version in a group of its own, next to group web", () => {
        const hcl = httpbackendJob({ ...base, version: "v1.0.0", split: { "v1.0.0": 80, "v1.1.0": 20 } });
        assert.deepStrictEqual(groups(hcl), ["web", splitGroupName("v1.1.0")]);
        assert.strictEqual(splitGroupName("v1.1.0"), "web-v1-1-0");
        assert.deepStrictEqual(lines(hcl).filter((l) => l.startsWith("HTTPBACKEND_VERSION")), ['HTTPBACKEND_VERSION  = "v1.0.0"', 'HTTPBACKEND_VERSION  = "v1.1.0"']);
        assert.strictEqual(hcl.match(/^job /gm)?.length, 1);
    });
});

describe("rollout: fabio", () => {
    it("reads Consul on the host, weighted round robin, 503 without a route, no registration of its own", () => {
        const p = fabioProperties().split("\n");
        for (const want of ["registry.consul.addr = 127.0.0.1:8500", "proxy.strategy = rr", "proxy.noroutestatus = 503",
            "registry.consul.register.enabled = false", "proxy.addr = :9999;proto=http,:9996;proto=tcp+sni", "registry.consul.kvpath = /fabio/config"]) {
            assert.ok(p.includes(want), `missing ${want}`);
        }
        assert.strictEqual(routePath("web"), "/web/");
    });
    it("a split's weights become fabio route weight lines by version tag; a version at 0 gets none", () => {
        assert.strictEqual(splitOverrides({ name: "web" }, { "v1.1.0": 20, "v1.0.0": 80 }), [
            'route weight web /web/ weight 0.8000 tags "version-v1.0.0"',
            'route weight web /web/ weight 0.2000 tags "version-v1.1.0"',
        ].join("\n"));
        assert.strictEqual(splitOverrides({ name: "web" }, { "v1.0.0": 0, "v1.1.0": 100 }), 'route weight web /web/ weight 1.0000 tags "version-v1.1.0"');
    });
});

function problems(workloads: unknown[], scenario = "weave-nomad", more: RawConfig = {}): readonly ConfigProblem[] {
    const raw: RawConfig = { scenario, artifactsDir: "a", workloads: JSON.stringify(workloads), ...more };
    try {
        buildLabConfig(raw, () => true);
        return [];
    } catch (e) {
        if (e instanceof ConfigError) {
            return e.problems;
        }
        throw e;
    }
}
const only = (ps: readonly ConfigProblem[], key: string, what: RegExp): void => {
    assert.strictEqual(ps.length, 1, JSON.stringify(ps));
    assert.strictEqual(ps[0].key, key);
    assert.match(`${ps[0].what} ${ps[0].fix}`, what);
};

describe("rollout: config", () => {
    it("defaults: rolling, one at a time, one canary, waits for promotion, auto_revert on", () => {
        const cfg = buildLabConfig({ scenario: "weave-nomad", artifactsDir: "a" }, () => true);
        const w = cfg.workloads[0];
        assert.deepStrictEqual([w.strategy, w.maxParallel, w.canaries, w.promote, w.autoRevert, w.fault, w.split],
            ["rolling", 1, 1, false, true, undefined, undefined]);
    });
    it("accepts every strategy, a promote flag and a split", () => {
        for (const strategy of ["rolling", "canary", "canary-isolated", "blue-green"]) {
            assert.deepStrictEqual(problems([{ name: "web", strategy, promote: true }]), [], strategy);
        }
        assert.deepStrictEqual(problems([{ name: "web", version: "v1.0.0", split: { "v1.0.0": 80, "v1.1.0": 20 } }]), []);
    });
    it("rejects an unknown strategy, naming the key and the choices", () => {
        only(problems([{ name: "web", strategy: "big-bang" }]), "workloads[0].strategy", /rolling, canary, canary-isolated, blue-green/);
    });
    it("rejects maxParallel and canaries outside 1..count, and a non-boolean promote", () => {
        only(problems([{ name: "web", count: 2, maxParallel: 3 }]), "workloads[0].maxParallel", /1 to the workload's count \(2\)/);
        only(problems([{ name: "web", strategy: "canary", canaries: 0 }]), "workloads[0].canaries", /1 to the workload's count/);
        only(problems([{ name: "web", promote: "yes" }]), "workloads[0].promote", /not a boolean/);
        only(problems([{ name: "web", fault: "slow" }]), "workloads[0].fault", /unhealthy/);
    });
    it("a split: weights summing to 100, the workload's version among at most two, a rolling strategy", () => {
        only(problems([{ name: "web", version: "v1.0.0", split: { "v1.0.0": 80, "v1.1.0": 30 } }]), "workloads[0].split", /sum to 100 \(they sum to 110\)/);
        only(problems([{ name: "web", version: "v1.0.0", split: { "v1.1.0": 50, "v1.2.0": 50 } }]), "workloads[0].split", /does not include the workload's version v1\.0\.0/);
        only(problems([{ name: "web", version: "v1.0.0", split: { "v1.0.0": 50, "v1.1.0": 25, "v1.2.0": 25 } }]), "workloads[0].split", /3 versions/);
        only(problems([{ name: "web", version: "v1.0.0", strategy: "canary", split: { "v1.0.0": 50, "v1.1.0": 50 } }]), "workloads[0].split", /cannot be combined with strategy canary/);
        only(problems([{ name: "web", version: "v1.0.0", split: { "v1.0.0": 50, "1.1": 50 } }]), "workloads[0].split", /vX\.Y\.Z/);
        only(problems([{ name: "web", split: "80/20" }]), "workloads[0].split", /version -> weight/);
    });
    it("kubeadm refuses the weave-nomad rollout settings, naming each, and a split without a mesh", () => {
        const ps = problems([{ name: "web", strategy: "canary", split: { "v1.0.0": 100 } }], "kubeadm");
        assert.deepStrictEqual(ps.map((p) => p.key).sort(), ["workloads[0].split", "workloads[0].strategy"]);
        assert.match(ps.find((p) => p.key.endsWith("strategy"))?.what ?? "", /weave-nomad setting/);
        assert.match(ps.find((p) => p.key.endsWith("split"))?.fix ?? "", /netlab:mesh linkerd/);
    });
    it("kubeadm with the mesh takes a split; weave-nomad refuses maxSurge and maxUnavailable", () => {
        assert.deepStrictEqual(problems([{ name: "web", version: "v1.0.0", split: { "v1.0.0": 80, "v1.1.0": 20 } }], "kubeadm", { mesh: "linkerd" }), []);
        const ps = problems([{ name: "web", maxSurge: 2, maxUnavailable: 1 }]);
        assert.deepStrictEqual(ps.map((p) => p.key).sort(), ["workloads[0].maxSurge", "workloads[0].maxUnavailable"]);
        assert.match(ps[0].what, /kubeadm setting/);
    });
    it("kubeadm: maxSurge and maxUnavailable from 0 to count, not both 0", () => {
        assert.deepStrictEqual(problems([{ name: "web", count: 3, maxSurge: 3, maxUnavailable: 1 }], "kubeadm"), []);
        only(problems([{ name: "web", count: 3, maxSurge: 4 }], "kubeadm"), "workloads[0].maxSurge", /0 to the workload's count \(3\)/);
        only(problems([{ name: "web", maxUnavailable: -1 }], "kubeadm"), "workloads[0].maxUnavailable", /0 to the workload's count/);
        only(problems([{ name: "web", maxSurge: 0, maxUnavailable: 0 }], "kubeadm"), "workloads[0].maxSurge", /could never replace a pod/);
    });
    it("netlab:mesh: none or linkerd, on kubeadm only", () => {
        const kube = buildLabConfig({ scenario: "kubeadm", artifactsDir: "a", mesh: "linkerd" }, () => true);
        assert.strictEqual(kube.kubernetes.mesh, "linkerd");
        assert.strictEqual(buildLabConfig({ scenario: "kubeadm", artifactsDir: "a" }, () => true).kubernetes.mesh, "none");
        only(problems([{ name: "web" }], "weave-nomad", { mesh: "linkerd" }), "mesh", /kubeadm setting/);
        only(problems([{ name: "web" }], "kubeadm", { mesh: "istio" }), "mesh", /not one of none, linkerd/);
    });
});
