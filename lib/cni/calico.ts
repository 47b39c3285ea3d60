/**
 * Calico (3.27 style, manifest install, Kubernetes datastore, iptables dataplane): VXLAN
 * always (no BGP, no IP-in-IP), calico-ipam. calico-node (Felix) on every node, its
 * install-cni init container writing the conflist and the plugin's kubeconfig, and
 * calico-kube-controllers. The parts calico and canal share are exported for lib/cni/canal.ts.
 */
import { Cni } from "../config";
import { calicoCrds, CALICO_GROUP, POLICY_API_GROUP } from "./calico-crds";
import {
    CniManifestInput, configMap, daemonSet, deployment, envOf, fieldEnv, hostPath, imageFor, K8sObject, labelsFor, PULL,
    rbac, rule, XTABLES_MOUNT, XTABLES_VOLUME,
} from "./common";

/** The ServiceAccount whose tokens calico-node mints for the CNI plugin's kubeconfig (Calico >= 3.26). */
const CNI_PLUGIN_SA = "calico-cni-plugin";

/** What calico-node (Felix + its startup) reads and writes; canal's agent gets the same. */
export const CALICO_NODE_RULES: K8sObject[] = [
    rule([""], ["pods", "nodes", "namespaces", "serviceaccounts", "endpoints", "services"], ["get", "list", "watch"]),
    rule([""], ["nodes/status", "pods/status"], ["patch", "update"]),
    rule([""], ["configmaps"], ["get"]),
    rule(["discovery.k8s.io"], ["endpointslices"], ["get", "list", "watch"]),
    rule(["networking.k8s.io"], ["networkpolicies"], ["get", "list", "watch"]),
    rule([POLICY_API_GROUP], ["adminnetworkpolicies", "baselineadminnetworkpolicies"], ["list", "watch"]),
    rule(["apps"], ["daemonsets"], ["get"]),
    rule([CALICO_GROUP], ["*"], ["get", "list", "watch"]),
    rule([CALICO_GROUP], ["ippools", "felixconfigurations", "clusterinformations", "bgpconfigurations", "bgppeers", "caliconodestatuses", "ipamconfigs"],
        ["create", "update"]),
    // Felix makes the default Tier (Calico >= 3.28).
    rule([CALICO_GROUP], ["tiers"], ["create"]),
    rule([CALICO_GROUP], ["blockaffinities", "ipamblocks", "ipamhandles"], ["create", "update", "delete"]),
    // Tokens for the CNI plugin's kubeconfig.
    rule([""], ["serviceaccounts/token"], ["create"], [CNI_PLUGIN_SA]),
];

/** The ServiceAccount and rights of the Calico CNI plugin (IPAM, pod annotations). */
export function cniPluginRbac(cni: Cni): K8sObject[] {
    return rbac(CNI_PLUGIN_SA, labelsFor(cni, CNI_PLUGIN_SA), [
        rule([""], ["pods", "nodes", "namespaces"], ["get"]),
        rule([""], ["pods/status"], ["patch"]),
        rule([CALICO_GROUP], ["blockaffinities", "ipamblocks", "ipamhandles", "clusterinformations", "ippools", "ipreservations", "ipamconfigs"],
            ["get", "list", "create", "update", "delete"]),
    ]);
}

/** calico-kube-controllers: garbage-collects IPAM and nodes (node controller only). */
export function kubeControllers(cni: Cni, input: CniManifestInput): K8sObject[] {
    const labels = labelsFor(cni, "calico-kube-controllers");
    const env = { ENABLED_CONTROLLERS: "node", DATASTORE_TYPE: "kubernetes" };
    return [
        ...rbac("calico-kube-controllers", labels, [
            rule([""], ["nodes", "pods"], ["get", "list", "watch"]),
            rule([CALICO_GROUP], ["ipreservations", "ippools"], ["list", "watch"]),
            rule([CALICO_GROUP], ["blockaffinities", "ipamblocks", "ipamhandles", "ipamconfigs", "tiers", "hostendpoints"],
                ["get", "list", "watch", "create", "update", "delete"]),
            rule([CALICO_GROUP], ["clusterinformations", "kubecontrollersconfigurations"], ["get", "list", "watch", "create", "update"]),
        ]),
        deployment({
            name: "calico-kube-controllers",
            labels,
            serviceAccount: "calico-kube-controllers",
            config: env,
            // On the pod network, as upstream: it starts once calico-node has.
            hostNetwork: false,
            priorityClassName: "system-cluster-critical",
            initContainers: [],
            containers: [{
                name: "calico-kube-controllers",
                image: imageFor(input, "calico-kube-controllers"),
                imagePullPolicy: PULL,
                env: envOf(env),
                livenessProbe: { exec: { command: ["/usr/bin/check-status", "-l"] }, periodSeconds: 10, failureThreshold: 6 },
                readinessProbe: { exec: { command: ["/usr/bin/check-status", "-r"] }, periodSeconds: 10 },
            }],
            volumes: [],
        }),
    ];
}

