/**
 * Cilium (1.16 style): the agent DaemonSet and the operator Deployment, configured by the
 * ConfigMap cilium-config (one option per key, read with --config-dir). VXLAN tunnel,
 * cluster-pool IPAM (the operator hands each node a /24 of the pod CIDR in its CiliumNode),
 * kube-proxy stays (no replacement), no Hubble, no Envoy (L7 proxy off). The operator
 * registers Cilium's CRDs itself. Encryption: IPsec with the keys in the Secret
 * cilium-ipsec-keys, which netlab creates outside this manifest.
 */
import {
    CniManifestInput, configMap, daemonSet, deployment, fieldEnv, hostPath, imageFor, K8sObject, labelsFor, PULL, rbac,
    rule, VXLAN_OVERHEAD, XTABLES_MOUNT, XTABLES_VOLUME,
} from "./common";

/** The Secret with the IPsec keys (key `keys`: "<spi>+ rfc4106(gcm(aes)) <hex key> 128"). */
export const CILIUM_IPSEC_SECRET = "cilium-ipsec-keys";

const CONFIG_DIR = "/tmp/cilium/config-map";
const IPSEC_DIR = "/etc/ipsec";
const CONF = "05-cilium.conflist";

/** The cilium-config options. */
function ciliumConfig(input: CniManifestInput): Record<string, string> {
    const ipsec: Record<string, string> = input.encryption?.enabled === true
        ? { "enable-ipsec": "true", "ipsec-key-file": `${IPSEC_DIR}/keys` }
        : {};
    return {
        "cluster-name": "default",
        "cluster-id": "0",
        "identity-allocation-mode": "crd",
        debug: "false",
        "enable-ipv4": "true",
        "enable-ipv6": "false",
        "routing-mode": "tunnel",
        "tunnel-protocol": "vxlan",
        ipam: "cluster-pool",
        "cluster-pool-ipv4-cidr": input.podCidr,
        "cluster-pool-ipv4-mask-size": "24",
        // kube-proxy (iptables mode) keeps serving Services.
        "kube-proxy-replacement": "false",
        "enable-ipv4-masquerade": "true",
        "enable-bpf-masquerade": "false",
        "install-iptables-rules": "true",
        // Cilium's `mtu` is the underlying device MTU; pod routes get it minus the tunnel's 50.
        // So pod MTU + 50 makes the pod route MTU the pod MTU netlab resolved.
        mtu: String(input.mtu + VXLAN_OVERHEAD),
        "enable-l7-proxy": "false",
        "enable-hubble": "false",
        "enable-policy": "default",
        "enable-endpoint-health-checking": "true",
        "enable-health-checking": "true",
        // Cgroup v2 of the host, mounted by the DaemonSet (no mount-cgroup init container).
        "cgroup-root": "/run/cilium/cgroupv2",
        "bpf-root": "/sys/fs/bpf",
        // The agent writes its CNI config when it is ready (the node turns Ready then), and
        // leaves other CNIs' files alone: netlab's cni-host-clean.sh removes them.
        "write-cni-conf-when-ready": `/host/etc/cni/net.d/${CONF}`,
        "cni-exclusive": "false",
        "cni-log-file": "/var/run/cilium/cilium-cni.log",
        "agent-not-ready-taint-key": "node.cilium.io/agent-not-ready",
        "remove-cilium-node-taints": "true",
        "operator-api-serve-addr": "127.0.0.1:9234",
        ...ipsec,
    };
}

const CONFIG_MOUNT = { name: "cilium-config-path", mountPath: CONFIG_DIR, readOnly: true };
const CONFIG_VOLUME = { name: "cilium-config-path", configMap: { name: "cilium-config" } };
const CILIUM_GROUP = "cilium.io";

