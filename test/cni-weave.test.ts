/**
 * Weave Net 2.9.0 as netlab runs it: the images the toolchain builds, weave-kube's launch.sh
 * with sleeve only (no fast datapath), no update checks, the pod CIDR and MTU, the password
 * from netlab's Secret, weave-npc, the plugin install and the conflist.
 */
import * as assert from "assert";
import { CNI_TRAITS, cniBuild, CniManifestInput, cniManifest, cniMtuFor, K8sObject } from "../lib/cni";
import { WEAVE_PASSWORD_KEY, WEAVE_SECRET_VERSION_ANNOTATION, WEAVE_VERSION } from "../lib/cni/weave";

interface EnvVar { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } } }
interface Container {
    name: string; image: string; imagePullPolicy: string; command?: string[]; env?: EnvVar[];
    volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
    securityContext?: { privileged?: boolean; capabilities?: unknown };
    readinessProbe?: { httpGet: { host: string; path: string; port: number } };
}
interface Volume { name: string; hostPath?: { path: string; type?: string }; configMap?: { name: string } }
interface PodSpec { hostNetwork: boolean; terminationGracePeriodSeconds: number; initContainers: Container[]; containers: Container[]; volumes: Volume[] }
interface Obj {
    kind: string;
    metadata: { name: string; namespace?: string; labels: Record<string, string> };
    rules?: { resources: string[]; verbs: string[]; resourceNames?: string[] }[];
    data?: Record<string, string>;
    spec?: { template: { metadata: { annotations: Record<string, string> }; spec: PodSpec } };
}
interface Conf { name: string; cniVersion: string; disableCheck?: boolean; plugins: { type: string; [k: string]: unknown }[] }

const build = cniBuild("weave");
const input = (over: Partial<CniManifestInput> = {}): CniManifestInput => ({
    podCidr: "10.244.0.0/16", mtu: cniMtuFor("weave", "auto", 1500), image: build.image, images: build.images, nodeInterface: "eth0", ...over,
});
const objsOf = (list: K8sObject[]): Obj[] => list as unknown as Obj[];
const named = (objs: Obj[], kind: string, name: string): Obj => {
    const found = objs.filter((o) => o.kind === kind && o.metadata.name === name);
    assert.strictEqual(found.length, 1, `one ${kind} ${name}`);
    return found[0];
};
const podOf = (objs: Obj[]): PodSpec => named(objs, "DaemonSet", "weave-net").spec?.template.spec as PodSpec;
const containerOf = (objs: Obj[], name: string): Container => {
    const pod = podOf(objs);
    const c = [...pod.initContainers, ...pod.containers].find((x) => x.name === name);
    assert.ok(c, `container ${name}`);
    return c;
};
const envOf = (c: Container): Record<string, string | undefined> =>
    Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom?.fieldRef?.fieldPath ?? e.valueFrom?.secretKeyRef?.name]));

