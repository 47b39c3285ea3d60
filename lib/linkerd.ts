/**
 * Linkerd on kube-lab (`netlab:mesh: linkerd`): the names, images and Helm values of the
 * control plane netlab installs from the charts of the release it builds (commands/toolchain.sh
 * mesh), and the certificates it is given. Pure: components/linkerd.ts renders the charts.
 */

/** The Linkerd release the toolchain builds (toolchain/versions.env LINKERD_VERSION). */
export const LINKERD_VERSION = "edge-26.8.3";
/** The namespace of the control plane. */
export const LINKERD_NAMESPACE = "linkerd";
/** The images' repository prefix (imported into containerd from the toolchain's tarball). */
const IMAGE_REPO = "localhost/netlab";
/** The tarball of the images, below the artifacts directory. */
export const LINKERD_TARBALL = "images/linkerd.tar";
/** The charts, below the artifacts directory. */
export const LINKERD_CHARTS = { crds: "linkerd/charts/linkerd-crds", controlPlane: "linkerd/charts/linkerd-control-plane" };
export const LINKERD_TOOLCHAIN_COMMAND = "npm run toolchain -- mesh";

export const LINKERD_IMAGES = {
    controller: `${IMAGE_REPO}/linkerd-controller:${LINKERD_VERSION}`,
    proxy: `${IMAGE_REPO}/linkerd-proxy:${LINKERD_VERSION}`,
};

/** The pod annotation that has the proxy injector mesh a pod. */
export const INJECT_ANNOTATION = "linkerd.io/inject";
/**
 * The port a meshed pod's proxy takes inbound connections on: a meshed client's proxy connects
 * to it directly (mTLS), not to the application's port, so a NetworkPolicy must admit it.
 */
export const PROXY_INBOUND_PORT = 4143;

/**
 * The admission webhooks, by their values key in the chart, and the Service each is served
 * behind (the name in its serving certificate).
 */
export const LINKERD_WEBHOOKS = {
    proxyInjector: "linkerd-proxy-injector",
    profileValidator: "linkerd-sp-validator",
    policyValidator: "linkerd-policy-validator",
} as const;

/** The control plane's Deployments: the mesh is up when every one is available. */
export const LINKERD_DEPLOYMENTS = ["linkerd-identity", "linkerd-destination", "linkerd-proxy-injector"];

/** What local-scripts/linkerd-certs.sh prints (PEM text). */
export interface LinkerdCerts {
    trustAnchorsPEM: string;
    issuerCrtPEM: string;
    issuerKeyPEM: string;
    /** By webhook Service name. */
    webhooks: Record<string, { crtPEM: string; keyPEM: string }>;
}

/** Parses and checks local-scripts/linkerd-certs.sh's output. */
export function parseLinkerdCerts(stdout: string): LinkerdCerts {
    const c = JSON.parse(stdout) as LinkerdCerts;
    const pem = (what: string, text: unknown, kind: RegExp): void => {
        if (typeof text !== "string" || !kind.test(text)) {
            throw new Error(`linkerd-certs.sh printed no ${what}`);
        }
    };
    pem("trust anchor", c.trustAnchorsPEM, /-----BEGIN CERTIFICATE-----/);
    pem("issuer certificate", c.issuerCrtPEM, /-----BEGIN CERTIFICATE-----/);
    pem("issuer key", c.issuerKeyPEM, /-----BEGIN EC PRIVATE KEY-----/);
    for (const name of Object.values(LINKERD_WEBHOOKS)) {
        pem(`${name} certificate`, c.webhooks?.[name]?.crtPEM, /-----BEGIN CERTIFICATE-----/);
        // PKCS#8: the policy validator's server (kubert) reads no SEC1 key.
        pem(`${name} key`, c.webhooks?.[name]?.keyPEM, /-----BEGIN PRIVATE KEY-----/);
    }
    return c;
}

/** The values of the linkerd-crds chart: Linkerd's CRDs and the Gateway API's (HTTPRoute) at the version it expects. */
export function linkerdCrdsValues(): Record<string, unknown> {
    return { installGatewayAPI: true };
}

/** The values of the linkerd-control-plane chart. */
export function linkerdControlPlaneValues(certs: LinkerdCerts): Record<string, unknown> {
    const webhook = (service: string): Record<string, unknown> => {
        const w = certs.webhooks[service];
        // Given certificates, not the chart's: its own are made anew at every render.
        return { externalSecret: false, crtPEM: w.crtPEM, keyPEM: w.keyPEM, caBundle: w.crtPEM };
    };
    return {
        linkerdVersion: LINKERD_VERSION,
        controllerImage: LINKERD_IMAGES.controller.replace(/:[^:]*$/, ""),
        controllerImageVersion: LINKERD_VERSION,
        // The images exist only on the nodes (no registry): never pulled.
        imagePullPolicy: "Never",
        identityTrustAnchorsPEM: certs.trustAnchorsPEM,
        identity: { issuer: { tls: { crtPEM: certs.issuerCrtPEM, keyPEM: certs.issuerKeyPEM } } },
        proxy: {
            image: { name: LINKERD_IMAGES.proxy.replace(/:[^:]*$/, ""), version: LINKERD_VERSION, pullPolicy: "Never" },
            // linkerd-await is not built: workloads do not wait for their proxy to start. Clients
            // that must (the drills' load) wait for their pod to be Ready, proxy included.
            await: false,
        },
        // proxy-init as root with NET_ADMIN/NET_RAW: the image's binaries carry no file
        // capabilities (they would not survive every way an image reaches a lab node).
        proxyInit: { runAsRoot: true },
        // The heartbeat reports to Linkerd's servers: nothing leaves the lab.
        disableHeartBeat: true,
        proxyInjector: webhook(LINKERD_WEBHOOKS.proxyInjector),
        profileValidator: webhook(LINKERD_WEBHOOKS.profileValidator),
        policyValidator: webhook(LINKERD_WEBHOOKS.policyValidator),
    };
}

/** The labels and annotations of Linkerd's namespace, as its Helm install instructions create it. */
export const LINKERD_NAMESPACE_METADATA = {
    labels: {
        "linkerd.io/is-control-plane": "true",
        "config.linkerd.io/admission-webhooks": "disabled",
        "linkerd.io/control-plane-ns": LINKERD_NAMESPACE,
        "pod-security.kubernetes.io/enforce": "privileged",
    },
    annotations: { [INJECT_ANNOTATION]: "disabled" },
};