export function renderCilium(input: CniManifestInput): K8sObject[] {
    const agentLabels = labelsFor("cilium", "cilium");
    const operatorLabels = labelsFor("cilium", "cilium-operator");
    const config = ciliumConfig(input);
    const ipsec = input.encryption?.enabled === true;
    const podEnv = [fieldEnv("K8S_NODE_NAME", "spec.nodeName"), fieldEnv("CILIUM_K8S_NAMESPACE", "metadata.namespace")];
    return [
        // As upstream's chart (v1.20.2: cilium-agent/clusterrole.yaml, and its Role
        // cilium-config-agent, whose configmaps rule is cluster-wide here).
        ...rbac("cilium", agentLabels, [
            rule(["networking.k8s.io"], ["networkpolicies"], ["get", "list", "watch"]),
            rule(["discovery.k8s.io"], ["endpointslices"], ["get", "list", "watch"]),
            rule([""], ["namespaces", "services", "pods", "endpoints", "nodes", "secrets"], ["get", "list", "watch"]),
            rule([""], ["configmaps"], ["get", "list", "watch"]),
            rule([""], ["events"], ["create", "patch"]),
            rule([""], ["nodes/status"], ["patch"]),
            rule(["coordination.k8s.io"], ["leases"], ["create", "get", "update", "list", "delete"]),
            rule(["policy.networking.k8s.io"], ["clusternetworkpolicies"], ["get", "list"]),
            rule(["apiextensions.k8s.io"], ["customresourcedefinitions"], ["get", "list", "watch"]),
            // CiliumNode, CiliumEndpoint, CiliumIdentity and the policy CRDs (and their status).
            rule([CILIUM_GROUP], ["*"], ["get", "list", "watch", "create", "update", "patch", "delete"]),
        ]),
        ...rbac("cilium-operator", operatorLabels, [
            rule([""], ["pods"], ["get", "list", "watch", "delete"]),
            // Removes the agent-not-ready taint once the agent runs.
            rule([""], ["nodes"], ["get", "list", "watch", "patch", "update"]),
            rule([""], ["nodes/status"], ["patch", "update"]),
            rule([""], ["namespaces", "services", "endpoints"], ["get", "list", "watch"]),
            rule(["discovery.k8s.io"], ["endpointslices"], ["get", "list", "watch"]),
            rule(["networking.k8s.io"], ["networkpolicies"], ["get", "list", "watch"]),
            // The operator registers Cilium's CRDs.
            rule(["apiextensions.k8s.io"], ["customresourcedefinitions"], ["get", "list", "watch", "create", "update"]),
            rule([CILIUM_GROUP], ["*"], ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"]),
            // Leader election.
            rule(["coordination.k8s.io"], ["leases"], ["get", "create", "update"]),
        ]),
        configMap("cilium-config", agentLabels, config),
        daemonSet({
            name: "cilium",
            labels: agentLabels,
            serviceAccount: "cilium",
            config,
            initContainers: [{
                name: "mount-bpf-fs",
                image: input.image,
                imagePullPolicy: PULL,
                command: ["/bin/sh", "-c", "mount | grep -q '/sys/fs/bpf type bpf' || mount -t bpf bpf /sys/fs/bpf"],
                securityContext: { privileged: true },
                volumeMounts: [{ name: "bpf-maps", mountPath: "/sys/fs/bpf", mountPropagation: "Bidirectional" }],
            }, {
                name: "install-cni-binaries",
                image: input.image,
                imagePullPolicy: PULL,
                // netlab pushes only the standard plugins: Cilium's OWN plugin, cilium-cni, is
                // copied into the host's /opt/cni/bin by the image's install-plugin.sh. Nothing else.
                command: ["/install-plugin.sh"],
                securityContext: { privileged: true },
                volumeMounts: [{ name: "cni-bin", mountPath: "/host/opt/cni/bin" }],
            }],
            containers: [{
                name: "cilium-agent",
                image: input.image,
                imagePullPolicy: PULL,
                command: ["cilium-agent"],
                args: [`--config-dir=${CONFIG_DIR}`],
                env: podEnv,
                readinessProbe: {
                    httpGet: { host: "127.0.0.1", path: "/healthz", port: 9879, httpHeaders: [{ name: "brief", value: "true" }] },
                    periodSeconds: 30,
                    failureThreshold: 3,
                },
                resources: { requests: { cpu: "100m", memory: "256Mi" } },
                // BPF, netlink, iptables, XFRM (IPsec): privileged.
                securityContext: { privileged: true },
                volumeMounts: [
                    { name: "bpf-maps", mountPath: "/sys/fs/bpf", mountPropagation: "HostToContainer" },
                    { name: "cilium-cgroup", mountPath: "/run/cilium/cgroupv2" },
                    { name: "cilium-run", mountPath: "/var/run/cilium" },
                    { name: "cilium-netns", mountPath: "/var/run/cilium/netns", mountPropagation: "HostToContainer" },
                    { name: "cni-conf-dir", mountPath: "/host/etc/cni/net.d" },
                    { name: "lib-modules", mountPath: "/lib/modules", readOnly: true },
                    XTABLES_MOUNT,
                    CONFIG_MOUNT,
                    ...(ipsec ? [{ name: "cilium-ipsec-secrets", mountPath: IPSEC_DIR, readOnly: true }] : []),
                ],
            }],
            volumes: [
                hostPath("bpf-maps", "/sys/fs/bpf", "DirectoryOrCreate"),
                hostPath("cilium-cgroup", "/sys/fs/cgroup", "Directory"),
                // Its state folder: made by netlab's host step (CNI_TRAITS stateDirs).
                hostPath("cilium-run", "/var/run/cilium", "Directory"),
                hostPath("cilium-netns", "/var/run/netns", "DirectoryOrCreate"),
                hostPath("cni-bin", "/opt/cni/bin", "DirectoryOrCreate"),
                hostPath("cni-conf-dir", "/etc/cni/net.d", "DirectoryOrCreate"),
                hostPath("lib-modules", "/lib/modules"),
                XTABLES_VOLUME,
                CONFIG_VOLUME,
                ...(ipsec ? [{ name: "cilium-ipsec-secrets", secret: { secretName: CILIUM_IPSEC_SECRET } }] : []),
            ],
        }),
        deployment({
            name: "cilium-operator",
            labels: operatorLabels,
            serviceAccount: "cilium-operator",
            config,
            priorityClassName: "system-cluster-critical",
            initContainers: [],
            containers: [{
                name: "cilium-operator",
                image: imageFor(input, "cilium-operator"),
                imagePullPolicy: PULL,
                command: ["cilium-operator-generic"],
                args: [`--config-dir=${CONFIG_DIR}`],
                env: podEnv,
                livenessProbe: { httpGet: { host: "127.0.0.1", path: "/healthz", port: 9234 }, initialDelaySeconds: 60, periodSeconds: 10 },
                resources: { requests: { cpu: "50m", memory: "64Mi" } },
                volumeMounts: [CONFIG_MOUNT],
            }],
            volumes: [CONFIG_VOLUME],
        }),
    ];
}
