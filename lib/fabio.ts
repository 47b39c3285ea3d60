/**
 * fabio, seed 001's router, as netlab runs it: its properties and unit (pure, tested
 * directly), the routes the httpbackend jobs register through Consul tags, and the weight
 * overrides of a version split (seed 003), which fabio reads from Consul's KV store. Plain
 * HTTP workloads are routed by path on the HTTP listener; HTTPS workloads (netlab:workloads[].tls)
 * by their TLS server name on the TCP+SNI listener, which passes the TLS stream through
 * untouched (the instance holds the certificate), as seed 001's httpsbackend-sni-1.
 */
import { agentUnit } from "./agents";

/** fabio's HTTP proxy and its UI/API, on every host. */
export const FABIO_PROXY_PORT = 9999;
export const FABIO_UI_PORT = 9998;
/** fabio's TCP+SNI listener (seed 001's :9996). */
export const FABIO_SNI_PORT = 9996;
/** Where every host keeps the stack's lab CA (host-scripts/fabio-sni.sh): `curl --cacert` it. */
export const LAB_CA_FILE = "/etc/netlab/lab-ca.crt";

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
        // Both listeners on every host: HTTP routes by path, TCP+SNI routes by TLS server name.
        `proxy.addr = :${FABIO_PROXY_PORT};proto=http,:${FABIO_SNI_PORT};proto=tcp+sni`,
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

/** The server name of an HTTPS workload's isolated canaries (seed 001: canary.mysite-sni-1.com). */
export const sniCanaryName = (sni: string): string => `canary.${sni}`;

/** What fabio routes a workload by: its name (a path prefix) or, with TLS, its server name. */
export interface RoutedWorkload {
    name: string;
    tls?: { sni: string };
}

/** fabio's route (its `src`) of a workload's production instances: "/httpbackend/" or "mysite-sni-1.com/". */
export const workloadRoute = (w: RoutedWorkload): string => (w.tls === undefined ? routePath(w.name) : `${w.tls.sni}/`);
/** The same for its isolated canaries: "/httpbackend-canary/" or "canary.mysite-sni-1.com/". */
export const workloadCanaryRoute = (w: RoutedWorkload): string =>
    (w.tls === undefined ? canaryRoutePath(w.name) : `${sniCanaryName(w.tls.sni)}/`);

/** The Consul tag that gives instances a route: `urlprefix-<route>`, with `proto=tcp+sni` for a server name. */
export const urlprefixTag = (route: string, tls: boolean): string => `urlprefix-${route}${tls ? " proto=tcp+sni" : ""}`;

/**
 * fabio's overrides for a split: one `route weight` line per version with a share, so
 * `{v1.0.0: 80, v1.1.0: 20}` sends 80% of the route's requests to the instances tagged
 * version-v1.0.0. A version at 0 gets no line (fabio gives untagged targets the remainder,
 * which is nothing once the others sum to 1). On a TCP+SNI route the same weights pick the
 * instance of each connection, not of each request (fabio's SNI proxy looks the route up with
 * the same weighted picker once per TLS stream, proxy/tcp/sni_proxy.go).
 */
export function splitOverrides(w: RoutedWorkload, split: Record<string, number>): string {
    const total = Object.values(split).reduce((a, b) => a + b, 0);
    return Object.entries(split)
        .filter(([, weight]) => weight > 0)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([v, weight]) => `route weight ${w.name} ${workloadRoute(w)} weight ${(weight / total).toFixed(4)} tags "${versionTag(v)}"`)
        .join("\n");
}
