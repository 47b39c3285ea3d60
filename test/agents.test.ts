import * as assert from "assert";
import { agentUnit, CONSUL_UNIT, consulServerConfig, NOMAD_UNIT, nomadAgentConfig } from "../lib/agents";

describe("agent configs", () => {
    it("a Consul server: seed 002's settings, peers joined, strings quoted", () => {
        const hcl = consulServerConfig({ node: "u1", datacenter: "dc1", bind: "192.168.56.3", peers: ["192.168.56.4", "192.168.56.5"], expect: 3, gossipKey: "k\"ey" });
        for (const line of ['node_name        = "u1"', "server           = true", "bootstrap_expect = 3", 'client_addr      = "127.0.0.1 192.168.56.3"',
            'retry_join       = ["192.168.56.4", "192.168.56.5"]', 'encrypt          = "k\\"ey"', "  dns = 8600", "  enabled = true"]) {
            assert.ok(hcl.split("\n").includes(line), `missing: ${line}\n${hcl}`);
        }
    });
    it("a Nomad agent: server and client, bound and advertised on the lab address (HTTP on loopback too), joined through Consul, no host volumes", () => {
        const hcl = nomadAgentConfig({ node: "u2", datacenter: "dc1", bind: "192.168.56.4", expect: 3 });
        for (const line of ['name       = "u2"', '  http = "192.168.56.4"', '  rpc  = "192.168.56.4"', '  serf = "192.168.56.4"',
            "  bootstrap_expect       = 3", '  failover_heartbeat_ttl = "30s"', '  address = "127.0.0.1:8500"', 'plugin "docker" {',
            'bind_addr  = "192.168.56.4"', '  http = "127.0.0.1 192.168.56.4"', "      enabled = false"]) {
            assert.ok(hcl.split("\n").includes(line), `missing: ${line}\n${hcl}`);
        }
        assert.match(hcl, /network_interface = "\{\{ GetAllInterfaces \| include \\"address\\" \\"192\.168\.56\.4\\" \| attr \\"name\\" \}\}"/);
        assert.strictEqual((hcl.match(/enabled\s+= true/g) ?? []).length, 2, "server and client");
        assert.doesNotMatch(hcl, /0\.0\.0\.0/, "nothing on every address");
    });
    it("units: Consul as its own user, Nomad as root after Consul", () => {
        assert.match(CONSUL_UNIT, /^User=consul$/m);
        assert.match(CONSUL_UNIT, /^ExecStart=\/usr\/local\/bin\/consul agent -config-dir=\/etc\/consul\.d$/m);
        assert.match(NOMAD_UNIT, /^User=root$/m);
        assert.match(NOMAD_UNIT, /^After=network-online.target consul.service$/m);
        assert.match(agentUnit({ description: "x", execStart: "/bin/true", user: "nobody" }), /^WantedBy=multi-user.target$/m);
    });
});
