/**
 * The CNIs netlab knows: their traits (encapsulation, NetworkPolicy, encryption, MTU
 * detection), where their images come from (CNI_BUILDS: the toolchain builds all six), and
 * every Kubernetes object each needs, as plain JSON objects, each CNI's in lib/cni/<name>.ts.
 * Pure functions: no Pulumi, no cluster. The standard CNI plugin binaries (bridge, host-local,
 * loopback, portmap, flannel) are put in /opt/cni/bin by the program before a CNI is applied,
 * so no manifest mounts or copies anything into /opt/cni/bin, except that weave, cilium,
 * calico and canal copy their OWN plugin binaries there (weave-net, cilium-cni, calico and
 * calico-ipam), as their agents do upstream.
 */
import { parseCidr } from "./cidr";
import { renderCalico } from "./cni/calico";
import { renderCanal } from "./cni/canal";
import { renderCilium } from "./cni/cilium";
import { renderFlannel } from "./cni/flannel";
import { renderKubeRouter } from "./cni/kube-router";
import { CNI_IMAGE_ROLES, CniManifestInput, imageFor, K8sObject } from "./cni/common";
import { CNI_TRAITS, traitsOf } from "./cni/traits";
import { renderWeave, WEAVE_VERSION } from "./cni/weave";
import { Cni } from "./config";
import { IMAGE_REPOSITORY } from "./kubeadm";

export { CNI_IMAGE_ROLES, CNI_LABEL, CNI_NAMESPACE, CniManifestInput, K8sObject } from "./cni/common";
export { CNI_TRAITS, CniTraits } from "./cni/traits";

/**
 * Where the images of a CNI built here come from: the toolchain's tarballs (paths in the
 * artifacts directory; canal takes calico's and flannel's), every ref they hold (all are
 * imported into containerd on every node, and all leave it when the CNI goes), the agent's
 * image and those of its other roles (CNI_IMAGE_ROLES). They match the toolchain's lists
 * .toolchain/artifacts/images/*.txt.
 */
export interface CniBuild {
    tarballs: readonly string[];
    refs: readonly string[];
    image: string;
    images: Record<string, string>;
}

const ref = (name: string, tag: string): string => `${IMAGE_REPOSITORY}/${name}:${tag}`;

/** The releases of the CNIs built here (the toolchain's versions, toolchain/versions.env). */
export const CNI_VERSIONS = {
    FLANNEL_VERSION: "0.28.10",
    KUBE_ROUTER_VERSION: "2.11.1",
    CALICO_VERSION: "3.31.7",
    CILIUM_VERSION: "1.20.2",
    WEAVE_VERSION,
} as const;
const V = CNI_VERSIONS;

const FLANNEL_IMAGE = ref("flannel", `v${V.FLANNEL_VERSION}`);
const CALICO_NODE_IMAGE = ref("calico-node", `v${V.CALICO_VERSION}`);
const CALICO_KUBE_CONTROLLERS_IMAGE = ref("calico-kube-controllers", `v${V.CALICO_VERSION}`);
const CALICO_REFS = [CALICO_NODE_IMAGE, CALICO_KUBE_CONTROLLERS_IMAGE];

/** The CNIs built here (scripts/toolchain.sh kube-images, calico, cilium and weave): their images, by CNI. */
export const CNI_BUILDS: Record<Cni, CniBuild> = {
    "flannel": { tarballs: ["images/flannel.tar"], refs: [FLANNEL_IMAGE], image: FLANNEL_IMAGE, images: {} },
    "kube-router": {
        tarballs: ["images/kube-router.tar"], refs: [ref("kube-router", `v${V.KUBE_ROUTER_VERSION}`)],
        image: ref("kube-router", `v${V.KUBE_ROUTER_VERSION}`), images: {},
    },
    "weave": {
        tarballs: ["images/weave.tar"],
        // Also the weave, weaveexec and weavedb images (`weave launch` outside Kubernetes), which share its layers.
        refs: [ref("weave", WEAVE_VERSION), ref("weaveexec", WEAVE_VERSION), ref("weavedb", "latest"),
            ref("weave-kube", WEAVE_VERSION), ref("weave-npc", WEAVE_VERSION)],
        image: ref("weave-kube", WEAVE_VERSION),
        images: { "weave-npc": ref("weave-npc", WEAVE_VERSION) },
    },
    // One calico-node image serves calico-node and the install-cni init container (it carries
    // the CNI plugin, which is also calico-ipam and install by its file name).
    "calico": {
        tarballs: ["images/calico.tar"], refs: CALICO_REFS, image: CALICO_NODE_IMAGE,
        images: { "calico-cni": CALICO_NODE_IMAGE, "calico-kube-controllers": CALICO_KUBE_CONTROLLERS_IMAGE },
    },
    "canal": {
        tarballs: ["images/calico.tar", "images/flannel.tar"], refs: [...CALICO_REFS, FLANNEL_IMAGE], image: CALICO_NODE_IMAGE,
        images: { "calico-cni": CALICO_NODE_IMAGE, "calico-kube-controllers": CALICO_KUBE_CONTROLLERS_IMAGE, "flannel": FLANNEL_IMAGE },
    },
    "cilium": {
        tarballs: ["images/cilium.tar"],
        refs: [ref("cilium", `v${V.CILIUM_VERSION}`), ref("cilium-operator-generic", `v${V.CILIUM_VERSION}`)],
        image: ref("cilium", `v${V.CILIUM_VERSION}`),
        images: { "cilium-operator": ref("cilium-operator-generic", `v${V.CILIUM_VERSION}`) },
    },
};

/** The images of a CNI. */
export function cniBuild(cni: Cni): CniBuild {
    traitsOf(cni);
    return CNI_BUILDS[cni];
}

/**
 * The pod MTU: a number is taken as is; "auto" is the node interface MTU minus the CNI's
 * encapsulation overhead (with `encrypted`, the encrypted overhead where the CNI has one).
 */
export function cniMtuFor(cni: Cni, setting: "auto" | number, nodeInterfaceMtu: number, encrypted = false): number {
    const traits = traitsOf(cni);
    if (setting !== "auto") {
        if (!Number.isInteger(setting) || setting <= 0) {
            throw new Error(`netlab:cniMtu ${setting} is not a positive whole number`);
        }
        return setting;
    }
    const overhead = encrypted ? traits.encryptedEncapOverhead ?? traits.encapOverhead : traits.encapOverhead;
    if (!Number.isInteger(nodeInterfaceMtu) || nodeInterfaceMtu <= overhead) {
        throw new Error(`the node interface MTU ${nodeInterfaceMtu} leaves no room for ${cni}'s ${overhead}-byte encapsulation`);
    }
    return nodeInterfaceMtu - overhead;
}

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
