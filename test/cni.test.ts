import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
    CNI_BUILDS, CNI_IMAGE_ROLES, CNI_VERSIONS, CNI_LABEL, CNI_TRAITS, cniBuild, CniManifestInput, cniManifest, cniManifestJson, cniMtuFor, K8sObject,
} from "../lib/cni";
import { WEAVE_VERSION } from "../lib/cni/weave";
import { Cni, CNIS } from "../lib/config";
import { renderHostScript } from "../lib/scripts";
import { CNIS_WITH_ENCRYPTION } from "../lib/validate";
import { ROOT } from "./harness";

/** The CNIs that run here. */
const BUILT: Cni[] = ["calico", "canal", "cilium", "flannel", "kube-router", "weave"];
/** Those of them with one image and one container besides the init container (weave: test/cni-others.test.ts, test/cni-weave.test.ts). */
const SINGLE: Cni[] = ["flannel", "kube-router"];
const IMAGES: Record<string, string> = {
    flannel: "localhost/netlab/flannel:v0.28.10",
    "kube-router": "localhost/netlab/kube-router:v2.11.1",
    weave: "localhost/netlab/weave-kube:2.9.0",
    calico: "localhost/netlab/calico-node:v3.31.7",
    canal: "localhost/netlab/calico-node:v3.31.7",
    cilium: "localhost/netlab/cilium:v1.20.2",
};
const CALICO_ROLES = { "calico-cni": "localhost/netlab/calico-node:v3.31.7", "calico-kube-controllers": "localhost/netlab/calico-kube-controllers:v3.31.7" };
const ROLE_IMAGES: Partial<Record<Cni, Record<string, string>>> = {
    weave: { "weave-npc": "localhost/netlab/weave-npc:2.9.0" },
    calico: CALICO_ROLES,
    canal: { ...CALICO_ROLES, flannel: "localhost/netlab/flannel:v0.28.10" },
    cilium: { "cilium-operator": "localhost/netlab/cilium-operator-generic:v1.20.2" },
};
/** The tarballs of each CNI. */
const TARBALLS: Record<Cni, string[]> = {
    calico: ["images/calico.tar"], canal: ["images/calico.tar", "images/flannel.tar"], cilium: ["images/cilium.tar"],
    flannel: ["images/flannel.tar"], "kube-router": ["images/kube-router.tar"], weave: ["images/weave.tar"],
};
const input = (cni: Cni, over: Partial<CniManifestInput> = {}): CniManifestInput => ({
    podCidr: "10.244.0.0/16",
    mtu: cniMtuFor(cni, "auto", 1500),
    image: IMAGES[cni],
    images: ROLE_IMAGES[cni],
    nodeInterface: "eth0",
    ...over,
});

interface Meta { name: string; namespace?: string; labels: Record<string, string>; annotations?: Record<string, string> }
interface EnvVar { name: string; value?: string; valueFrom?: { fieldRef: { fieldPath: string } } }
interface Mount { name: string; mountPath: string; readOnly?: boolean }
interface Container {
    name: string;
    image: string;
    imagePullPolicy: string;
    command: string[];
    args?: string[];
    env?: EnvVar[];
    volumeMounts: Mount[];
    securityContext?: { privileged: boolean; capabilities: { add: string[] } };
}
interface Volume { name: string; hostPath?: { path: string; type?: string }; configMap?: { name: string } }
interface PodSpec {
    hostNetwork: boolean;
    priorityClassName: string;
    serviceAccountName: string;
    tolerations: unknown[];
    initContainers: Container[];
    containers: Container[];
    volumes: Volume[];
}
interface Rule { apiGroups: string[]; resources: string[]; verbs: string[] }
interface Obj {
    kind: string;
    metadata: Meta;
    rules?: Rule[];
    roleRef?: unknown;
    subjects?: unknown;
    data?: Record<string, string>;
    spec?: { selector: { matchLabels: Record<string, string> }; template: { metadata: Meta; spec: PodSpec } };
}
interface Plugin { type: string; [key: string]: unknown }
interface Conf { name: string; cniVersion: string; plugins: Plugin[] }
interface NetConf { Network: string; Backend: { Type: string; MTU: number } }

