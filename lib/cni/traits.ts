/**
 * What each CNI is in this lab: its encapsulation overhead, NetworkPolicy, encryption (and what
 * that needs of the hosts' kernel), MTU detection, and what it leaves on the nodes and in the
 * cluster (config files, agent-made objects and CRDs, state folders) for a swap to clean away.
 */
import { Cni, CNIS } from "../config";
import { VXLAN_OVERHEAD } from "./common";
import { WEAVE_SLEEVE_OVERHEAD, WEAVE_SLEEVE_OVERHEAD_ENCRYPTED } from "./weave";

export interface CniTraits {
    /** Bytes of encapsulation overhead per packet on the node interface (flannel vxlan: 50; kube-router direct routing: 0). */
    encapOverhead: number;
    /** The overhead when pod traffic is encrypted (netlab:cniEncryption), where that differs. */
    encryptedEncapOverhead?: number;
    networkPolicy: { ingress: boolean; egress: boolean };
    encryption: boolean;
    /**
     * What the hosts' kernel must have for that encryption (checked on every host before any of
     * the CNI's resources change: host-scripts/cni-kernel-check.sh): esp (IPsec) or wireguard.
     * Unset: nothing (weave's NaCl runs in its router).
     */
    encryptionKernel?: "esp" | "wireguard";
    /** Whether the CNI itself detects the MTU (per the seed: only Cilium and Flannel). */
    detectsMtu: boolean;
    /** Names of the CNI config files it writes in /etc/cni/net.d. */
    confFiles: string[];
    /**
     * Objects in kube-system its agents make themselves (unlabelled), as `kind/name`: deleted
     * with its own objects when it goes (host-scripts/cni-apply.sh).
     */
    agentObjects: string[];
    /**
     * API groups whose CustomResourceDefinitions the agents register themselves (unlabelled):
     * deleted, with every object of theirs, when the CNI goes. (The CRDs netlab applies carry
     * its label and go with its other objects: calico's and canal's, and with them the IP
     * pools, IPAM blocks and Felix settings their agents made.)
     */
    agentCrdGroups: string[];
    /**
     * The host folders the CNI keeps its state in: made by the CNI's host step before it is
     * applied and mounted into its pods with hostPath type Directory, so that once a swap has
     * cleaned them away (host-scripts/cni-host-clean.sh) a kubelet still retrying the old
     * agent's pod cannot make them again.
     */
    stateDirs: string[];
}

