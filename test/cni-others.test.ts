/**
 * The manifests of the CNIs with more than one image: weave, cilium, calico and canal.
 * weave's own details: test/cni-weave.test.ts.
 */
import * as assert from "assert";
import {
    CNI_IMAGE_ROLES, CNI_LABEL, CNI_TRAITS, CniManifestInput, cniManifest, cniManifestJson, cniMtuFor, K8sObject,
} from "../lib/cni";
import { Cni } from "../lib/config";

const OTHERS: Cni[] = ["weave", "cilium", "calico", "canal"];
const R = "localhost/netlab";
const MAIN: Record<string, string> = {
    weave: `${R}/weave-kube:2.9.0`,
    cilium: `${R}/cilium:v1.16.5`,
    calico: `${R}/calico-node:v3.27.4`,
    canal: `${R}/calico-node:v3.27.4`,
};
const ROLE_IMAGES: Record<string, string> = {
    "weave-npc": `${R}/weave-npc:2.9.0`,
    "cilium-operator": `${R}/cilium-operator-generic:v1.16.5`,
    "calico-cni": `${R}/calico-cni:v3.27.4`,
    "calico-kube-controllers": `${R}/calico-kube-controllers:v3.27.4`,
    flannel: `${R}/flannel:v0.28.10`,
};
const imagesOf = (cni: Cni): Record<string, string> => Object.fromEntries(CNI_IMAGE_ROLES[cni].map((r) => [r, ROLE_IMAGES[r]]));
const input = (cni: Cni, over: Partial<CniManifestInput> = {}): CniManifestInput => ({
    podCidr: "10.244.0.0/16",
    mtu: cniMtuFor(cni, "auto", 1500),
    image: MAIN[cni],
    images: imagesOf(cni),
    nodeInterface: "eth0",
    ...over,
});

interface EnvVar {
    name: string;
    value?: string;
    valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}
interface Container { name: string; image: string; imagePullPolicy: string; command?: string[]; args?: string[]; env?: EnvVar[]; volumeMounts?: { name: string; mountPath: string }[] }
interface Volume { name: string; hostPath?: { path: string }; secret?: { secretName: string }; configMap?: { name: string } }
interface PodSpec {
    hostNetwork: boolean; priorityClassName: string; serviceAccountName: string; tolerations: unknown[];
    initContainers: Container[]; containers: Container[]; volumes: Volume[];
}
interface Workload { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: PodSpec } }
interface Obj {
    apiVersion: string; kind: string;
    metadata: { name: string; namespace?: string; labels: Record<string, string> };
    data?: Record<string, string>;
    spec?: Workload & { scope?: string; group?: string; names?: { plural: string } };
    subjects?: { name: string }[];
    roleRef?: { kind: string; name: string };
}
interface Conf { name: string; cniVersion: string; plugins: { type: string; [k: string]: unknown }[] }

const CLUSTER_SCOPED = ["ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"];
const objsOf = (list: K8sObject[]): Obj[] => list as unknown as Obj[];
const named = (objs: Obj[], kind: string, name: string): Obj => {
    const found = objs.filter((o) => o.kind === kind && o.metadata.name === name);
    assert.strictEqual(found.length, 1, `one ${kind} ${name}`);
    return found[0];
};
const workloads = (objs: Obj[]): Obj[] => objs.filter((o) => o.kind === "DaemonSet" || o.kind === "Deployment");
const podsOf = (objs: Obj[]): PodSpec[] => workloads(objs).map((w) => w.spec?.template.spec as PodSpec);
const containersOf = (objs: Obj[]): Container[] => podsOf(objs).flatMap((p) => [...p.initContainers, ...p.containers]);
const agentOf = (objs: Obj[]): PodSpec => {
    const ds = objs.filter((o) => o.kind === "DaemonSet");
    assert.strictEqual(ds.length, 1, "one DaemonSet");
    return ds[0].spec?.template.spec as PodSpec;
};
const containerOf = (objs: Obj[], name: string): Container => {
    const c = containersOf(objs).find((x) => x.name === name);
    assert.ok(c, `container ${name}`);
    return c;
};
const envOf = (c: Container, name: string): EnvVar | undefined => (c.env ?? []).find((e) => e.name === name);
const dataOf = (objs: Obj[], name: string): Record<string, string> => named(objs, "ConfigMap", name).data ?? {};

const DEPLOYMENTS: Record<string, string[]> = {
    weave: [], cilium: ["cilium-operator"], calico: ["calico-kube-controllers"], canal: ["calico-kube-controllers"],
};

