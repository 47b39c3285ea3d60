/**
 * The CNIs' images as netlab builds them (commands/toolchain.sh kube-images, calico, cilium and
 * weave): their releases, the toolchain's tarballs and every image ref they hold, by CNI.
 */
import { Cni } from "../config";
import { IMAGE_REPOSITORY } from "../kubeadm";
import { traitsOf } from "./traits";
import { WEAVE_VERSION } from "./weave";

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

/** The CNIs built here (commands/toolchain.sh kube-images, calico, cilium and weave): their images, by CNI. */
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
