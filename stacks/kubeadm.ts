/**
 * Scenario `kubeadm` (seed 000): hosts -> kubeadm cluster -> CNI -> httpbackend -> checks.
 * The control plane runs on the first host; the workloads go where `placement` says. Change
 * `netlab:cni` and run `pulumi up`: the CNI is swapped on the live cluster.
 */
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { assertArtifacts, fileSha256, HostArtifacts } from "../components/artifacts";
import { CniNetwork, cniToolchainCommand } from "../components/cni";
import { HTTPBACKEND_BINARY, HttpbackendImage } from "../components/httpbackend-image";
import { KUBE_NODE_FILES, KUBE_TOOLCHAIN_COMMAND, KubeadmCluster } from "../components/kubeadm";
import { KubeChecks } from "../components/kube-checks";
import { KubeHttpbackend } from "../components/kube-httpbackend";
import { LinkerdMesh } from "../components/linkerd";
import { CNI_TRAITS, cniBuild } from "../lib/cni";
import { LabConfig } from "../lib/config";
import { API_SERVER_PORT } from "../lib/kubeadm";
import { CLIENT_LABEL, HTTPBACKEND_PORT, KUBE_HTTPBACKEND_IMAGE } from "../lib/kube-workload";
import { LINKERD_TARBALL, LINKERD_TOOLCHAIN_COMMAND } from "../lib/linkerd";
import { buildHosts, hostOutputs, LabOutputs } from "./hosts";

/** The httpbackend binary in the artifacts directory. */
const HTTPBACKEND_BINARY_ARTIFACT = "httpbackend";

export function kubeadmScenario(cfg: LabConfig): LabOutputs {
    const artifactsDir = cfg.artifactsDir as string;
    // Every file the lab pushes is there, or up stops before its first resource.
    assertArtifacts(artifactsDir, KUBE_NODE_FILES.map((f) => f.name), KUBE_TOOLCHAIN_COMMAND);
    assertArtifacts(artifactsDir, [...cniBuild(cfg.kubernetes.cni).tarballs], cniToolchainCommand(cfg.kubernetes.cni));
    assertArtifacts(artifactsDir, [HTTPBACKEND_BINARY_ARTIFACT]);
    const meshed = cfg.kubernetes.mesh === "linkerd";
    if (meshed) {
        assertArtifacts(artifactsDir, [LINKERD_TARBALL], LINKERD_TOOLCHAIN_COMMAND);
    }
    const hosts = buildHosts(cfg, [API_SERVER_PORT]);
    const [control, ...workers] = hosts.hosts;
    const labName = `netlab-${pulumi.getStack()}`;
    const cluster = new KubeadmCluster("kube", {
        hosts: hosts.hosts,
        privateKey: hosts.privateKey,
        artifactsDir,
        version: cfg.kubernetes.version,
        podCidr: cfg.kubernetes.podCidr,
        serviceCidr: cfg.kubernetes.serviceCidr,
        labName,
        apiServerFromHere: cfg.hostProvider === "docker"
            ? control.published.apply((p) => p[String(API_SERVER_PORT)])
            : control.endpoint.apply((e) => `${e.host}:${API_SERVER_PORT}`),
    });
    const cni = new CniNetwork("cni", {
        hosts: hosts.hosts,
        privateKey: hosts.privateKey,
        artifactsDir,
        cni: cfg.kubernetes.cni,
        mtu: cfg.kubernetes.cniMtu,
        podCidr: cfg.kubernetes.podCidr,
        dependsOn: cluster.ready,
        clusterId: cluster.clusterId,
        encryption: cfg.kubernetes.cniEncryption,
        weavePassword: cfg.secrets.weavePassword === undefined ? undefined : pulumi.secret(cfg.secrets.weavePassword),
        provider: cluster.provider,
    });
    const binary = new HostArtifacts("httpbackend-binary", {
        hosts: hosts.hosts, privateKey: hosts.privateKey, artifactsDir, files: [{ name: HTTPBACKEND_BINARY_ARTIFACT, dest: HTTPBACKEND_BINARY }],
    });
    const image = new HttpbackendImage("httpbackend-image", {
        hosts: hosts.hosts,
        binarySha256: fileSha256(path.resolve(binary.dir, "httpbackend")),
        image: KUBE_HTTPBACKEND_IMAGE,
        containerd: true,
        dependsOn: [binary, ...cluster.ready],
    });
    const mesh = meshed ? new LinkerdMesh("mesh", {
        hosts: hosts.hosts, privateKey: hosts.privateKey, artifactsDir, provider: cluster.provider, control,
        podNetwork: cni.applied.id, dependsOn: [cni.applied],
    }) : undefined;
    const placementOf = (p: string[]): string[] => p.length > 0 ? p : workers.map((h) => h.name);
    const apps = cfg.workloads.map((w) => ({
        w,
        app: new KubeHttpbackend(`app-${w.name}`, {
            provider: cluster.provider, workload: w.name, version: w.version, replicas: w.count, placement: placementOf(w.placement),
            maxSurge: w.maxSurge, maxUnavailable: w.maxUnavailable, split: w.split, meshed,
            dependsOn: [cni.applied, image, ...(mesh?.ready ?? [])],
        }),
    }));
    // The checks probe the first workload.
    const [first] = apps;
    const checks = first === undefined ? undefined : new KubeChecks("checks", {
        control,
        workload: first.w.name, namespace: "default", port: HTTPBACKEND_PORT, clientLabel: CLIENT_LABEL,
        versions: Object.keys(first.w.split ?? { [first.w.version]: 100 }), mesh: cfg.kubernetes.mesh,
        policyEnforced: CNI_TRAITS[cfg.kubernetes.cni].networkPolicy.ingress, cni: cfg.kubernetes.cni,
        image: KUBE_HTTPBACKEND_IMAGE,
        nodes: workers.length > 0 ? workers.map((h) => h.name) : [control.name],
        // A new CNI, or the same one applied with another manifest (MTU, encryption), is checked again.
        triggers: [cni.applied.id, cni.manifestDigest, first.w.version, first.w.count, first.w.placement.join(","),
            JSON.stringify(first.w.split ?? {}), cfg.kubernetes.mesh],
        dependsOn: [first.app],
    });
    return {
        scenario: cfg.scenario,
        cni: cfg.kubernetes.cni,
        cniMtu: cni.mtu,
        cniStatus: cni.status,
        mesh: mesh?.summary ?? "none",
        kubeconfig: cluster.kubeconfig,
        KUBECONFIG: cluster.kubeconfigPath,
        nodes: cluster.nodes,
        workloads: Object.fromEntries(apps.map(({ w, app }) => [w.name, { clusterIp: app.clusterIp, dns: app.dnsName }])),
        checks: checks?.matrix ?? {},
        ...hostOutputs(hosts),
    };
}
