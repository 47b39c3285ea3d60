/**
 * The CustomResourceDefinitions of crd.projectcalico.org/v1 that calico-node, the Calico CNI
 * plugin and calico-kube-controllers use (Calico 3.27, Kubernetes datastore), for calico and
 * canal. The schemas are minimal and structural: every field is kept as given (Calico
 * validates its resources itself).
 */
import { Cni } from "../config";
import { K8sObject, labelsFor, meta } from "./common";

export const CALICO_GROUP = "crd.projectcalico.org";

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
];

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
    return KINDS.map(([kind, namespaced]) => {
        const plural = calicoPlural(kind);
        return {
            apiVersion: "apiextensions.k8s.io/v1",
            kind: "CustomResourceDefinition",
            metadata: meta(`${plural}.${CALICO_GROUP}`, labels, false),
            spec: {
                group: CALICO_GROUP,
                names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() },
                scope: namespaced ? "Namespaced" : "Cluster",
                versions: [{
                    name: "v1",
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
    });
}