describe("cni: the CNIs with more than one image (weave, cilium, calico, canal)", () => {
    for (const cni of OTHERS) {
        describe(`${cni} manifest`, () => {
            const objs = objsOf(cniManifest(cni, input(cni)));

            it("labels every object and pod template, kube-system unless cluster-scoped", () => {
                for (const o of objs) {
                    assert.strictEqual(o.metadata.labels[CNI_LABEL], cni, `${o.kind} ${o.metadata.name}`);
                    assert.strictEqual(o.metadata.namespace, CLUSTER_SCOPED.includes(o.kind) ? undefined : "kube-system", `${o.kind} ${o.metadata.name}`);
                }
                for (const w of workloads(objs)) {
                    const spec = w.spec as Workload;
                    assert.strictEqual(spec.template.metadata.labels[CNI_LABEL], cni);
                    assert.match(spec.template.metadata.annotations["netlab.io/config-hash"], /^[0-9a-f]{16}$/);
                    for (const [k, v] of Object.entries(spec.selector.matchLabels)) {
                        assert.strictEqual(spec.template.metadata.labels[k], v);
                    }
                }
                assert.deepStrictEqual(objs.filter((o) => o.kind === "Deployment").map((o) => o.metadata.name), DEPLOYMENTS[cni]);
            });

            it("binds every ServiceAccount a pod runs as, and every binding names an object of the manifest", () => {
                const sas = objs.filter((o) => o.kind === "ServiceAccount").map((o) => o.metadata.name);
                for (const p of podsOf(objs)) {
                    assert.ok(sas.includes(p.serviceAccountName), p.serviceAccountName);
                }
                for (const b of objs.filter((o) => o.kind.endsWith("Binding"))) {
                    named(objs, b.roleRef?.kind ?? "", b.roleRef?.name ?? "");
                    assert.ok(sas.includes(b.subjects?.[0].name ?? ""), b.metadata.name);
                }
            });

            it("runs the agent on the host network on every node at node-critical priority", () => {
                const agent = agentOf(objs);
                assert.strictEqual(agent.hostNetwork, true);
                assert.strictEqual(agent.priorityClassName, "system-node-critical");
                for (const p of podsOf(objs)) {
                    assert.deepStrictEqual(p.tolerations, [{ operator: "Exists" }]);
                }
            });

            it("runs only the images it was given, never pulled", () => {
                const given = [MAIN[cni], ...Object.values(imagesOf(cni))].sort();
                const used = containersOf(objs).map((c) => c.image);
                assert.deepStrictEqual([...new Set(used)].sort(), given);
                for (const c of containersOf(objs)) {
                    assert.strictEqual(c.imagePullPolicy, "Never", c.name);
                }
                // Every "image" anywhere in the objects, not only in the containers found above.
                const anywhere = [...JSON.stringify(objs).matchAll(/"image":"([^"]+)"/g)].map((m) => m[1]);
                assert.deepStrictEqual([...new Set(anywhere)].sort(), given);
            });

            it("mounts only declared volumes; only the CNI's own plugin install touches /opt/cni/bin", () => {
                for (const p of podsOf(objs)) {
                    const names = p.volumes.map((v) => v.name);
                    for (const c of [...p.initContainers, ...p.containers]) {
                        for (const m of c.volumeMounts ?? []) {
                            assert.ok(names.includes(m.name), `${c.name}: ${m.name}`);
                        }
                    }
                }
                const binVolumes = podsOf(objs).flatMap((p) => p.volumes).filter((v) => v.hostPath?.path === "/opt/cni/bin").map((v) => v.name);
                assert.deepStrictEqual(binVolumes, ["cni-bin"]);
                const users = containersOf(objs).filter((c) => (c.volumeMounts ?? []).some((m) => m.name === "cni-bin")).map((c) => c.name);
                assert.strictEqual(users.length, 1, `one installer: ${users.join(", ")}`);
                assert.strictEqual(agentOf(objs).initContainers.find((c) => c.name === users[0])?.name, users[0], "an init container");
            });

            it("a new MTU rolls the agent; the List JSON parses", () => {
                // The MTU is in the ConfigMap (config hash) or the pod's env: either way the pod template changes.
                const template = (o: Obj[]): string => JSON.stringify((o.find((x) => x.kind === "DaemonSet")?.spec as Workload).template);
                assert.notStrictEqual(template(objsOf(cniManifest(cni, input(cni, { mtu: 1400 })))), template(objs));
                const list = JSON.parse(cniManifestJson(cni, input(cni))) as { apiVersion: string; kind: string; items: unknown[] };
                assert.strictEqual(list.kind, "List");
                assert.deepStrictEqual(list.items, objs);
            });

            it("refuses to render without its other images", () => {
                assert.throws(() => cniManifest(cni, input(cni, { images: {} })), new RegExp(CNI_IMAGE_ROLES[cni][0]));
            });
        });
    }

    describe("cilium", () => {
        const objs = objsOf(cniManifest("cilium", input("cilium", { podCidr: "10.50.0.0/16", mtu: 1400 })));
        const config = dataOf(objs, "cilium-config");

        it("tunnels with vxlan, cluster-pool IPAM of /24s from the pod CIDR, kube-proxy kept", () => {
            assert.strictEqual(config["routing-mode"], "tunnel");
            assert.strictEqual(config["tunnel-protocol"], "vxlan");
            assert.strictEqual(config.ipam, "cluster-pool");
            assert.strictEqual(config["cluster-pool-ipv4-cidr"], "10.50.0.0/16");
            assert.strictEqual(config["cluster-pool-ipv4-mask-size"], "24");
            assert.strictEqual(config["kube-proxy-replacement"], "false");
        });

        it("sets the device MTU so that pod routes get the pod MTU (cilium subtracts the 50 of vxlan)", () => {
            assert.strictEqual(config.mtu, "1450");
        });

        it("writes 05-cilium.conflist when ready; the agent and operator read cilium-config", () => {
            assert.strictEqual(config["write-cni-conf-when-ready"], `/host/etc/cni/net.d/${CNI_TRAITS.cilium.confFiles[0]}`);
            for (const name of ["cilium-agent", "cilium-operator"]) {
                assert.deepStrictEqual(containerOf(objs, name).args, ["--config-dir=/tmp/cilium/config-map"]);
            }
            assert.deepStrictEqual(containerOf(objs, "install-cni-binaries").command, ["/install-plugin.sh"]);
            const op = named(objs, "Deployment", "cilium-operator").spec as Workload & { replicas?: number };
            assert.strictEqual(op.replicas, 1);
            assert.strictEqual(containerOf(objs, "cilium-operator").image, ROLE_IMAGES["cilium-operator"]);
        });

        it("enables IPsec with the key Secret only when encryption is on", () => {
            assert.strictEqual(config["enable-ipsec"], undefined);
            assert.ok(!JSON.stringify(objs).includes("cilium-ipsec-keys"));
            const enc = objsOf(cniManifest("cilium", input("cilium", { encryption: { enabled: true } })));
            const encConfig = dataOf(enc, "cilium-config");
            assert.strictEqual(encConfig["enable-ipsec"], "true");
            assert.strictEqual(encConfig["ipsec-key-file"], "/etc/ipsec/keys");
            const pod = agentOf(enc);
            assert.deepStrictEqual(pod.volumes.find((v) => v.secret)?.secret, { secretName: "cilium-ipsec-keys" });
            assert.ok((containerOf(enc, "cilium-agent").volumeMounts ?? []).some((m) => m.mountPath === "/etc/ipsec"));
            assert.ok(!enc.some((o) => o.kind === "Secret"));
        });
    });

    for (const cni of ["calico", "canal"] as const) {
        describe(`${cni} (Calico parts)`, () => {
            const objs = objsOf(cniManifest(cni, input(cni, { podCidr: "10.60.0.0/16", mtu: 1410 })));
            const config = dataOf(objs, `${cni}-config`);
            const node = containerOf(objs, "calico-node");
            const install = containerOf(objs, "install-cni");

            it("defines the crd.projectcalico.org CRDs calico-node needs, with their upstream scopes", () => {
                const crds = objs.filter((o) => o.kind === "CustomResourceDefinition");
                const scope: Record<string, string> = Object.fromEntries(crds.map((c) => [c.spec?.names?.plural ?? "", c.spec?.scope ?? ""]));
                for (const p of ["bgpconfigurations", "bgppeers", "blockaffinities", "clusterinformations", "felixconfigurations",
                    "globalnetworkpolicies", "globalnetworksets", "hostendpoints", "ipamblocks", "ipamconfigs", "ipamhandles", "ippools",
                    "kubecontrollersconfigurations"]) {
                    assert.strictEqual(scope[p], "Cluster", p);
                }
                assert.strictEqual(scope.networkpolicies, "Namespaced");
                assert.strictEqual(scope.networksets, "Namespaced");
                for (const p of ["stagedglobalnetworkpolicies", "tiers", "adminnetworkpolicies", "baselineadminnetworkpolicies"]) {
                    assert.strictEqual(scope[p], "Cluster", p);
                }
                for (const p of ["stagednetworkpolicies", "stagedkubernetesnetworkpolicies"]) {
                    assert.strictEqual(scope[p], "Namespaced", p);
                }
                for (const c of crds) {
                    // Felix also watches the Kubernetes network-policy-api's admin policies.
                    const group = /adminnetworkpolicies$/.test(c.spec?.names?.plural ?? "") ? "policy.networking.k8s.io" : "crd.projectcalico.org";
                    assert.strictEqual(c.metadata.name, `${c.spec?.names?.plural}.${group}`);
                    assert.strictEqual(c.spec?.group, group);
                }
                assert.strictEqual(crds.length, 24, "every CRD of upstream's calico-vxlan.yaml (v3.31.7)");
                assert.strictEqual(objs.findIndex((o) => o.kind !== "CustomResourceDefinition"), crds.length, "CRDs first");
            });

            it("install-cni writes the conf netlab knows, with the MTU, and installs only Calico's own plugins", () => {
                assert.strictEqual(envOf(install, "CNI_CONF_NAME")?.value, CNI_TRAITS[cni].confFiles[0]);
                assert.deepStrictEqual(envOf(install, "CNI_NETWORK_CONFIG")?.valueFrom?.configMapKeyRef, { name: `${cni}-config`, key: "cni_network_config" });
                const skipped = (envOf(install, "SKIP_CNI_BINARIES")?.value ?? "").split(",");
                for (const b of ["bandwidth", "flannel", "host-local", "loopback", "portmap", "tuning"]) {
                    assert.ok(skipped.includes(b), b);
                }
                const conf = JSON.parse(config.cni_network_config) as Conf;
                assert.deepStrictEqual(conf.plugins.map((p) => p.type), ["calico", "portmap"]);
                assert.strictEqual(conf.plugins[0].mtu, 1410);
                assert.strictEqual(config.veth_mtu, "1410");
                assert.strictEqual(conf.plugins[0].datastore_type, "kubernetes");
            });

            it("runs calico-kube-controllers on the pod network with the given image", () => {
                const kc = named(objs, "Deployment", "calico-kube-controllers").spec as Workload;
                assert.strictEqual(kc.template.spec.hostNetwork, false);
                assert.strictEqual(containerOf(objs, "calico-kube-controllers").image, ROLE_IMAGES["calico-kube-controllers"]);
                assert.strictEqual(install.image, ROLE_IMAGES["calico-cni"]);
                assert.strictEqual(node.image, MAIN[cni]);
            });

            if (cni === "calico") {
                it("routes with VXLAN always, never IP-in-IP, Calico IPAM on the pod CIDR, VXLAN device at the pod MTU", () => {
                    assert.strictEqual(envOf(node, "CALICO_NETWORKING_BACKEND")?.value, "vxlan");
                    assert.strictEqual(config.calico_backend, "vxlan");
                    assert.strictEqual(envOf(node, "CALICO_IPV4POOL_IPIP")?.value, "Never");
                    assert.strictEqual(envOf(node, "CALICO_IPV4POOL_VXLAN")?.value, "Always");
                    assert.strictEqual(envOf(node, "CALICO_IPV4POOL_CIDR")?.value, "10.60.0.0/16");
                    assert.strictEqual(envOf(node, "FELIX_VXLANMTU")?.value, "1410");
                    assert.strictEqual(envOf(node, "DATASTORE_TYPE")?.value, "kubernetes");
                    assert.strictEqual(envOf(node, "IP_AUTODETECTION_METHOD")?.value, "interface=eth0");
                    assert.deepStrictEqual((JSON.parse(config.cni_network_config) as Conf).plugins[0].ipam, { type: "calico-ipam" });
                });
            } else {
                it("is Felix only, with flannel vxlan on the pod CIDR in the same pod, host-local IPAM on the node's podCIDR", () => {
                    assert.strictEqual(envOf(node, "CALICO_NETWORKING_BACKEND")?.value, "none");
                    assert.strictEqual(envOf(node, "FELIX_VXLANMTU"), undefined);
                    const net = JSON.parse(config["net-conf.json"]) as { Network: string; Backend: { Type: string; MTU: number } };
                    assert.deepStrictEqual(net, { Network: "10.60.0.0/16", Backend: { Type: "vxlan", MTU: 1460 } });
                    const flannel = containerOf(objs, "kube-flannel");
                    assert.strictEqual(flannel.image, ROLE_IMAGES.flannel);
                    assert.deepStrictEqual(flannel.args, ["--ip-masq", "--kube-subnet-mgr", "--iface=eth0"]);
                    assert.ok(agentOf(objs).containers.some((c) => c.name === "kube-flannel"));
                    assert.deepStrictEqual((JSON.parse(config.cni_network_config) as Conf).plugins[0].ipam, { type: "host-local", subnet: "usePodCidr" });
                });
            }
        });
    }
});
