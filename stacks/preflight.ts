/**
 * The checks of a stack's config against what this machine already holds, before any
 * resource (docker mode): the local Docker engine's networks (lib/preflight.ts decides).
 * An engine that does not answer is left to commands/lab.sh (it starts one) and to the
 * hosts layer's own error.
 */
import * as pulumi from "@pulumi/pulumi";
import { execFileSync } from "child_process";
import { Cidr, parseCidr } from "../lib/cidr";
import { LabConfig } from "../lib/config";
import { EngineNetwork, labNetworkProblems } from "../lib/preflight";
import { ConfigError, ConfigProblems } from "../lib/problems";

/**
 * The engine's networks. NETLAB_PREFLIGHT_NETWORKS (JSON, an EngineNetwork list) stands in
 * for the engine where there is none to ask (the unit tests).
 */
export function engineNetworks(): EngineNetwork[] {
    const given = process.env.NETLAB_PREFLIGHT_NETWORKS;
    if (given !== undefined) {
        return JSON.parse(given) as EngineNetwork[];
    }
    let ids: string[];
    try {
        ids = execFileSync("docker", ["network", "ls", "-q"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
            .split("\n").filter((l) => l.trim() !== "");
    } catch {
        return [];
    }
    if (ids.length === 0) {
        return [];
    }
    const format = '{{json .Name}} {{json .Labels}} {{range .IPAM.Config}}{{.Subnet}} {{end}}';
    const out = execFileSync("docker", ["network", "inspect", "-f", format, ...ids], { encoding: "utf8" });
    return out.split("\n").filter((l) => l.trim() !== "").map((line) => {
        const m = /^("(?:[^"\\]|\\.)*") (null|\{.*?\}) ?(.*)$/.exec(line);
        if (!m) {
            throw new Error(`docker network inspect printed '${line}'`);
        }
        const labels = JSON.parse(m[2]) as Record<string, string> | null;
        return { name: JSON.parse(m[1]) as string, subnets: m[3].split(" ").filter((s) => s !== ""), lab: labels?.["netlab.lab"] };
    });
}

/** Throws a RunError naming every clash (key, value, fix) before the scenario makes anything. */
export function preflight(cfg: LabConfig, stack: string = pulumi.getStack()): void {
    if (cfg.hostProvider !== "docker") {
        return;
    }
    const lab = parseCidr(cfg.labNetwork) as Cidr;
    const own = [cfg.weave.ipallocRange, cfg.kubernetes.podCidr, cfg.kubernetes.serviceCidr]
        .map((t) => parseCidr(t)).filter((c): c is Cidr => typeof c !== "string");
    const p = new ConfigProblems();
    labNetworkProblems(p, lab, `netlab-${stack}`, engineNetworks(), stack, own);
    try {
        p.throwIfAny();
    } catch (e) {
        throw new pulumi.RunError((e as ConfigError).message);
    }
}
