/**
 * LinkerdMesh (`netlab:mesh: linkerd`): Linkerd's control plane on kube-lab, built from source
 * by the toolchain (images imported on every node) and installed from the release's own Helm
 * charts with netlab's values (lib/linkerd.ts): its CRDs with the Gateway API's HTTPRoute,
 * then identity, destination with the policy controller, and the proxy injector, which meshes
 * every pod annotated `linkerd.io/inject: enabled`. The trust anchor, the identity issuer and
 * the webhooks' certificates are made once per stack and kept as secrets in its state. Pulumi
 * waits for every Deployment of the control plane to be available, and again after every apply
 * of the pod network (a CNI swap restarts every pod: meshed pods made while the injector was
 * down are rolled again, with their proxies); removing the mesh removes
 * all of it, the Gateway API CRDs included (the meshed workloads are rolled without their
 * proxies first).
 */
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { ContainerdImages } from "./containerd-images";
import { hostCommand } from "./host-command";
import { LabHost } from "./hosts";
import {
    LINKERD_CHARTS, LINKERD_IMAGES, LINKERD_NAMESPACE, LINKERD_NAMESPACE_METADATA, LINKERD_TARBALL, LINKERD_TOOLCHAIN_COMMAND,
    LINKERD_DEPLOYMENTS, LINKERD_VERSION, LINKERD_WEBHOOKS, linkerdControlPlaneValues, linkerdCrdsValues, parseLinkerdCerts,
} from "../lib/linkerd";
import { renderHostScript, REPO_ROOT } from "../lib/scripts";

/**
 * The chart marks the Gateway API CRDs `helm.sh/resource-policy: keep` (a Helm uninstall leaves
 * them, for other users of the Gateway API); the lab made them, so removing the mesh removes them.
 */
function deleteCrdsWithTheMesh(args: pulumi.ResourceTransformArgs): pulumi.ResourceTransformResult | undefined {
    if (args.type !== "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition") {
        return undefined;
    }
    return { props: args.props, opts: pulumi.mergeOptions(args.opts, { retainOnDelete: false }) };
}

export interface LinkerdMeshArgs {
    hosts: LabHost[];
    privateKey: pulumi.Input<string>;
    artifactsDir: string;
    /** The cluster's provider. */
    provider: k8s.Provider;
    /** The control-plane host (kubectl, the admin kubeconfig). */
    control: LabHost;
    /** The pod network's apply step: when it runs again (a CNI swap restarts every pod), so does the mesh's readiness step. */
    podNetwork: pulumi.Input<string>;
    /** The cluster and its CNI. */
    dependsOn: pulumi.Resource[];
}

export class LinkerdMesh extends pulumi.ComponentResource {
    /** What the workloads wait for: the control plane, available. */
    public readonly ready: pulumi.Resource[];
    /** The mesh's version and namespace, for the stack outputs. */
    public readonly summary: { mesh: string; version: string; namespace: string };

    constructor(name: string, args: LinkerdMeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("netlab:kubernetes:LinkerdMesh", name, {}, opts);
        const dir = path.resolve(REPO_ROOT, args.artifactsDir);
        const images = new ContainerdImages(`${name}-images`, {
            hosts: args.hosts, privateKey: args.privateKey, artifactsDir: args.artifactsDir, tarball: LINKERD_TARBALL,
            refs: Object.values(LINKERD_IMAGES), buildCommand: LINKERD_TOOLCHAIN_COMMAND, dependsOn: args.dependsOn,
        }, { parent: this });
        // Made once: later runs keep them (an edit of the script does not rotate a running mesh's identity).
        const certs = new command.local.Command(`${name}-certs`, {
            create: "bash local-scripts/linkerd-certs.sh",
            dir: REPO_ROOT,
            environment: { NETLAB_NAMESPACE: LINKERD_NAMESPACE, NETLAB_WEBHOOKS: Object.values(LINKERD_WEBHOOKS).join(" ") },
            logging: "none",
        }, { parent: this, additionalSecretOutputs: ["stdout"], ignoreChanges: ["create", "dir", "environment"] });
        const k8sOpts = { parent: this, provider: args.provider };
        const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, {
            metadata: { name: LINKERD_NAMESPACE, ...LINKERD_NAMESPACE_METADATA },
        }, { ...k8sOpts, dependsOn: args.dependsOn });
        const crds = new k8s.helm.v4.Chart(`${name}-crds`, {
            chart: path.join(dir, LINKERD_CHARTS.crds),
            namespace: LINKERD_NAMESPACE,
            values: linkerdCrdsValues(),
        }, { ...k8sOpts, dependsOn: [namespace], transforms: [deleteCrdsWithTheMesh] });
        const controlPlane = new k8s.helm.v4.Chart(`${name}-control-plane`, {
            chart: path.join(dir, LINKERD_CHARTS.controlPlane),
            namespace: LINKERD_NAMESPACE,
            values: pulumi.secret(certs.stdout).apply((s) => linkerdControlPlaneValues(parseLinkerdCerts(s))),
        }, { ...k8sOpts, dependsOn: [namespace, crds, images] });
        // After every apply of the pod network: the control plane available again, and the meshed
        // pods that were made while the injector was down rolled with their proxies.
        const ready = hostCommand(`${name}-ready`, args.control, {
            create: "bash -s",
            update: "bash -s",
            stdin: renderHostScript("host-scripts/linkerd-ready.sh", {
                NETLAB_NAMESPACE: LINKERD_NAMESPACE, NETLAB_DEPLOYMENTS: LINKERD_DEPLOYMENTS.join(" "), NETLAB_TIMEOUT: 300,
            }),
            triggers: [args.podNetwork],
        }, { parent: this, dependsOn: [controlPlane] });
        this.ready = [controlPlane, ready];
        this.summary = { mesh: "linkerd", version: LINKERD_VERSION, namespace: LINKERD_NAMESPACE };
        this.registerOutputs({});
    }
}
