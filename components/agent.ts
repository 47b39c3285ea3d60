/**
 * The command that installs one agent (Consul, Nomad, fabio) on one host under systemd,
 * re-runs in place when its config changes, and removes it on destroy. Shared by the
 * ConsulCluster, NomadCluster and Fabio components.
 */
import * as pulumi from "@pulumi/pulumi";
import { hostCommand, HostCommand } from "./host-command";
import { renderHostScript, shellQuote } from "../lib/scripts";
import { LabHost } from "./hosts";

export interface AgentSpec {
    /** consul, nomad or fabio: the binary in /usr/local/bin, the unit and /etc/<agent>.d. */
    agent: string;
    /** The user it runs as (root, or a system user to create). */
    user: string;
    /** The agent's config; secret when it holds one. */
    config: pulumi.Input<string>;
    /** The config's file name in /etc/<agent>.d. Default: <agent>.hcl. */
    configFile?: string;
    /** The systemd unit. */
    unit: string;
    /** A command that succeeds once the agent answers. */
    health: string;
    /** A command that checks the written config. */
    validate?: string;
}

export function agentCommand(name: string, host: LabHost, spec: AgentSpec, opts: pulumi.CustomResourceOptions): HostCommand {
    const install = pulumi.output(spec.config).apply((config) => renderHostScript("host-scripts/agent-install.sh", {
        NETLAB_AGENT: spec.agent, NETLAB_USER: spec.user, NETLAB_CONFIG: config, NETLAB_UNIT: spec.unit,
        NETLAB_HEALTH: spec.health, NETLAB_VALIDATE: spec.validate ?? "", NETLAB_CONFIG_FILE: spec.configFile ?? `${spec.agent}.hcl`,
    }));
    return hostCommand(name, host, {
        create: "bash -s",
        // The install is idempotent: a changed config re-runs it in place (a replacement would remove the agent).
        update: "bash -s",
        stdin: install,
        delete: `bash -c ${shellQuote(renderHostScript("host-scripts/agent-remove.sh", { NETLAB_AGENT: spec.agent, NETLAB_USER: spec.user }))}`,
    }, { ...opts, dependsOn: [host.ready, ...((opts.dependsOn as pulumi.Resource[] | undefined) ?? [])] });
}
