import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { ROOT } from "./harness";

describe("httpbackend (the sample service)", () => {
    it("its Go tests pass: the banner with the version, /health, and draining", function () {
        this.timeout(180000);
        const probe = spawnSync("go", ["version"]);
        assert.ok(!probe.error, "Go is not installed: the sample service is a Go program (install Go 1.22+)");
        const r = spawnSync("go", ["test", "-count=1", "./..."], { cwd: path.join(ROOT, "workloads", "httpbackend"), encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /^ok\s+netlab\.local\/workloads\/httpbackend/m);
    });
});

describe("pause (netlab's own pod sandbox program)", () => {
    it("its Go tests pass: waits for a stop signal, reaps children, prints its version", function () {
        this.timeout(180000);
        const r = spawnSync("go", ["test", "-count=1", "./..."], { cwd: path.join(ROOT, "toolchain", "pause"), encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /^ok\s+\S+/m);
    });
});
