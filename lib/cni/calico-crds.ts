/**
 * The CustomResourceDefinitions that calico-node, the Calico CNI plugin and
 * calico-kube-controllers use (Calico 3.31, Kubernetes datastore), for calico and canal: every
 * kind of crd.projectcalico.org/v1 upstream's manifests define (libcalico-go/config/crd), and the
 * network-policy-api kinds Felix watches (policy.networking.k8s.io/v1alpha1 AdminNetworkPolicy,
 * BaselineAdminNetworkPolicy). The schemas are minimal and structural: every field is kept as
 * given (Calico validates its resources itself).
 */
import { Cni } from "../config";
import { K8sObject, labelsFor, meta } from "./common";

export const CALICO_GROUP = "crd.projectcalico.org";
/** The Kubernetes network-policy-api group (admin network policies), whose CRDs Calico's manifests carry. */
export const POLICY_API_GROUP = "policy.networking.k8s.io";

/** Kind, and whether it is namespaced (all others are cluster-scoped), as upstream has them. */
const KINDS: [string, boolean][] = [
    ["BGPConfiguration", false],
    ["BGPFilter", false],
    ["BGPPeer", false],
    ["BlockAffinity", false],
    ["CalicoNodeStatus", false],
    ["ClusterInformation", false],
    ["FelixConfiguration", false],
    ["GlobalNetworkPolicy", false],
    ["GlobalNetworkSet", false],
    ["HostEndpoint", false],
    ["IPAMBlock", false],
    ["IPAMConfig", false],
    ["IPAMHandle", false],
    ["IPPool", false],
    ["IPReservation", false],
    ["KubeControllersConfiguration", false],
    ["NetworkPolicy", true],
    ["NetworkSet", true],
    ["StagedGlobalNetworkPolicy", false],
    ["StagedKubernetesNetworkPolicy", true],
    ["StagedNetworkPolicy", true],
    ["Tier", false],
];

/** The annotation a CRD in a *.k8s.io group needs, and the approval network-policy-api's CRDs name (as Calico v3.31.7 ships them). */
const API_APPROVED = "api-approved.kubernetes.io";
const POLICY_API_APPROVAL = "https://github.com/kubernetes-sigs/network-policy-api/pull/30";

/** The network-policy-api kinds (cluster-scoped, v1alpha1). */
const POLICY_API_KINDS = ["AdminNetworkPolicy", "BaselineAdminNetworkPolicy"];

/** BGPConfiguration -> bgpconfigurations, BlockAffinity -> blockaffinities, CalicoNodeStatus -> caliconodestatuses. */
export function calicoPlural(kind: string): string {
    const singular = kind.toLowerCase();
    if (singular.endsWith("y")) {
        return `${singular.slice(0, -1)}ies`;
    }
    return singular.endsWith("s") ? `${singular}es` : `${singular}s`;
}

const OPEN = { type: "object", "x-kubernetes-preserve-unknown-fields": true };

export function calicoCrds(cni: Cni): K8sObject[] {
    const labels = labelsFor(cni, "calico-crds");
    return [
        ...KINDS.map(([kind, namespaced]) => crd(labels, CALICO_GROUP, "v1", kind, namespaced)),
        ...POLICY_API_KINDS.map((kind) => {
            const c = crd(labels, POLICY_API_GROUP, "v1alpha1", kind, false);
            // A *.k8s.io group: the API server wants the approval its upstream CRDs carry.
            return { ...c, metadata: { ...c.metadata as object, annotations: { [API_APPROVED]: POLICY_API_APPROVAL } } };
        }),
    ];
}

function crd(labels: Record<string, string>, group: string, version: string, kind: string, namespaced: boolean): K8sObject {
    const plural = calicoPlural(kind);
    return {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: meta(`${plural}.${group}`, labels, false),
        spec: {
            group,
            names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() },
            scope: namespaced ? "Namespaced" : "Cluster",
            versions: [{
                name: version,
                served: true,
                storage: true,
                schema: {
                    openAPIV3Schema: {
                        type: "object",
                        properties: { apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { type: "object" }, spec: OPEN, status: OPEN },
                    },
                },
            }],
        },
    };
}
