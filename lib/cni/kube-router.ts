/**
 * kube-router v2 on Kubernetes (BGP routes between nodes on one L2 network, no overlay;
 * firewall = NetworkPolicy): one DaemonSet, kube-router, with its router and firewall on and its
 * service proxy off (kube-proxy serves Services).
 */
import {
    atomicCopy, CniManifestInput, configMap, daemonSet, fieldEnv, hostPath, installCniConf, K8sObject, labelsFor, PULL, rbac,
    XTABLES_MOUNT, XTABLES_VOLUME,
} from "./common";

const KUBE_ROUTER_CONF = "/etc/cni/net.d/10-kuberouter.conflist";

export function renderKubeRouter(input: CniManifestInput): K8sObject[] {
    const labels = labelsFor("kube-router", "kube-router");
    const conflist = {
        cniVersion: "0.3.0",
        name: "mynet",
        plugins: [
            {
                name: "kubernetes",
                type: "bridge",
                bridge: "kube-bridge",
                isDefaultGateway: true,
                hairpinMode: true,
                mtu: input.mtu,
                // kube-router writes the node's pod subnet (node.spec.podCIDR) in here itself.
                ipam: { type: "host-local" },
            },
            { type: "portmap", capabilities: { portMappings: true }, snat: true },
        ],
    };
    // Compact, as kube-router rewrites it (Go's json.Marshal): the init container finds `"mtu":N` in it.
    const conflistText = JSON.stringify(conflist);
    const config = { "10-kuberouter.conflist": `${conflistText}\n` };
    const mtuMark = `"mtu":${input.mtu}`;
    return [
        ...rbac("kube-router", labels, [
            // What upstream's daemonset/kubeadm-kuberouter.yaml (v2.11.1) grants: its informers, the
            // leases of its leader election, and services/status (LoadBalancer addresses).
            { apiGroups: [""], resources: ["namespaces", "pods", "services", "nodes", "endpoints"], verbs: ["get", "list", "watch"] },
            { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
            { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["get", "list", "watch"] },
            { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] },
            { apiGroups: [""], resources: ["services/status"], verbs: ["update"] },
        ]),
        configMap("kube-router-cfg", labels, config),
        daemonSet({
            name: "kube-router",
            labels,
            serviceAccount: "kube-router",
            config,
            // Only when absent or written for another MTU: kube-router keeps the node's subnet in
            // it, and puts it back on start when the file is fresh.
            initContainers: [installCniConf(input.image,
                `if [ ! -f ${KUBE_ROUTER_CONF} ] || ! grep -qF '${mtuMark}' ${KUBE_ROUTER_CONF}; then `
                + `${atomicCopy("/etc/kube-router/10-kuberouter.conflist", KUBE_ROUTER_CONF)}; fi`,
                { name: "kube-router-cfg", mountPath: "/etc/kube-router" })],
            containers: [{
                name: "kube-router",
                image: input.image,
                imagePullPolicy: PULL,
                command: ["/usr/local/bin/kube-router"],
                // In-cluster config (no --kubeconfig); kube-proxy serves Services, so no service proxy.
                args: [
                    "--enable-ipv4=true",
                    "--enable-ipv6=false",
                    "--run-router=true",
                    "--run-firewall=true",
                    "--run-service-proxy=false",
                    "--bgp-graceful-restart=true",
                    "--enable-overlay=false",
                    "--enable-cni=true",
                    "--auto-mtu=false",
                ],
                env: [
                    fieldEnv("NODE_NAME", "spec.nodeName"),
                    { name: "KUBE_ROUTER_CNI_CONF_FILE", value: KUBE_ROUTER_CONF },
                ],
                livenessProbe: { httpGet: { path: "/healthz", port: 20244 }, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 6 },
                resources: { requests: { cpu: "100m", memory: "100Mi" } },
                // netlink routes/bridges, iptables and ipset need NET_ADMIN (+ NET_RAW for iptables);
                // BGP's port 179 is covered by the runtime's default NET_BIND_SERVICE.
                securityContext: { privileged: false, capabilities: { add: ["NET_ADMIN", "NET_RAW"] } },
                volumeMounts: [
                    { name: "lib-modules", mountPath: "/lib/modules", readOnly: true },
                    { name: "cni-conf-dir", mountPath: "/etc/cni/net.d" },
                    XTABLES_MOUNT,
                ],
            }],
            volumes: [
                hostPath("lib-modules", "/lib/modules"),
                hostPath("cni-conf-dir", "/etc/cni/net.d", "DirectoryOrCreate"),
                { name: "kube-router-cfg", configMap: { name: "kube-router-cfg" } },
                XTABLES_VOLUME,
            ],
        }),
    ];
}
