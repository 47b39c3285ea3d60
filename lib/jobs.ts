/**
 * Nomad job files: readable templates in jobs/, rendered here with explicit values.
 */
import * as fs from "fs";
import * as path from "path";
import { Fault, Strategy } from "./config";
import { urlprefixTag, versionTag, workloadCanaryRoute, workloadRoute } from "./fabio";
import { REPO_ROOT } from "./scripts";

/** Every instance of a workload's job answers on this port at its own Weave address (weave-lab). */
export const WORKLOAD_PORT = 8081;

export interface HttpbackendJob {
    name: string;
    datacenter: string;
    count: number;
    /** The version of group "web". */
    version: string;
    image: string;
    /** Host names the instances may run on. */
    placement: string[];
    /** The port every instance answers on, at its own Weave address. */
    port: number;
    /** The Docker network the instances run in (a Weave network on every host). */
    network: string;
    strategy: Strategy;
    maxParallel: number;
    /** canary and canary-isolated: canaries placed first. */
    canaries: number;
    autoRevert: boolean;
    /** Injected into `version` only. */
    fault?: Fault;
    /** With a split, its other version runs in a group of its own. */
    split?: Record<string, number>;
    /** HTTPS on this server name: the instances read their certificate and key from the job's Nomad variable. */
    tls?: { sni: string };
}

/** Where an HTTPS job's certificate and key live: the job's own Nomad variable, which only its tasks may read. */
export const jobVariablePath = (job: string): string => `nomad/jobs/${job}`;

/** Replaces every {{key}} in a template; a key the template uses but `values` lacks is an error. */
export function renderTemplate(template: string, values: Record<string, string | number>): string {
    return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
        const v = values[key];
        if (v === undefined) {
            throw new Error(`template value '${key}' is not set`);
        }
        return String(v);
    });
}

const readJobTemplate = (file: string): string => fs.readFileSync(path.join(REPO_ROOT, "jobs", file), "utf8");
const hclList = (items: string[]): string => items.map((s) => JSON.stringify(s)).join(", ");

/** The group of a split's other version: its name must stay a valid Nomad group name. */
export const splitGroupName = (version: string): string => `web-${version.replace(/\./g, "-")}`;

/** Canaries Nomad places for a strategy: none (rolling), `canaries`, or the whole count (blue-green). */
export function canaryCount(j: Pick<HttpbackendJob, "strategy" | "canaries" | "count">): number {
    switch (j.strategy) {
        case "rolling": return 0;
        case "blue-green": return j.count;
        default: return j.canaries;
    }
}

function groupHcl(j: HttpbackendJob, group: string, version: string, fault: string): string {
    const tls = j.tls !== undefined;
    const tags = [versionTag(version), `network-${j.network}`, urlprefixTag(workloadRoute(j), tls)];
    const canaryTags = j.strategy === "canary-isolated"
        ? [versionTag(version), `network-${j.network}`, "canary", urlprefixTag(workloadCanaryRoute(j), tls)]
        : [...tags, "canary"];
    return renderTemplate(readJobTemplate("httpbackend-group.nomad.hcl"), {
        group, name: j.name, count: j.count, version, image: j.image, placement: j.placement.join(","), port: j.port,
        network: j.network, maxParallel: j.maxParallel, canary: canaryCount(j), autoRevert: String(j.autoRevert),
        tags: hclList(tags), canaryTags: hclList(canaryTags), fault,
        checkProtocol: tls ? "https" : "http",
        tlsFiles: tls ? renderTemplate(readJobTemplate("httpbackend-tls.nomad.hcl"), { variable: jobVariablePath(j.name) }) : "",
        tlsCert: tls ? "/secrets/tls.crt" : "", tlsKey: tls ? "/secrets/tls.key" : "",
    });
}

export function httpbackendJob(j: HttpbackendJob): string {
    const others = Object.keys(j.split ?? {}).filter((v) => v !== j.version).sort();
    const groups = [groupHcl(j, "web", j.version, j.fault ?? ""), ...others.map((v) => groupHcl(j, splitGroupName(v), v, ""))];
    return renderTemplate(readJobTemplate("httpbackend.nomad.hcl"), {
        name: j.name, datacenter: j.datacenter, groups: groups.join("\n").replace(/\n$/, ""),
    });
}
