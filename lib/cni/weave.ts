/**
 * Weave Net 2.9.0 (rajch/weave, the maintained fork) on Kubernetes: the weave router
 * (weave-kube image) and weave-npc (NetworkPolicy, ingress and egress), one DaemonSet, from
 * the images commands/toolchain.sh weave builds. The lab kernels have no Open vSwitch, so the
 * router runs sleeve only (WEAVE_NO_FASTDP: no fast datapath attempt). Encryption: the weave
 * password from a Secret netlab creates (a Pulumi secret); sleeve then seals every packet
 * with NaCl.
 */
import {
    atomicCopy, CniManifestInput, configMap, daemonSet, envOf, fieldEnv, hostPath, imageFor, K8sObject, labelsFor,
    PULL, rbac, rule, XTABLES_MOUNT, XTABLES_VOLUME,
} from "./common";

/** The Weave Net release netlab runs (the toolchain's WEAVE_VERSION, toolchain/versions.env). */
export const WEAVE_VERSION = "2.9.0";

const CONF = "/etc/cni/net.d/10-weave.conflist";

/** The key of the password in the Secret named by encryption.secretName. */
export const WEAVE_PASSWORD_KEY = "password";

/**
 * Sleeve's overhead per packet on the node interface (router/sleeve.go, router/frame_crypto.go):
 * outer IPv4 + UDP 28, the sender's peer name 6, per frame source and destination peer names
 * 6 + 6 and a length 2, the inner Ethernet header 14: 62. With a password, NaCl adds a sequence
 * number 8 and secretbox's 16: 86. (Fast datapath's VXLAN would be 50, but it needs Open vSwitch.)
 */
export const WEAVE_SLEEVE_OVERHEAD = 62;
export const WEAVE_SLEEVE_OVERHEAD_ENCRYPTED = 86;

/** The annotation that carries the password Secret's resourceVersion: a new password rolls the agents. */
export const WEAVE_SECRET_VERSION_ANNOTATION = "netlab.io/weave-secret-version";