const CLUSTER_SCOPED = ["ClusterRole", "ClusterRoleBinding"];

function byKind(objs: K8sObject[], kind: string): Obj {
    const found = objs.filter((o) => o.kind === kind);
    assert.strictEqual(found.length, 1, `exactly one ${kind}`);
    return found[0] as unknown as Obj;
}

function daemonSetOf(objs: K8sObject[]): NonNullable<Obj["spec"]> {
    const spec = byKind(objs, "DaemonSet").spec;
    assert.ok(spec);
    return spec;
}

/** The pod spec of the DaemonSet and every container in it (init containers first). */
function podOf(objs: K8sObject[]): { spec: PodSpec; containers: Container[]; main: Container; init: Container } {
    const spec = daemonSetOf(objs).template.spec;
    return { spec, containers: [...spec.initContainers, ...spec.containers], main: spec.containers[0], init: spec.initContainers[0] };
}

function configData(objs: K8sObject[]): Record<string, string> {
    const data = byKind(objs, "ConfigMap").data;
    assert.ok(data);
    return data;
}

const parse = <T>(text: string): T => JSON.parse(text) as T;

describe("cni", () => {
    describe("traits and MTU", () => {
        it("knows every CNI; only cilium and flannel detect the MTU", () => {
            assert.deepStrictEqual(Object.keys(CNI_TRAITS).sort(), [...CNIS].sort());
            assert.deepStrictEqual(CNIS.filter((c) => CNI_TRAITS[c].detectsMtu), ["cilium", "flannel"]);
            assert.deepStrictEqual(CNIS.filter((c) => !CNI_TRAITS[c].networkPolicy.ingress), ["flannel"]);
            for (const c of CNIS) {
                assert.ok(CNI_TRAITS[c].confFiles.length > 0, c);
                assert.ok(CNI_TRAITS[c].confFiles.some((f) => /\.conflist$/.test(f)), `${c} writes a conflist`);
            }
        });

        it("encryption matches the CNIs config validation accepts netlab:cniEncryption for", () => {
            assert.deepStrictEqual(CNIS.filter((c) => CNI_TRAITS[c].encryption).sort(), [...CNIS_WITH_ENCRYPTION].sort());
        });

        it("auto is the interface MTU minus the encapsulation, for each CNI", () => {
            // weave: what a sleeve connection carries on a 1500 network, measured here (weave status: sleeve mtu=1438).
            const expected: Record<Cni, number> = { calico: 1450, canal: 1450, cilium: 1450, flannel: 1450, "kube-router": 1500, weave: 1438 };
            for (const c of CNIS) {
                assert.strictEqual(cniMtuFor(c, "auto", 1500), expected[c], c);
                assert.strictEqual(cniMtuFor(c, "auto", 9000), 9000 - CNI_TRAITS[c].encapOverhead, c);
            }
        });

        it("auto with encryption: weave's sleeve loses 24 more bytes to NaCl, calico's WireGuard takes 60; the others are as without", () => {
            // Measured here with a password: sleeve mtu=1414.
            assert.strictEqual(cniMtuFor("weave", "auto", 1500, true), 1414);
            assert.strictEqual(cniMtuFor("weave", 1400, 1500, true), 1400, "a number is still taken as is");
            assert.strictEqual(cniMtuFor("calico", "auto", 1500, true), 1440);
            for (const c of CNIS.filter((x) => x !== "weave" && x !== "calico")) {
                assert.strictEqual(cniMtuFor(c, "auto", 1500, true), cniMtuFor(c, "auto", 1500), c);
            }
        });

        it("a number is taken as is, for each CNI", () => {
            for (const c of CNIS) {
                assert.strictEqual(cniMtuFor(c, 1400, 1500), 1400, c);
                assert.strictEqual(cniMtuFor(c, 1500, 1500), 1500, c);
            }
        });

        it("refuses MTUs that are not positive whole numbers", () => {
            assert.throws(() => cniMtuFor("flannel", 0, 1500), /netlab:cniMtu/);
            assert.throws(() => cniMtuFor("flannel", 1400.5, 1500), /netlab:cniMtu/);
            assert.throws(() => cniMtuFor("flannel", "auto", 40), /no room/);
        });
    });

    describe("the images of the CNIs built here", () => {
        it("every CNI built here, and only those, has a tarball and image refs", () => {
            assert.deepStrictEqual(Object.keys(CNI_BUILDS).sort(), [...BUILT].sort());
            for (const c of BUILT) {
                const b = cniBuild(c);
                assert.deepStrictEqual(b.tarballs, TARBALLS[c], c);
                assert.strictEqual(b.image, IMAGES[c], c);
                assert.deepStrictEqual(b.images, ROLE_IMAGES[c] ?? {}, c);
                assert.deepStrictEqual(Object.keys(b.images).sort(), [...CNI_IMAGE_ROLES[c]].sort(), `${c}: one image per role`);
                for (const r of [b.image, ...Object.values(b.images)]) {
                    assert.ok(b.refs.includes(r), `${c}: the tarball holds ${r}`);
                }
                assert.ok(b.refs.every((r) => r.startsWith("localhost/netlab/")), `${c}: netlab's images only, never a registry's`);
            }
            assert.throws(() => cniBuild("bogus" as Cni), /netlab:cni 'bogus' is not one of/);
        });

        it("each CNI's state folders are mounted with hostPath type Directory (netlab's host step makes them), never made by the kubelet", () => {
            for (const c of CNIS) {
                const volumes = cniManifest(c, input(c)).filter((o) => o.kind === "DaemonSet")
                    .flatMap((o) => ((o.spec as { template: { spec: { volumes: { hostPath?: { path: string; type?: string } }[] } } }).template.spec.volumes))
                    .flatMap((v) => v.hostPath ? [v.hostPath] : []);
                for (const dir of CNI_TRAITS[c].stateDirs) {
                    const mounted = volumes.filter((v) => v.path === dir);
                    assert.ok(mounted.length > 0, `${c} mounts ${dir}`);
                    assert.ok(mounted.every((v) => v.type === "Directory"), `${c}: ${dir} as Directory`);
                }
            }
        });

        it("every image is tagged with the version the toolchain builds (toolchain/versions.env)", () => {
            const env = fs.readFileSync(path.join(ROOT, "toolchain/versions.env"), "utf8");
            for (const [name, version] of Object.entries(CNI_VERSIONS)) {
                assert.match(env, new RegExp(`^${name}=${version.replace(/\./g, "\\.")}$`, "m"), name);
            }
            const tags = new Set(CNIS.flatMap((c) => cniBuild(c).refs.map((r) => r.split(":")[1])));
            const versions = new Set(Object.values(CNI_VERSIONS).flatMap((v) => [v, `v${v}`]));
            for (const tag of tags) {
                assert.ok(versions.has(tag) || tag === "latest", `tag ${tag} is a toolchain version`);
            }
        });

        it("weave is the toolchain's version, and its tarball holds the five images the toolchain saves", () => {
            const env = fs.readFileSync(path.join(ROOT, "toolchain/versions.env"), "utf8");
            assert.match(env, new RegExp(`^WEAVE_VERSION=${WEAVE_VERSION.replace(/\./g, "\\.")}$`, "m"));
            assert.deepStrictEqual([...cniBuild("weave").refs].sort(), ["weave", "weaveexec", "weave-kube", "weave-npc"]
                .map((n) => `localhost/netlab/${n}:${WEAVE_VERSION}`).concat("localhost/netlab/weavedb:latest").sort());
        });
    });

    for (const cni of SINGLE) {
        describe(`${cni} manifest`, () => {
            const objs = cniManifest(cni, input(cni));

            it("is RBAC, then the ConfigMap, then the DaemonSet, each labelled for the CNI", () => {
                assert.deepStrictEqual(objs.map((o) => o.kind), ["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "DaemonSet"]);
                for (const o of objs as unknown as Obj[]) {
                    assert.strictEqual(o.metadata.labels[CNI_LABEL], cni, `${o.kind} label`);
                    if (CLUSTER_SCOPED.includes(o.kind)) {
                        assert.strictEqual(o.metadata.namespace, undefined, `${o.kind} is cluster-scoped`);
                    } else {
                        assert.strictEqual(o.metadata.namespace, "kube-system", `${o.kind} namespace`);
                    }
                }
                const ds = daemonSetOf(objs);
                assert.strictEqual(ds.template.metadata.labels[CNI_LABEL], cni, "the pods carry the label too");
                for (const [k, v] of Object.entries(ds.selector.matchLabels)) {
                    assert.strictEqual(ds.template.metadata.labels[k], v, `selector ${k} matches the pods`);
                }
            });

            it("binds the ClusterRole to the ServiceAccount the DaemonSet runs as", () => {
                const sa = byKind(objs, "ServiceAccount");
                const role = byKind(objs, "ClusterRole");
                const binding = byKind(objs, "ClusterRoleBinding");
                assert.deepStrictEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name });
                assert.deepStrictEqual(binding.subjects, [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: "kube-system" }]);
                assert.strictEqual(podOf(objs).spec.serviceAccountName, sa.metadata.name);
                const rules = role.rules ?? [];
                const can = (group: string, resource: string, verb: string): boolean =>
                    rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
                assert.ok(can("", "nodes", "watch"));
                if (cni === "flannel") {
                    assert.ok(can("", "nodes/status", "patch") && can("", "pods", "get"));
                } else {
                    assert.ok(can("networking.k8s.io", "networkpolicies", "watch") && can("", "endpoints", "list") && can("", "namespaces", "list"));
                }
            });

            it("runs on the host network on every node, at node-critical priority, with the given image and no pulls", () => {
                const { spec, containers, main } = podOf(objs);
                assert.strictEqual(spec.hostNetwork, true);
                assert.strictEqual(spec.priorityClassName, "system-node-critical");
                assert.deepStrictEqual(spec.tolerations, [{ operator: "Exists" }]);
                assert.strictEqual(containers.length, 2);
                for (const c of containers) {
                    assert.strictEqual(c.image, IMAGES[cni], c.name);
                    assert.strictEqual(c.imagePullPolicy, "Never", c.name);
                }
                assert.strictEqual(main.securityContext?.privileged, false);
                assert.deepStrictEqual(main.securityContext?.capabilities.add, ["NET_ADMIN", "NET_RAW"]);
            });

            it("mounts only volumes it declares, and never a host /opt/cni/bin", () => {
                const { spec, containers } = podOf(objs);
                const names = spec.volumes.map((v) => v.name);
                for (const c of containers) {
                    for (const m of c.volumeMounts) {
                        assert.ok(names.includes(m.name), `${c.name} mounts undeclared ${m.name}`);
                    }
                }
                assert.strictEqual(spec.volumes.find((v) => v.configMap)?.configMap?.name, byKind(objs, "ConfigMap").metadata.name);
                assert.strictEqual(spec.volumes.find((v) => v.hostPath?.path === "/run/xtables.lock")?.hostPath?.type, "FileOrCreate");
                assert.ok(!JSON.stringify(objs).includes("/opt/cni/bin"), "no host CNI binary install");
            });

            it("runs only the image it was given: nothing to pull from a registry", () => {
                const images = [...JSON.stringify(objs).matchAll(/"image":"([^"]+)"/g)].map((m) => m[1]);
                assert.ok(images.length > 0);
                assert.deepStrictEqual([...new Set(images)], [input(cni).image]);
            });

            it("writes the conf file netlab knows it by", () => {
                const [conf] = CNI_TRAITS[cni].confFiles;
                // The last word the init container's shell writes to: the file itself, not a temporary name.
                assert.match(podOf(objs).init.command.join(" "), new RegExp(`mv -f \\S+ /etc/cni/net\\.d/${conf.replace(/\./g, "\\.")}(;|$)`));
            });

            it("wires the MTU in, and a new MTU rolls the agents", () => {
                const other = cniManifest(cni, input(cni, { mtu: 1400 }));
                const hash = (o: K8sObject[]): string | undefined => daemonSetOf(o).template.metadata.annotations?.["netlab.io/config-hash"];
                assert.ok(hash(objs));
                assert.notStrictEqual(hash(other), hash(objs));
                const data = configData(other);
                if (cni === "flannel") {
                    const conf = parse<Conf>(data["cni-conf.json"]);
                    assert.strictEqual(conf.plugins[0].type, "flannel");
                    assert.deepStrictEqual(conf.plugins[0].delegate, { hairpinMode: true, isDefaultGateway: true, mtu: 1400 });
                    assert.strictEqual(parse<NetConf>(data["net-conf.json"]).Backend.MTU, 1450, "flannel.1 = 1450 - 50 = the pod MTU");
                } else {
                    const conf = parse<Conf>(data["10-kuberouter.conflist"]);
                    assert.strictEqual(conf.plugins[0].type, "bridge");
                    assert.strictEqual(conf.plugins[0].mtu, 1400);
                    assert.ok(podOf(other).init.command.join(" ").includes(`"mtu":1400`), "an old conf with another MTU is replaced");
                    assert.ok(podOf(other).main.args?.includes("--auto-mtu=false"), "kube-router keeps the MTU it is given");
                }
            });
        });
    }

    describe("flannel specifics", () => {
        const objs = cniManifest("flannel", input("flannel", { podCidr: "10.50.0.0/16", nodeInterface: "ens5" }));

        it("puts the pod CIDR and the vxlan backend into net-conf.json, and the cbr0 conflist into cni-conf.json", () => {
            const data = configData(objs);
            const net = parse<NetConf>(data["net-conf.json"]);
            assert.strictEqual(net.Network, "10.50.0.0/16");
            assert.strictEqual(net.Backend.Type, "vxlan");
            const conf = parse<Conf>(data["cni-conf.json"]);
            assert.strictEqual(conf.name, "cbr0");
            assert.strictEqual(conf.cniVersion, "0.3.1");
            assert.deepStrictEqual(conf.plugins.map((p) => p.type), ["flannel", "portmap"]);
            assert.deepStrictEqual(conf.plugins[1].capabilities, { portMappings: true });
        });

        it("runs flanneld with the kube subnet manager on the node interface, and knows its pod", () => {
            const { main } = podOf(objs);
            assert.deepStrictEqual(main.command, ["/usr/local/bin/flanneld"]);
            assert.deepStrictEqual(main.args, ["--ip-masq", "--kube-subnet-mgr", "--iface=ens5"]);
            assert.deepStrictEqual((main.env ?? []).map((e) => [e.name, e.valueFrom?.fieldRef.fieldPath]),
                [["POD_NAME", "metadata.name"], ["POD_NAMESPACE", "metadata.namespace"]]);
            assert.deepStrictEqual(main.volumeMounts.map((m) => m.mountPath), ["/run/flannel", "/etc/kube-flannel/", "/run/xtables.lock"]);
        });
    });

    describe("kube-router specifics", () => {
        const objs = cniManifest("kube-router", input("kube-router"));

        it("routes without an overlay, enforces policy, leaves Services to kube-proxy, in-cluster", () => {
            const { main } = podOf(objs);
            assert.deepStrictEqual(main.command, ["/usr/local/bin/kube-router"]);
            const args = main.args ?? [];
            for (const a of ["--run-router=true", "--run-firewall=true", "--run-service-proxy=false", "--bgp-graceful-restart=true", "--enable-overlay=false",
                "--enable-ipv4=true", "--enable-ipv6=false"]) {
                assert.ok(args.includes(a), a);
            }
            assert.ok(!args.some((a) => a.startsWith("--kubeconfig")), "in-cluster config");
            const env = Object.fromEntries((main.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom?.fieldRef.fieldPath]));
            assert.deepStrictEqual(env, { NODE_NAME: "spec.nodeName", KUBE_ROUTER_CNI_CONF_FILE: "/etc/cni/net.d/10-kuberouter.conflist" });
            const mounts = Object.fromEntries(main.volumeMounts.map((m) => [m.mountPath, m.readOnly === true]));
            assert.deepStrictEqual(mounts, { "/lib/modules": true, "/etc/cni/net.d": false, "/run/xtables.lock": false });
        });

        it("has a mynet bridge conflist with host-local IPAM for kube-router to fill, and portmap with snat", () => {
            const conf = parse<Conf>(configData(objs)["10-kuberouter.conflist"]);
            assert.strictEqual(conf.name, "mynet");
            assert.strictEqual(conf.cniVersion, "0.3.0");
            const [bridge, portmap] = conf.plugins;
            assert.strictEqual(bridge.bridge, "kube-bridge");
            assert.strictEqual(bridge.isDefaultGateway, true);
            assert.strictEqual(bridge.mtu, 1500);
            assert.deepStrictEqual(bridge.ipam, { type: "host-local" });
            assert.strictEqual(portmap.type, "portmap");
            assert.strictEqual(portmap.snat, true);
            assert.deepStrictEqual(portmap.capabilities, { portMappings: true });
        });

        it("copies the conflist only when it is absent or for another MTU", () => {
            assert.match(podOf(objs).init.command.join(" "),
                /if \[ ! -f \/etc\/cni\/net\.d\/10-kuberouter\.conflist \] \|\| ! grep -qF '"mtu":1500'/);
        });
    });

    describe("manifest JSON and refusals", () => {
        it("is a kubectl List of the same objects", () => {
            for (const cni of BUILT) {
                const list = parse<{ apiVersion: string; kind: string; items: unknown[] }>(cniManifestJson(cni, input(cni)));
                assert.strictEqual(list.apiVersion, "v1");
                assert.strictEqual(list.kind, "List");
                assert.deepStrictEqual(list.items, cniManifest(cni, input(cni)));
            }
        });

        it("refuses malformed inputs", () => {
            assert.throws(() => cniManifest("flannel", input("flannel", { podCidr: "10.244.0.0" })), /pod CIDR/);
            assert.throws(() => cniManifest("flannel", input("flannel", { mtu: 0 })), /MTU/);
            assert.throws(() => cniManifest("kube-router", input("kube-router", { nodeInterface: "eth0; rm -rf /" })), /interface/);
            assert.throws(() => cniManifest("kube-router", input("kube-router", { image: "" })), /image/);
        });
    });

    describe("host-scripts/cni-host-clean.sh", () => {
        const script = path.join(ROOT, "host-scripts/cni-host-clean.sh");

        it("knows every CNI's conf files by name", () => {
            const text = fs.readFileSync(script, "utf8");
            for (const c of CNIS) {
                // The case branch of the CNI, up to its `;;`.
                const branch = new RegExp(`^ {4}${c.replace("-", "\\-")}\\)([\\s\\S]*?);;`, "m").exec(text);
                assert.ok(branch, `no case branch for ${c}`);
                const names = /conf_files=\(([^)]*)\)/.exec(branch[1]);
                assert.ok(names, `no conf_files for ${c}`);
                for (const f of CNI_TRAITS[c].confFiles) {
                    assert.ok(names[1].split(" ").includes(f), `${c}: ${f}`);
                }
            }
        });

        it("weave: its chains, the rules into them or about its bridge, its links and ipsets, and nothing of kube-proxy's or Docker's", () => {
            const text = fs.readFileSync(script, "utf8");
            const branch = /^ {4}weave\)([\s\S]*?);;/m.exec(text)?.[1] ?? "";
            const value = (v: string): RegExp => {
                const m = new RegExp(`^\\s*${v}='([^']*)'`, "m").exec(branch);
                assert.ok(m, `weave sets ${v}`);
                return new RegExp(m[1]);
            };
            const [chains, rules, ipsets, links] = ["chains_re", "rules_re", "ipsets_re", "links_re"].map(value);
            for (const c of ["WEAVE", "WEAVE-CANARY", "WEAVE-NPC", "WEAVE-NPC-EGRESS", "WEAVE-NPC-EGRESS-DEFAULT", "WEAVE-NPC-INGRESS", "WEAVE-EXPOSE"]) {
                assert.match(c, chains, c);
            }
            for (const c of ["KUBE-FORWARD", "FORWARD", "DOCKER", "WEAVEX", "FLANNEL-FWD"]) {
                assert.doesNotMatch(c, chains, c);
            }
            // As iptables-save prints weave 2.9.0's rules outside its chains (net/bridge.go).
            for (const r of [
                "-A FORWARD -o weave -m state --state NEW -j NFLOG --nflog-group 86",
                "-A FORWARD -o weave -j DROP",
                "-A FORWARD -i weave ! -o weave -j ACCEPT",
                "-A FORWARD -o weave -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                "-A INPUT -d 127.0.0.1/32 -p tcp -m tcp --dport 6784 -m addrtype ! --src-type LOCAL -m conntrack ! --ctstate RELATED,ESTABLISHED "
                    + "-m comment --comment \"Block non-local access to Weave Net control port\" -j DROP",
            ]) {
                assert.match(r, rules, r);
            }
            for (const r of ["-A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD", "-A FORWARD -o docker0 -j DOCKER",
                "-A FORWARD -i weave2 -j ACCEPT", "-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE"]) {
                assert.doesNotMatch(r, rules, r);
            }
            for (const n of ["weave-local-pods", "weaver-no-masq-local", "weave-k?Z;25^M}|1s7P3|H9i;*;MhG", "weave-E1ney4o[ojNrLk.6rOHi;7MPE"]) {
                assert.match(n, ipsets, n);
            }
            for (const n of ["KUBE-SRC-ABC", "kube-router-pod-subnets", "weavenet"]) {
                assert.doesNotMatch(n, ipsets, n);
            }
            for (const l of ["vethwe-bridge", "vethwe-pcap", "vethwepl1234", "vethwedu", "vethwe-datapath"]) {
                assert.match(l, links, l);
            }
            for (const l of ["veth1a2b3c", "weave", "eth0", "cni0"]) {
                assert.doesNotMatch(l, links, l);
            }
            assert.match(branch, /bridges=\(weave\)/);
            assert.match(branch, /dirs=\(\/var\/lib\/weave\)/, "the weavedb hostPath");
            assert.match(branch, /bin_files=\(weave-net weave-ipam 'weave-plugin-\*'\)/, "what the install-cni init container copies and links");
        });

        it("stops before touching the host when its inputs are wrong", () => {
            const run = (vars: Record<string, string>): { status: number | null; stderr: string } =>
                spawnSync("bash", ["-c", renderHostScript("host-scripts/cni-host-clean.sh", vars)], { encoding: "utf8" });
            assert.match(run({ NETLAB_CNI: "bogus", NETLAB_POD_CIDR: "10.244.0.0/16" }).stderr, /unknown NETLAB_CNI 'bogus'/);
            assert.match(run({ NETLAB_CNI: "flannel", NETLAB_POD_CIDR: "10.244.0.0" }).stderr, /not a\.b\.c\.d\/n/);
            const missing = run({ NETLAB_CNI: "flannel" });
            assert.notStrictEqual(missing.status, 0);
            assert.match(missing.stderr, /NETLAB_POD_CIDR/);
        });
    });
});