export const CNI_TRAITS: Record<Cni, CniTraits> = {
    calico: {
        // Calico docs (MTU page): IP-in-IP 20, VXLAN 50; IP-in-IP is unavailable on the lab nodes, so VXLAN.
        encapOverhead: VXLAN_OVERHEAD,
        // Calico enforces Kubernetes NetworkPolicy in both directions (Felix).
        networkPolicy: { ingress: true, egress: true },
        // Calico docs (MTU page): WireGuard costs 60 bytes (IPv4); pod traffic between WireGuard
        // nodes goes through wireguard.cali instead of VXLAN.
        encryptedEncapOverhead: 60,
        // WireGuard (Felix: wireguardEnabled), where the hosts' kernel has it.
        encryption: true,
        encryptionKernel: "wireguard",
        // Per the seed (newer Calico releases do auto-detect the host MTU too).
        detectsMtu: false,
        // calico-node's install-cni writes the conflist and the kubeconfig the plugin uses.
        confFiles: ["10-calico.conflist", "calico-kubeconfig"],
        agentObjects: [],
        agentCrdGroups: [],
        stateDirs: ["/var/run/calico", "/var/lib/calico", "/var/log/calico/cni", "/var/run/nodeagent"],
    },
    canal: {
        // Canal = flannel VXLAN for the data path (50) + Calico Felix for policy.
        encapOverhead: VXLAN_OVERHEAD,
        networkPolicy: { ingress: true, egress: true },
        encryption: false,
        detectsMtu: false,
        confFiles: ["10-canal.conflist", "calico-kubeconfig"],
        agentObjects: [],
        agentCrdGroups: [],
        stateDirs: ["/var/run/calico", "/var/lib/calico", "/var/log/calico/cni", "/var/run/nodeagent"],
    },
    cilium: {
        // Cilium docs (MTU): VXLAN/Geneve tunnel overhead 50 in its default tunnel mode.
        encapOverhead: VXLAN_OVERHEAD,
        networkPolicy: { ingress: true, egress: true },
        // Cilium IPsec, where the hosts' kernel has ESP (Cilium also adjusts its routes' MTU for it).
        encryption: true,
        encryptionKernel: "esp",
        detectsMtu: true,
        // Cilium >= 1.13 writes 05-cilium.conflist (older releases 05-cilium.conf).
        confFiles: ["05-cilium.conflist"],
        agentObjects: [],
        // The operator registers CiliumNode, CiliumEndpoint, CiliumIdentity and the rest.
        agentCrdGroups: ["cilium.io"],
        stateDirs: ["/var/run/cilium"],
    },
    flannel: {
        // flannel's vxlan backend: pod MTU = interface MTU - 50 (pkg/backend/vxlan: encapOverhead).
        encapOverhead: VXLAN_OVERHEAD,
        // flannel has no NetworkPolicy support.
        networkPolicy: { ingress: false, egress: false },
        // Only with its wireguard/ipsec backends, which the lab nodes cannot run.
        encryption: false,
        detectsMtu: true,
        confFiles: ["10-flannel.conflist"],
        agentObjects: [],
        agentCrdGroups: [],
        stateDirs: ["/run/flannel"],
    },
    "kube-router": {
        // --enable-overlay=false: nodes share one L2 network, pod routes go straight via the peer node (no IPIP).
        encapOverhead: 0,
        // kube-router docs (and its netpol controller) enforce ingress AND egress rules of
        // networking.k8s.io/v1 NetworkPolicy; the seed says "ingress only", which is out of date.
        networkPolicy: { ingress: true, egress: true },
        encryption: false,
        // It can (--auto-mtu), but the seed counts only Cilium and Flannel; netlab passes --auto-mtu=false and sets it.
        detectsMtu: false,
        confFiles: ["10-kuberouter.conflist"],
        agentObjects: [],
        agentCrdGroups: [],
        stateDirs: [],
    },
    weave: {
        // Sleeve (the lab kernels have no Open vSwitch for fast datapath): 62 bytes, 86 with a
        // password (lib/cni/weave.ts). The pods get the weave bridge's MTU (WEAVE_MTU), so auto
        // makes it what a sleeve connection carries: measured 1438 and 1414 on a 1500 network.
        encapOverhead: WEAVE_SLEEVE_OVERHEAD,
        encryptedEncapOverhead: WEAVE_SLEEVE_OVERHEAD_ENCRYPTED,
        // weave-npc enforces ingress and (since Weave Net 2.4) egress rules.
        networkPolicy: { ingress: true, egress: true },
        // Weave password: NaCl for sleeve (IPsec ESP for fast datapath, which the lab nodes lack).
        encryption: true,
        detectsMtu: false,
        // Weave Net >= 2.6 writes 10-weave.conflist (older releases 10-weave.conf).
        confFiles: ["10-weave.conflist"],
        // kube-utils keeps the peer list in the ConfigMap weave-net.
        agentObjects: ["configmap/weave-net"],
        agentCrdGroups: [],
        stateDirs: ["/var/lib/weave"],
    },
};

/** The traits of `cni`; a name that is no CNI of netlab's is refused, naming those that are. */
export function traitsOf(cni: Cni): CniTraits {
    const traits = (CNI_TRAITS as Partial<Record<string, CniTraits>>)[cni];
    if (traits === undefined) {
        throw new Error(`netlab:cni '${String(cni)}' is not one of ${CNIS.join(", ")}`);
    }
    return traits;
}
