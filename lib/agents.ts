/**
 * Configs and systemd units of the HashiCorp agents, rendered here (pure functions, tested
 * directly) and installed by host-scripts/agent-install.sh.
 */

const hclString = (s: string): string => JSON.stringify(s);
const hclList = (items: string[]): string => `[${items.map(hclString).join(", ")}]`;

export interface ConsulServerConfig {
    node: string;
    datacenter: string;
    /** The host's lab address: bind and advertise. */
    bind: string;
    /** Lab addresses of the other servers. */
    peers: string[];
    /** bootstrap_expect: the number of servers. */
    expect: number;
    /** Gossip encryption key (base64, 32 bytes). */
    gossipKey: string;
}

/**
 * A Consul server as in seed 002: bootstrap-expect, retry-join, UI, DNS on 8600; its client
 * interfaces (HTTP API, DNS) on loopback and the lab address only (seed 002 used 0.0.0.0): not on
 * the Docker bridges nor the Weave addresses of the host, where the workloads' containers sit.
 */
export function consulServerConfig(c: ConsulServerConfig): string {
    return [
        "# Written by netlab (lib/agents.ts).",
        `node_name        = ${hclString(c.node)}`,
        `datacenter       = ${hclString(c.datacenter)}`,
        `data_dir         = "/var/lib/consul"`,
        "server           = true",
        `bootstrap_expect = ${c.expect}`,
        `bind_addr        = ${hclString(c.bind)}`,
        `advertise_addr   = ${hclString(c.bind)}`,
        `client_addr      = ${hclString(`127.0.0.1 ${c.bind}`)}`,
        `retry_join       = ${hclList(c.peers)}`,
        `encrypt          = ${hclString(c.gossipKey)}`,
        "ui_config {",
        "  enabled = true",
        "}",
        "ports {",
        "  dns = 8600",
        "}",
    ].join("\n");
}

export interface NomadAgentConfig {
    node: string;
    datacenter: string;
    /** The host's lab address: advertised for HTTP, RPC and Serf; its interface is the client's. */
    bind: string;
    /** bootstrap_expect: the number of servers. */
    expect: number;
}

/**
 * A Nomad server + client (seed 002): joined through the local Consul agent, docker driver. RPC
 * and Serf on the lab address, the HTTP API on loopback and the lab address (not on the
 * containers' networks); the docker driver refuses host volumes (no job of the lab mounts one).
 */
export function nomadAgentConfig(c: NomadAgentConfig): string {
    return [
        "# Written by netlab (lib/agents.ts).",
        `name       = ${hclString(c.node)}`,
        `datacenter = ${hclString(c.datacenter)}`,
        `data_dir   = "/var/lib/nomad"`,
        `bind_addr  = ${hclString(c.bind)}`,
        "addresses {",
        `  http = ${hclString(`127.0.0.1 ${c.bind}`)}`,
        "}",
        "advertise {",
        `  http = ${hclString(c.bind)}`,
        `  rpc  = ${hclString(c.bind)}`,
        `  serf = ${hclString(c.bind)}`,
        "}",
        "server {",
        "  enabled                = true",
        `  bootstrap_expect       = ${c.expect}`,
        // After a leader election every client gets this long to heartbeat before it counts as
        // down (default 5m). A lab host that is gone for good (removed, then made again as a
        // new client) would hold its allocations that long; 30 s is plenty for three hosts.
        `  failover_heartbeat_ttl = "30s"`,
        "}",
        "client {",
        "  enabled           = true",
        // go-sockaddr picks the interface that holds the lab address, whatever its name.
        `  network_interface = "{{ GetAllInterfaces | include \\"address\\" \\"${c.bind}\\" | attr \\"name\\" }}"`,
        "}",
        "consul {",
        `  address = "127.0.0.1:8500"`,
        "}",
        `plugin "docker" {`,
        "  config {",
        "    volumes {",
        "      enabled = false",
        "    }",
        "  }",
        "}",
    ].join("\n");
}

export interface AgentUnit {
    description: string;
    execStart: string;
    user: string;
    /** Units this one needs started first. */
    after?: string[];
}

/** A systemd unit for an agent. */
export function agentUnit(u: AgentUnit): string {
    const after = ["network-online.target", ...(u.after ?? [])].join(" ");
    return [
        "[Unit]",
        `Description=${u.description}`,
        `Wants=${after}`,
        `After=${after}`,
        "",
        "[Service]",
        `User=${u.user}`,
        `Group=${u.user}`,
        `ExecStart=${u.execStart}`,
        "ExecReload=/bin/kill -HUP $MAINPID",
        "KillMode=process",
        "KillSignal=SIGINT",
        "Restart=on-failure",
        "LimitNOFILE=65536",
        "TasksMax=infinity",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
    ].join("\n");
}

export const CONSUL_UNIT = agentUnit({
    description: "Consul agent (netlab)", user: "consul",
    execStart: "/usr/local/bin/consul agent -config-dir=/etc/consul.d",
});

export const NOMAD_UNIT = agentUnit({
    description: "Nomad agent (netlab)", user: "root",
    execStart: "/usr/local/bin/nomad agent -config=/etc/nomad.d", after: ["consul.service"],
});
