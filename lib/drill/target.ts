/**
 * Where a drill's load goes and what it runs in: kube-lab's Service from a fortio pod on the
 * control-plane node; weave-lab's fabio on the router host, by path on its HTTP listener or, for
 * an HTTPS workload, by server name on its TCP+SNI listener. Pure.
 */
import { canaryRoutePath, FABIO_PROXY_PORT, FABIO_SNI_PORT, LAB_CA_FILE, sniCanaryName } from "../fabio";
import { HTTPBACKEND_PORT } from "../kube-workload";
import { WorkloadNow } from "./scenarios";

/** A workload as the stack's `workloads` output shows it. */
export interface WorkloadOut extends WorkloadNow { fabioRoute: string; sni?: string }

/** kube-lab: the load's image (npm run toolchain -- fortio-image), imported by the drill into the node it runs on. */
export const FORTIO_IMAGE = "localhost/netlab/fortio:v1.68.2";
/** kube-lab: FORTIO_IMAGE's tarball in the artifacts directory. */
export const FORTIO_TARBALL = "images/fortio.tar";
/** kube-lab: the workloads' namespace. */
export const KUBE_NAMESPACE = "default";

/** "/httpbackend/" (fabio's route) -> "/httpbackend" (what httpbackend counts requests under). */
const counterKey = (route: string): string => `/${route.split("/").filter(Boolean)[0] ?? ""}`;

/** Where a drill's load goes, and what the instances count its requests under. */
export interface LoadTarget {
    url: string;
    /** The production route's counter key in the instances' /stats. */
    route: string;
    /** weave-lab: the isolated canaries' own URL and counter key. */
    canaryUrl?: string;
    canaryRoute?: string;
    /**
     * An HTTPS workload: the CA file (on the load's host) its certificate is verified with, the
     * address its server name goes to, and fortio's -connection-reuse.
     */
    tls?: { cacert: string; resolve: string; connectionReuse: string };
}

/**
 * The load's target: kube-lab's Service; weave-lab's fabio on the router host, by path on its
 * HTTP listener, or for an HTTPS workload by server name on its TCP+SNI listener (the name
 * resolved to the router, the certificate verified with the lab CA, requests counted by the
 * instances under the server name they came with and the path, "mysite-sni-1.com/").
 */
export function loadTarget(name: string, now: WorkloadOut, routerAddress: string, kube: boolean): LoadTarget {
    if (kube) {
        return { url: `http://${name}.${KUBE_NAMESPACE}.svc.cluster.local:${HTTPBACKEND_PORT}/`, route: "/" };
    }
    if (now.sni !== undefined) {
        const canary = sniCanaryName(now.sni);
        return {
            url: `https://${now.sni}:${FABIO_SNI_PORT}/`, route: `${now.sni}/`,
            canaryUrl: `https://${canary}:${FABIO_SNI_PORT}/`, canaryRoute: `${canary}/`,
            tls: { cacert: LAB_CA_FILE, resolve: routerAddress, connectionReuse: TLS_CONNECTION_REUSE },
        };
    }
    return {
        url: `http://${routerAddress}:${FABIO_PROXY_PORT}${now.fabioRoute}`, route: counterKey(now.fabioRoute),
        canaryUrl: `http://${routerAddress}:${FABIO_PROXY_PORT}${canaryRoutePath(name)}`, canaryRoute: counterKey(canaryRoutePath(name)),
    };
}

/**
 * fabio's TCP+SNI listener picks an instance once per connection (the TLS stream passes through
 * whole), so a load that kept its connections would never reach a canary, a new colour or a
 * split's new version. On the HTTPS path every connection of the load carries this many
 * requests (fortio's -connection-reuse MIN:MAX), then fortio opens a new one, as clients that
 * reconnect do: a split's shares are then shares of connections, each of the same size.
 */
export const TLS_CONNECTION_REUSE = "20:20";
