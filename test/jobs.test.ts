import * as assert from "assert";
import { httpbackendJob, renderTemplate } from "../lib/jobs";

describe("nomad job templates", () => {
    it("renderTemplate fills every placeholder and refuses a missing one", () => {
        assert.strictEqual(renderTemplate("a {{x}} b {{y}} {{x}}", { x: 1, y: "z" }), "a 1 b z 1");
        assert.throws(() => renderTemplate("{{nope}}", {}), /'nope' is not set/);
        assert.strictEqual(renderTemplate("${node.unique.name}", {}), "${node.unique.name}", "Nomad's own interpolation is left alone");
    });
    it("the httpbackend job: count, spread over its placement, on a Weave network, registered with that address", () => {
        const hcl = httpbackendJob({ name: "web", datacenter: "dc9", count: 2, version: "v2.0.0", image: "img:x", placement: ["u2", "u3"],
            port: 8082, network: "weave-10.32.1.0-24", strategy: "rolling", maxParallel: 1, canaries: 1, autoRevert: true });
        for (const line of ['job "web" {', '  datacenters = ["dc9"]', "    count = 2", "    spread {",
            '      attribute = "${node.unique.name}"', '      value     = "u2,u3"', '        port         = "8082"',
            '        address_mode = "driver"', '        name         = "web"', '          path            = "/health"', '        image        = "img:x"',
            '        network_mode = "weave-10.32.1.0-24"', '        HTTPBACKEND_VERSION  = "v2.0.0"', '        HTTPBACKEND_LISTEN   = ":8082"']) {
            assert.ok(hcl.split("\n").includes(line), `missing: ${line}`);
        }
        assert.doesNotMatch(hcl, /static|address_mode = "host"/, "no host port: the instance is reached at its Weave address");
    });
});
