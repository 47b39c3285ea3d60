/**
 * Nomad job files: readable templates in jobs/, rendered here with explicit values.
 */
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "./scripts";

export interface HttpbackendJob {
    name: string;
    datacenter: string;
    count: number;
    version: string;
    image: string;
    /** Host names the instances may run on. */
    placement: string[];
    /** The port every instance answers on, at its own Weave address. */
    port: number;
    /** The Docker network the instances run in (a Weave network on every host). */
    network: string;
}

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

export function httpbackendJob(j: HttpbackendJob): string {
    const template = fs.readFileSync(path.join(REPO_ROOT, "jobs", "httpbackend.nomad.hcl"), "utf8");
    return renderTemplate(template, {
        name: j.name, datacenter: j.datacenter, count: j.count, version: j.version, image: j.image,
        placement: j.placement.join(","), port: j.port, network: j.network,
    });
}
