/**
 * fabio, seed 001's router, as netlab runs it: its properties and unit (pure, tested
 * directly), the routes the httpbackend jobs register through Consul tags, and the weight
 * overrides of a version split (seed 003), which fabio reads from Consul's KV store.
 */
import { agentUnit } from "./agents";

/** fabio's HTTP proxy and its UI/API, on every host. */
export const FABIO_PROXY_PORT = 9999;
export const FABIO_UI_PORT = 9998;

/** Where fabio reads manual route overrides (its default); each workload has a key below it. */
export const FABIO_KV_PATH = "fabio/config";

export function fabioProperties(): string {
    return [
        "# Written by netlab (lib/fabio.ts).",
        "registry.backend = consul",
        "registry.consul.addr = 127.0.0.1:8500",
        `registry.consul.kvpath = /${FABIO_KV_PATH}`,
        // netlab publishes fabio's addresses itself (stack outputs); no service of its own in Consul.
        "registry.consul.register.enabled = false",
        `proxy.addr = :${FABIO_PROXY_PORT}`,
        `ui.addr = :${FABIO_UI_PORT}`,
        // Weighted round robin over the route's ring: a split gets its share request by request.
        "proxy.strategy = rr",
        // No route (no instance passing) answers 503, as a load balancer with no backend does.
        "proxy.noroutestatus = 503",
    ].join("\n");
}

export const FABIO_UNIT = agentUnit({
    description: "fabio (netlab)", user: "fabio",
    execStart: "/usr/local/bin/fabio -cfg /etc/fabio.d/fabio.properties", after: ["consul.service"],
});

/** The path prefix a workload's production instances are routed on. */
export const routePath = (workload: string): string => `/${workload}/`;
/** The path prefix of a workload's isolated canaries (seed 001's `urlprefix-canary…`). */
export const canaryRoutePath = (workload: string): string => `/${workload}-canary/`;

export const versionTag = (version: string): string => `version-${version}`;

/**
 * fabio's overrides for a split: one `route weight` line per version with a share, so
 * `{v1.0.0: 80, v1.1.0: 20}` sends 80% of the route's requests to the instances tagged
 * version-v1.0.0. A version at 0 gets no line (fabio gives untagged targets the remainder,
 * which is nothing once the others sum to 1).
 */
export function splitOverrides(workload: string, split: Record<string, number>): string {
    const total = Object.values(split).reduce((a, b) => a + b, 0);
    return Object.entries(split)
        .filter(([, w]) => w > 0)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([v, w]) => `route weight ${workload} ${routePath(workload)} weight ${(w / total).toFixed(4)} tags "${versionTag(v)}"`)
        .join("\n");
}