describe("cni: weave 2.9.0", () => {
    const objs = objsOf(cniManifest("weave", input()));
    const weave = containerOf(objs, "weave");
    const npc = containerOf(objs, "weave-npc");
    const init = containerOf(objs, "install-cni");

    it("runs the toolchain's weave-kube and weave-npc images of 2.9.0, never pulled", () => {
        assert.strictEqual(WEAVE_VERSION, "2.9.0");
        assert.strictEqual(weave.image, "localhost/netlab/weave-kube:2.9.0");
        assert.strictEqual(init.image, "localhost/netlab/weave-kube:2.9.0");
        assert.strictEqual(npc.image, "localhost/netlab/weave-npc:2.9.0");
        for (const c of [init, weave, npc]) {
            assert.strictEqual(c.imagePullPolicy, "Never", c.name);
        }
        assert.deepStrictEqual(build.tarballs, ["images/weave.tar"]);
    });

    it("runs weave-kube's launch.sh with the pod CIDR, the MTU, sleeve only, no update checks, its node name", () => {
        // The weave-kube image copies prog/weave-kube/launch.sh (and init.sh, kube-utils) to /home/weave.
        assert.deepStrictEqual(weave.command, ["/home/weave/launch.sh"]);
        assert.deepStrictEqual(envOf(weave), {
            HOSTNAME: "spec.nodeName",
            INIT_CONTAINER: "true",
            IPALLOC_RANGE: "10.244.0.0/16",
            WEAVE_MTU: "1438",
            WEAVE_NO_FASTDP: "1",
            CHECKPOINT_DISABLE: "1",
        });
        assert.deepStrictEqual(envOf(npc), { HOSTNAME: "spec.nodeName" });
        assert.deepStrictEqual(npc.command, undefined, "weave-npc's image runs its launch.sh");
        assert.deepStrictEqual(weave.readinessProbe?.httpGet, { host: "127.0.0.1", path: "/status", port: 6784 });
    });

    it("gives the pods what a sleeve connection carries: 1438 on a 1500 network, 1414 encrypted", () => {
        assert.strictEqual(CNI_TRAITS.weave.encapOverhead, 62);
        assert.strictEqual(CNI_TRAITS.weave.encryptedEncapOverhead, 86);
        assert.strictEqual(envOf(containerOf(objsOf(cniManifest("weave", input({ mtu: cniMtuFor("weave", "auto", 1500, true) }))), "weave")).WEAVE_MTU, "1414");
        assert.strictEqual(envOf(containerOf(objsOf(cniManifest("weave", input({ mtu: 9000 }))), "weave")).WEAVE_MTU, "9000");
    });

    it("runs both agents privileged on the host network, as upstream", () => {
        assert.strictEqual(podOf(objs).hostNetwork, true);
        for (const c of [weave, npc]) {
            assert.deepStrictEqual(c.securityContext, { privileged: true }, c.name);
        }
        assert.strictEqual(init.securityContext, undefined, "the plugin install needs no privileges");
        assert.strictEqual(podOf(objs).terminationGracePeriodSeconds, 5, "launch.sh (PID 1) ignores SIGTERM: no 30 s wait for nothing");
    });

    it("keeps the router's database in /var/lib/weave and finds the host's machine-id for its peer name", () => {
        const volumes = Object.fromEntries(podOf(objs).volumes.map((v) => [v.name, v.hostPath?.path ?? v.configMap?.name]));
        const mounts = Object.fromEntries((weave.volumeMounts ?? []).map((m) => [m.mountPath, volumes[m.name]]));
        assert.strictEqual(mounts["/weavedb"], "/var/lib/weave");
        assert.strictEqual(mounts["/host/etc/machine-id"], "/etc/machine-id");
        assert.strictEqual(mounts["/host/var/lib/dbus"], "/var/lib/dbus");
        assert.strictEqual(mounts["/run/xtables.lock"], "/run/xtables.lock");
        assert.deepStrictEqual((npc.volumeMounts ?? []).map((m) => m.mountPath), ["/run/xtables.lock"]);
    });

    it("copies its plugin into /opt/cni/bin as weave-plugin-2.9.0 with the weave-net and weave-ipam links, then the conflist", () => {
        const script = init.command?.join(" ") ?? "";
        assert.match(script, /cp \/usr\/bin\/weaveutil \/opt\/cni\/bin\/weave-plugin-2\.9\.0\.netlab-tmp; mv -f \S+ \/opt\/cni\/bin\/weave-plugin-2\.9\.0;/);
        assert.ok(script.includes("ln -sf weave-plugin-2.9.0 /opt/cni/bin/weave-net; ln -sf weave-plugin-2.9.0 /opt/cni/bin/weave-ipam;"));
        assert.match(script, /mv -f \S+ \/etc\/cni\/net\.d\/10-weave\.conflist$/);
        assert.deepStrictEqual((init.volumeMounts ?? []).map((m) => m.mountPath).sort(), ["/etc/cni/net.d", "/etc/weave-cni", "/opt/cni/bin"]);
    });

    it("writes weave 2.9.0's conflist: CNI 1.0.0, weave-net with hairpin, then portmap with snat", () => {
        const [confName] = CNI_TRAITS.weave.confFiles;
        assert.strictEqual(confName, "10-weave.conflist");
        const conf = JSON.parse(named(objs, "ConfigMap", "weave-net-cni").data?.[confName] ?? "") as Conf;
        assert.strictEqual(conf.cniVersion, "1.0.0");
        assert.strictEqual(conf.name, "weave");
        assert.strictEqual(conf.disableCheck, true);
        assert.deepStrictEqual(conf.plugins, [
            { name: "weave", type: "weave-net", hairpinMode: true },
            { type: "portmap", capabilities: { portMappings: true }, snat: true },
        ]);
    });

    it("may read and update its ConfigMap weave-net in kube-system, which cni-apply.sh deletes with its objects", () => {
        const role = named(objs, "Role", "weave-net");
        assert.ok((role.rules ?? []).some((r) => r.resources.includes("configmaps") && r.resourceNames?.includes("weave-net") && r.verbs.includes("update")));
        assert.strictEqual(named(objs, "RoleBinding", "weave-net").metadata.namespace, "kube-system");
        const text = JSON.stringify(named(objs, "ClusterRole", "weave-net"));
        assert.ok(text.includes("networkpolicies") && text.includes("nodes/status"));
        assert.deepStrictEqual(CNI_TRAITS.weave.agentObjects, ["configmap/weave-net"]);
        assert.ok(!objs.some((o) => o.kind === "ConfigMap" && o.metadata.name === "weave-net"), "weave-net is the agents' own, not the manifest's");
    });

    it("takes the password from netlab's Secret only when encryption is on; a new Secret version rolls the agents", () => {
        assert.strictEqual(envOf(weave).WEAVE_PASSWORD, undefined);
        assert.ok(!JSON.stringify(objs).includes("secretKeyRef"));
        const enc = objsOf(cniManifest("weave", input({ encryption: { enabled: true, secretName: "weave-password", secretVersion: "4711" } })));
        const env = containerOf(enc, "weave").env ?? [];
        assert.deepStrictEqual(env.find((e) => e.name === "WEAVE_PASSWORD")?.valueFrom, { secretKeyRef: { name: "weave-password", key: WEAVE_PASSWORD_KEY } });
        assert.ok(!(containerOf(enc, "weave-npc").env ?? []).some((e) => e.name === "WEAVE_PASSWORD"), "weave-npc never sees it");
        assert.ok(!enc.some((o) => o.kind === "Secret"), "the Secret is netlab's, not the manifest's");
        const annotations = (e: Obj[]): Record<string, string> => named(e, "DaemonSet", "weave-net").spec?.template.metadata.annotations ?? {};
        assert.strictEqual(annotations(enc)[WEAVE_SECRET_VERSION_ANNOTATION], "4711");
        assert.strictEqual(annotations(objs)[WEAVE_SECRET_VERSION_ANNOTATION], undefined);
        const other = objsOf(cniManifest("weave", input({ encryption: { enabled: true, secretName: "weave-password", secretVersion: "4712" } })));
        assert.notDeepStrictEqual(annotations(other), annotations(enc));
        assert.throws(() => cniManifest("weave", input({ encryption: { enabled: true } })), /secretName/);
    });
});