/**
 * The CNI config template install-cni fills in (__KUBERNETES_NODE_NAME__,
 * __KUBECONFIG_FILEPATH__); the MTU is written in as a number. No bandwidth plugin: netlab
 * pushes only the standard plugins (bridge, host-local, loopback, portmap, flannel).
 */
export function cniNetworkConfig(mtu: number, ipam: Record<string, string>): string {
    return `${JSON.stringify({
        name: "k8s-pod-network",
        cniVersion: "0.3.1",
        plugins: [
            {
                type: "calico",
                log_level: "info",
                log_file_path: "/var/log/calico/cni/cni.log",
                datastore_type: "kubernetes",
                nodename: "__KUBERNETES_NODE_NAME__",
                mtu,
                ipam,
                policy: { type: "k8s" },
                kubernetes: { kubeconfig: "__KUBECONFIG_FILEPATH__" },
            },
            { type: "portmap", snat: true, capabilities: { portMappings: true } },
        ],
    }, null, 2)}\n`;
}

/** Every binary the calico/cni image carries except Calico's own calico and calico-ipam. */
const NOT_CALICO_BINARIES = ["bandwidth", "flannel", "host-local", "loopback", "portmap", "tuning", "install"];

export interface CalicoNodeSpec {
    cni: Cni;
    input: CniManifestInput;
    /** The DaemonSet and ServiceAccount name (calico-node, canal). */
    name: string;
    /** The ConfigMap holding cni_network_config. */
    configName: string;
    config: Record<string, string>;
    /** The conf file install-cni writes: CNI_TRAITS[cni].confFiles[0]. */
    confName: string;
    /** calico-node's env (after DATASTORE_TYPE, WAIT_FOR_DATASTORE and NODENAME). */
    env: Record<string, string>;
    /** More containers in the pod (canal: flannel). */
    extraContainers: K8sObject[];
    extraVolumes: K8sObject[];
}

