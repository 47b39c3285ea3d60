/**
 * Canal: flannel (vxlan, --kube-subnet-mgr) carries pod traffic, Calico's Felix enforces
 * NetworkPolicy (calico-node in policy-only mode: CALICO_NETWORKING_BACKEND none). One
 * DaemonSet "canal" with both containers; the Calico CNI plugin with host-local IPAM on the
 * node's podCIDR; calico-kube-controllers as with calico.
 */
import { calicoCrds } from "./calico-crds";
import { CALICO_NODE_RULES, calicoNodeDaemonSet, cniNetworkConfig, cniPluginRbac, kubeControllers } from "./calico";
import {
    CniManifestInput, configMap, FLANNEL_RULES, flannelNetConf, flanneldContainer, imageFor, K8sObject, labelsFor, rbac,
    XTABLES_MOUNT,
} from "./common";

export function renderCanal(input: CniManifestInput): K8sObject[] {
    const labels = labelsFor("canal", "canal");
    const config = {
        typha_service_name: "none",
        calico_backend: "none",
        veth_mtu: String(input.mtu),
        cni_network_config: cniNetworkConfig(input.mtu, { type: "host-local", subnet: "usePodCidr" }),
        // flanneld reads /etc/kube-flannel/net-conf.json: the pod CIDR and the vxlan backend.
        "net-conf.json": flannelNetConf(input.podCidr, input.mtu),
    };
    return [
        ...calicoCrds("canal"),
        ...rbac("canal", labels, [...CALICO_NODE_RULES, ...FLANNEL_RULES]),
        ...cniPluginRbac("canal"),
        configMap("canal-config", labels, config),
        calicoNodeDaemonSet({
            cni: "canal",
            input,
            name: "canal",
            configName: "canal-config",
            config,
            confName: "10-canal.conflist",
            env: {
                CLUSTER_TYPE: "k8s,canal",
                // Felix only: no BGP, no Calico encapsulation, no node IP to detect.
                CALICO_NETWORKING_BACKEND: config.calico_backend,
                USE_POD_CIDR: "true",
                IP: "",
                // The pool describes the pod CIDR flannel serves (no Calico IPAM, no tunnels).
                CALICO_IPV4POOL_CIDR: input.podCidr,
                CALICO_IPV4POOL_IPIP: "Never",
                CALICO_IPV4POOL_VXLAN: "Never",
                FELIX_IPTABLESREFRESHINTERVAL: "60",
            },
            extraContainers: [flanneldContainer(imageFor(input, "flannel"), input.nodeInterface,
                [XTABLES_MOUNT, { name: "flannel-cfg", mountPath: "/etc/kube-flannel/" }])],
            extraVolumes: [{ name: "flannel-cfg", configMap: { name: "canal-config", items: [{ key: "net-conf.json", path: "net-conf.json" }] } }],
        }),
        ...kubeControllers("canal", input),
    ];
}
