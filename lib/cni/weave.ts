/**
 * Weave Net 2.8.1 on Kubernetes: the weave router (weave-kube image, fast datapath = kernel
 * VXLAN, sleeve as fallback) and weave-npc (NetworkPolicy, ingress and egress), one DaemonSet.
 * Encryption: the weave password from a Secret netlab creates (a Pulumi secret).
 */
import {
    atomicCopy, CniManifestInput, configMap, daemonSet, envOf, fieldEnv, hostPath, imageFor, K8sObject, labelsFor,
    PULL, rbac, rule, XTABLES_MOUNT, XTABLES_VOLUME,
} from "./common";

export const WEAVE_VERSION = "2.8.1";

const CONF = "/etc/cni/net.d/10-weave.conflist";

/** The key of the password in the Secret named by encryption.secretName. */
export const WEAVE_PASSWORD_KEY = "password";

export function renderWeave(input: CniManifestInput): K8sObject[] {
    const labels = labelsFor("weave", "weave-net");
    // What `weave setup-cni` writes, written by netlab instead: the weave-net plugin asks the
    // router for the address (weave IPAM) and sets the MTU of the weave bridge (WEAVE_MTU).
    const conflist = {
        cniVersion: "0.3.0",
        name: "weave",
        plugins: [
            { name: "weave", type: "weave-net", hairpinMode: true },
            { type: "portmap", capabilities: { portMappings: true }, snat: true },
        ],
    };
    const config = { "10-weave.conflist": `${JSON.stringify(conflist, null, 2)}\n` };
    const encrypted = input.encryption?.enabled === true;
    const password = encrypted
        ? [{ name: "WEAVE_PASSWORD", valueFrom: { secretKeyRef: { name: input.encryption?.secretName, key: WEAVE_PASSWORD_KEY } } }]
        : [];
    const plugin = `/opt/cni/bin/weave-plugin-${WEAVE_VERSION}`;
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
        daemonSet({
            name: "weave-net",
            labels,
            serviceAccount: "weave-net",
            config,
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
                command: ["/home/weave/launch.sh"],
                env: [
                    fieldEnv("HOSTNAME", "spec.nodeName"),
                    // The init container above installed the plugin: launch.sh must not.
                    ...envOf({ INIT_CONTAINER: "true", IPALLOC_RANGE: input.podCidr, WEAVE_MTU: String(input.mtu) }),
                    ...password,
                ],
                readinessProbe: { httpGet: { host: "127.0.0.1", path: "/status", port: 6784 } },
                resources: { requests: { cpu: "50m", memory: "100Mi" } },
                // Open vSwitch datapath, iptables, ipsets, IPsec ESP (with a password): privileged, as upstream.
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
                securityContext: { privileged: true },
                volumeMounts: [XTABLES_MOUNT],
            }],
            volumes: [
                hostPath("weavedb", "/var/lib/weave", "DirectoryOrCreate"),
                hostPath("machine-id", "/etc/machine-id", "File"),
                hostPath("dbus", "/var/lib/dbus", "DirectoryOrCreate"),
                hostPath("lib-modules", "/lib/modules"),
                hostPath("cni-bin", "/opt/cni/bin", "DirectoryOrCreate"),
                hostPath("cni-conf-dir", "/etc/cni/net.d", "DirectoryOrCreate"),
                { name: "weave-cni", configMap: { name: "weave-net-cni" } },
                XTABLES_VOLUME,
            ],
        }),
    ];
}
