/**
 * The CNIs netlab knows, and the one entry to them (import from "lib/cni"): their traits
 * (traits.ts: encapsulation, NetworkPolicy, encryption, MTU detection), where their images come
 * from (builds.ts, CNI_BUILDS: the toolchain builds all six), the pod MTU (mtu.ts), and every
 * Kubernetes object each needs, as plain JSON objects, each CNI's in lib/cni/<name>.ts
 * (common.ts: what they share); cniManifest checks the input and picks the CNI's renderer.
 * Pure functions: no Pulumi, no cluster. The standard CNI plugin binaries (bridge, host-local,
 * loopback, portmap, flannel) are put in /opt/cni/bin by the program before a CNI is applied,
 * so no manifest mounts or copies anything into /opt/cni/bin, except that weave, cilium,
 * calico and canal copy their OWN plugin binaries there (weave-net, cilium-cni, calico and
 * calico-ipam), as their agents do upstream.
 */
import { parseCidr } from "../cidr";
import { Cni } from "../config";
import { renderCalico } from "./calico";
import { renderCanal } from "./canal";
import { renderCilium } from "./cilium";
import { CNI_IMAGE_ROLES, CniManifestInput, imageFor, K8sObject } from "./common";
import { renderFlannel } from "./flannel";
import { renderKubeRouter } from "./kube-router";
import { CNI_TRAITS, traitsOf } from "./traits";
import { renderWeave } from "./weave";

export { CNI_IMAGE_ROLES, CNI_LABEL, CNI_NAMESPACE, CniManifestInput, K8sObject } from "./common";
export { CNI_BUILDS, cniBuild, CniBuild, CNI_VERSIONS } from "./builds";
export { cniMtuFor } from "./mtu";
export { CNI_TRAITS, CniTraits } from "./traits";

/**
 * Every Kubernetes object of the CNI, in apply order (CRDs, RBAC, ConfigMaps, then the
 * DaemonSet and Deployments).
 */
export function cniManifest(cni: Cni, input: CniManifestInput): K8sObject[] {
    traitsOf(cni);
    checkInput(cni, input);
    switch (cni) {
        case "flannel":
            return renderFlannel(input);
        case "kube-router":
            return renderKubeRouter(input);
        case "weave":
            return renderWeave(input);
        case "cilium":
            return renderCilium(input);
        case "calico":
            return renderCalico(input);
        case "canal":
            return renderCanal(input);
    }
}

/** kubectl-ready JSON: {"apiVersion":"v1","kind":"List","items":[...]}. */
export function cniManifestJson(cni: Cni, input: CniManifestInput): string {
    return `${JSON.stringify({ apiVersion: "v1", kind: "List", items: cniManifest(cni, input) }, null, 2)}\n`;
}

function checkInput(cni: Cni, input: CniManifestInput): void {
    const cidr = parseCidr(input.podCidr);
    if (typeof cidr === "string") {
        throw new Error(`pod CIDR: ${cidr}`);
    }
    if (!Number.isInteger(input.mtu) || input.mtu <= 0) {
        throw new Error(`CNI MTU ${input.mtu} is not a positive whole number`);
    }
    if (!/^\S+$/.test(input.image)) {
        throw new Error(`CNI image '${input.image}' is not an image ref`);
    }
    if (!/^[a-zA-Z0-9_.@-]{1,15}$/.test(input.nodeInterface)) {
        throw new Error(`node interface '${input.nodeInterface}' is not an interface name`);
    }
    CNI_IMAGE_ROLES[cni].forEach((role) => imageFor(input, role));
    if (input.encryption?.enabled === true && !CNI_TRAITS[cni].encryption) {
        throw new Error(`CNI '${cni}' has no pod traffic encryption in this lab`);
    }
    if (input.encryption?.enabled === true && cni === "weave" && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(input.encryption.secretName ?? "")) {
        throw new Error(`weave encryption needs the name of the Secret holding the password (encryption.secretName)`);
    }
}
