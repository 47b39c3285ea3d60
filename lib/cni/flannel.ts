/**
 * flannel (vxlan, --kube-subnet-mgr) on Kubernetes: one DaemonSet, kube-flannel-ds, whose init
 * container puts the CNI config in place (the flannel plugin delegates to bridge, cni0) and
 * whose flanneld carries pod traffic over VXLAN. No NetworkPolicy, no encryption here.
 */
import {
    atomicCopy, CniManifestInput, configMap, daemonSet, FLANNEL_RULES, flannelNetConf, flanneldContainer, hostPath, installCniConf, K8sObject,
    labelsFor, rbac, XTABLES_MOUNT, XTABLES_VOLUME,
} from "./common";

const FLANNEL_CONF = "/etc/cni/net.d/10-flannel.conflist";

export function renderFlannel(input: CniManifestInput): K8sObject[] {
    const labels = labelsFor("flannel", "flannel");
    const cniConf = {
        name: "cbr0",
        cniVersion: "0.3.1",
        plugins: [
            // The flannel plugin reads /run/flannel/subnet.env and delegates to bridge (cni0);
            // an `mtu` in the delegate wins over flannel's FLANNEL_MTU.
            { type: "flannel", delegate: { hairpinMode: true, isDefaultGateway: true, mtu: input.mtu } },
            { type: "portmap", capabilities: { portMappings: true } },
        ],
    };
    const config = { "cni-conf.json": `${JSON.stringify(cniConf, null, 2)}\n`, "net-conf.json": flannelNetConf(input.podCidr, input.mtu) };
    return [
        ...rbac("flannel", labels, FLANNEL_RULES),
        configMap("kube-flannel-cfg", labels, config),
        daemonSet({
            name: "kube-flannel-ds",
            labels,
            serviceAccount: "flannel",
            config,
            // Config only (the plugin binaries are already on the node): write, then rename into place.
            initContainers: [installCniConf(input.image, atomicCopy("/etc/kube-flannel/cni-conf.json", FLANNEL_CONF),
                { name: "flannel-cfg", mountPath: "/etc/kube-flannel/" })],
            containers: [flanneldContainer(input.image, input.nodeInterface, [
                { name: "run-flannel", mountPath: "/run/flannel" },
                { name: "flannel-cfg", mountPath: "/etc/kube-flannel/" },
                XTABLES_MOUNT,
            ])],
            volumes: [
                hostPath("run-flannel", "/run/flannel", "Directory"),
                hostPath("cni-conf-dir", "/etc/cni/net.d", "DirectoryOrCreate"),
                { name: "flannel-cfg", configMap: { name: "kube-flannel-cfg" } },
                XTABLES_VOLUME,
            ],
        }),
    ];
}