export function renderWeave(input: CniManifestInput): K8sObject[] {
    const labels = labelsFor("weave", "weave-net");
    // What `weave setup-cni` (weave 2.9.0) writes, written by netlab instead: the weave-net
    // plugin asks the router for the address (weave IPAM) and gives the pod the weave bridge's
    // MTU (WEAVE_MTU).
    const conflist = {
        cniVersion: "1.0.0",
        name: "weave",
        disableCheck: true,
        plugins: [
            { name: "weave", type: "weave-net", hairpinMode: true },
            { type: "portmap", capabilities: { portMappings: true }, snat: true },
        ],
    };
    const encrypted = input.encryption?.enabled === true;
    const config = { "10-weave.conflist": `${JSON.stringify(conflist, null, 2)}\n` };
    const secretVersion = encrypted ? input.encryption?.secretVersion : undefined;
    const password = encrypted
        ? [{ name: "WEAVE_PASSWORD", valueFrom: { secretKeyRef: { name: input.encryption?.secretName, key: WEAVE_PASSWORD_KEY } } }]
        : [];
    const plugin = `/opt/cni/bin/weave-plugin-${WEAVE_VERSION}`;
    const ds = daemonSet({
        name: "weave-net",
        labels,
        serviceAccount: "weave-net",
        config,
        // The router reads the password at start: a new password (a new resourceVersion of its Secret) rolls the agents.
        annotations: secretVersion === undefined ? undefined : { [WEAVE_SECRET_VERSION_ANNOTATION]: secretVersion },
        // launch.sh's shell is the router container's PID 1 and runs the weaver as its child: it
        // ignores SIGTERM, so the kubelet's whole grace period is always waited out (30 s by default).
        terminationGracePeriodSeconds: 5,
        initContainers: [{
            name: "install-cni",
            image: input.image,
            imagePullPolicy: PULL,
            // netlab pushes only the standard plugins: weave's OWN plugin (weaveutil, which acts
            // as weave-net and weave-ipam by the name it is called by) is copied into
            // /opt/cni/bin here, as weave-kube's init.sh does; then the conflist is put in place.
            command: ["/bin/sh", "-c", "set -eu; "
                + `${atomicCopy("/usr/bin/weaveutil", plugin)}; `
                + `ln -sf weave-plugin-${WEAVE_VERSION} /opt/cni/bin/weave-net; ln -sf weave-plugin-${WEAVE_VERSION} /opt/cni/bin/weave-ipam; `
                + atomicCopy("/etc/weave-cni/10-weave.conflist", CONF)],
            volumeMounts: [
                { name: "cni-bin", mountPath: "/opt/cni/bin" },
                { name: "cni-conf-dir", mountPath: "/etc/cni/net.d" },
                { name: "weave-cni", mountPath: "/etc/weave-cni" },
            ],
        }],
        containers: [{
            name: "weave",
            image: input.image,
            imagePullPolicy: PULL,
            // weave-kube's launch.sh (prog/weave-kube/launch.sh, copied to /home/weave by the image).
            command: ["/home/weave/launch.sh"],
            env: [
                fieldEnv("HOSTNAME", "spec.nodeName"),
                ...envOf({
                    // The init container above installed the plugin: launch.sh must not.
                    INIT_CONTAINER: "true",
                    IPALLOC_RANGE: input.podCidr,
                    // The weave bridge's MTU, which every pod's eth0 gets.
                    WEAVE_MTU: String(input.mtu),
                    // launch.sh passes --no-fastdp: sleeve at once, no Open vSwitch datapath tried.
                    WEAVE_NO_FASTDP: "1",
                    // No update checks against Weaveworks' (defunct) checkpoint service.
                    CHECKPOINT_DISABLE: "1",
                }),
                ...password,
            ],
            readinessProbe: { httpGet: { host: "127.0.0.1", path: "/status", port: 6784 } },
            resources: { requests: { cpu: "50m", memory: "100Mi" } },
            // The bridge, veths, iptables and ipsets, and the bridge's sysctls (/proc/sys
            // writable): privileged, as upstream. containerd gives a privileged container the
            // capabilities of its own bounding set, so the hosts' missing CAP_SYS_RESOURCE is
            // no obstacle.
            securityContext: { privileged: true },
            volumeMounts: [
                { name: "weavedb", mountPath: "/weavedb" },
                { name: "machine-id", mountPath: "/host/etc/machine-id", readOnly: true },
                { name: "dbus", mountPath: "/host/var/lib/dbus", readOnly: true },
                { name: "lib-modules", mountPath: "/lib/modules", readOnly: true },
                XTABLES_MOUNT,
            ],
        }, {
            name: "weave-npc",
            image: imageFor(input, "weave-npc"),
            imagePullPolicy: PULL,
            env: [fieldEnv("HOSTNAME", "spec.nodeName")],
            resources: { requests: { cpu: "50m", memory: "50Mi" } },
            // iptables, ipsets and ulogd's NFLOG socket: privileged, as upstream.
            securityContext: { privileged: true },
            volumeMounts: [XTABLES_MOUNT],
        }],
        volumes: [
            hostPath("weavedb", "/var/lib/weave", "Directory"),
            hostPath("machine-id", "/etc/machine-id", "File"),
            hostPath("dbus", "/var/lib/dbus", "DirectoryOrCreate"),
            hostPath("lib-modules", "/lib/modules"),
            hostPath("cni-bin", "/opt/cni/bin", "DirectoryOrCreate"),
            hostPath("cni-conf-dir", "/etc/cni/net.d", "DirectoryOrCreate"),
            { name: "weave-cni", configMap: { name: "weave-net-cni" } },
            XTABLES_VOLUME,
        ],
    });
    return [
        ...rbac("weave-net", labels, [
            rule([""], ["pods", "namespaces", "nodes"], ["get", "list", "watch"]),
            rule(["networking.k8s.io"], ["networkpolicies"], ["get", "list", "watch"]),
            // The router marks its node's NetworkUnavailable condition false.
            rule([""], ["nodes/status"], ["patch", "update"]),
        ], [
            // The peer list and IPAM ring's checkpoint live in the ConfigMap weave-net.
            rule([""], ["configmaps"], ["get", "update"], ["weave-net"]),
            rule([""], ["configmaps"], ["create"]),
        ]),
        configMap("weave-net-cni", labels, config),
        ds,
    ];
}