/** The calico-node DaemonSet: install-cni, then calico-node. */
export function calicoNodeDaemonSet(s: CalicoNodeSpec): K8sObject {
    const labels = labelsFor(s.cni, s.name);
    return daemonSet({
        name: s.name,
        labels,
        serviceAccount: s.name,
        config: s.config,
        initContainers: [{
            name: "install-cni",
            image: imageFor(s.input, "calico-cni"),
            imagePullPolicy: PULL,
            // netlab pushes only the standard plugins: install copies Calico's OWN plugins
            // (calico, calico-ipam) into the host's /opt/cni/bin (SKIP_CNI_BINARIES keeps the
            // standard ones the image also carries out), then writes the conflist and kubeconfig.
            command: ["/opt/cni/bin/install"],
            env: [
                fieldEnv("KUBERNETES_NODE_NAME", "spec.nodeName"),
                ...envOf({ CNI_CONF_NAME: s.confName, SLEEP: "false", SKIP_CNI_BINARIES: NOT_CALICO_BINARIES.join(",") }),
                { name: "CNI_NETWORK_CONFIG", valueFrom: { configMapKeyRef: { name: s.configName, key: "cni_network_config" } } },
            ],
            securityContext: { privileged: true },
            volumeMounts: [
                { name: "cni-bin", mountPath: "/host/opt/cni/bin" },
                { name: "cni-conf-dir", mountPath: "/host/etc/cni/net.d" },
            ],
        }],
        containers: [{
            name: "calico-node",
            image: s.input.image,
            imagePullPolicy: PULL,
            env: [
                ...envOf({ DATASTORE_TYPE: "kubernetes", WAIT_FOR_DATASTORE: "true" }),
                fieldEnv("NODENAME", "spec.nodeName"),
                ...envOf({
                    ...s.env,
                    CALICO_DISABLE_FILE_LOGGING: "true",
                    FELIX_DEFAULTENDPOINTTOHOSTACTION: "ACCEPT",
                    FELIX_IPV6SUPPORT: "false",
                    FELIX_HEALTHENABLED: "true",
                    // iptables dataplane: no XDP (its programs need bpftool, which the image lacks).
                    FELIX_XDPENABLED: "false",
                }),
            ],
            // As upstream: Felix removes its dataplane state gracefully when the pod stops.
            lifecycle: { preStop: { exec: { command: ["/bin/calico-node", "-shutdown"] } } },
            livenessProbe: { exec: { command: ["/bin/calico-node", "-felix-live"] }, periodSeconds: 10, initialDelaySeconds: 10, failureThreshold: 6 },
            readinessProbe: { exec: { command: ["/bin/calico-node", "-felix-ready"] }, periodSeconds: 10 },
            resources: { requests: { cpu: "250m" } },
            securityContext: { privileged: true },
            volumeMounts: [
                // Writable, as upstream: calico-node's `cni` service refreshes the plugin's token in calico-kubeconfig.
                { name: "cni-conf-dir", mountPath: "/host/etc/cni/net.d" },
                { name: "lib-modules", mountPath: "/lib/modules", readOnly: true },
                XTABLES_MOUNT,
                { name: "var-run-calico", mountPath: "/var/run/calico" },
                { name: "var-lib-calico", mountPath: "/var/lib/calico" },
                { name: "policysync", mountPath: "/var/run/nodeagent" },
                { name: "cni-log-dir", mountPath: "/var/log/calico/cni", readOnly: true },
            ],
        }, ...s.extraContainers],
        volumes: [
            hostPath("lib-modules", "/lib/modules"),
            // Its state folders: made by netlab's host step (CNI_TRAITS stateDirs).
            hostPath("var-run-calico", "/var/run/calico", "Directory"),
            hostPath("var-lib-calico", "/var/lib/calico", "Directory"),
            XTABLES_VOLUME,
            hostPath("cni-bin", "/opt/cni/bin", "DirectoryOrCreate"),
            hostPath("cni-conf-dir", "/etc/cni/net.d", "DirectoryOrCreate"),
            hostPath("cni-log-dir", "/var/log/calico/cni", "Directory"),
            hostPath("policysync", "/var/run/nodeagent", "Directory"),
            ...s.extraVolumes,
        ],
    });
}

export function renderCalico(input: CniManifestInput): K8sObject[] {
    const labels = labelsFor("calico", "calico-node");
    const config = {
        typha_service_name: "none",
        calico_backend: "vxlan",
        veth_mtu: String(input.mtu),
        cni_network_config: cniNetworkConfig(input.mtu, { type: "calico-ipam" }),
    };
    return [
        ...calicoCrds("calico"),
        ...rbac("calico-node", labels, CALICO_NODE_RULES),
        ...cniPluginRbac("calico"),
        configMap("calico-config", labels, config),
        calicoNodeDaemonSet({
            cni: "calico",
            input,
            name: "calico-node",
            configName: "calico-config",
            config,
            confName: "10-calico.conflist",
            env: {
                CLUSTER_TYPE: "k8s",
                CALICO_NETWORKING_BACKEND: config.calico_backend,
                IP: "autodetect",
                IP_AUTODETECTION_METHOD: `interface=${input.nodeInterface}`,
                CALICO_IPV4POOL_CIDR: input.podCidr,
                CALICO_IPV4POOL_IPIP: "Never",
                CALICO_IPV4POOL_VXLAN: "Always",
                CALICO_IPV6POOL_VXLAN: "Never",
                // The VXLAN device's MTU; the veths get the conflist's `mtu` (the same).
                FELIX_VXLANMTU: config.veth_mtu,
                // Encryption: WireGuard between the nodes, at the same MTU (netlab:cniEncryption).
                ...(input.encryption?.enabled === true ? { FELIX_WIREGUARDENABLED: "true", FELIX_WIREGUARDMTU: config.veth_mtu } : {}),
            },
            extraContainers: [],
            extraVolumes: [],
        }),
        ...kubeControllers("calico", input),
    ];
}
