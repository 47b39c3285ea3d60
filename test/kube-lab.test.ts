import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { KUBE_NODE_FILES } from "../components/kubeadm";
import { cgroupRoot } from "../components/kubeadm";
import {
    checkDeleteBeforeReplace, checkHostSteps, fakeArtifacts, fakeHostKey, hostStep, lastRecorded, MOCK_CA_HASH, MOCK_TOKEN, named, Recorded, runStackFile, StackRun,
} from "./harness";

/** A stand-in artifacts directory with every file the kubeadm scenario pushes. */
const ARTIFACTS = fakeArtifacts([...KUBE_NODE_FILES.map((x) => x.name), "images/flannel.tar", "images/kube-router.tar", "images/weave.tar",
    "images/calico.tar", "images/cilium.tar", "httpbackend"]);
const withArtifacts = { "netlab:artifactsDir": ARTIFACTS };
const children = (run: StackRun, parent: string): Recorded[] => run.resources.filter((r) => r.parent === parent);
const sha256 = (text: string): string => crypto.createHash("sha256").update(text).digest("hex");

describe("stack kube-lab (kubeadm + CNI)", () => {
    let run: StackRun;
    before(async () => {
        run = await runStackFile("kube-lab", withArtifacts);
    });

    it("pushes the Kubernetes binaries, CNI plugins and images to every host after its gate", () => {
        const pushes = children(run, "kube-files");
        assert.strictEqual(pushes.length, 3 * KUBE_NODE_FILES.length);
        const env = (p: Recorded): Record<string, string> => p.inputs.environment as Record<string, string>;
        assert.deepStrictEqual(pushes.filter((p) => p.name.startsWith("kube-files-u1-")).map((p) => env(p).NETLAB_DEST), [
            "/usr/local/bin/kubeadm", "/usr/local/bin/kubelet", "/usr/local/bin/kubectl",
            "/opt/cni/bin/bridge", "/opt/cni/bin/host-local", "/opt/cni/bin/loopback", "/opt/cni/bin/portmap", "/opt/cni/bin/flannel",
            "/var/lib/netlab/images/kubernetes.tar",
        ]);
        assert.ok(pushes.every((p) => /^kube-files-u\d-[A-Za-z0-9_.-]+$/.test(p.name)), "file paths become valid resource names");
        for (const p of pushes) {
            const host = p.name.split("-")[2];
            assert.strictEqual(env(p).NETLAB_CONTAINER, `netlab-kube-lab-${host}`);
            assert.strictEqual(env(p).NETLAB_SSH_KEY, undefined);
            assert.deepStrictEqual((p.inputs.triggers as unknown[]).slice(1), [env(p).NETLAB_DEST, `lab-${host}-id`], "pushed again into a new container");
        }
    });

    it("runs every host step with docker exec in its host's container (the rules of components/host-command.ts)", () => {
        const steps = checkHostSteps(run, "kube-lab", "docker");
        assert.deepStrictEqual(steps.map((s) => [s.resource.name, s.container]), [
            ...["u1", "u2", "u3"].map((h) => [`lab-${h}-ready`, `netlab-kube-lab-${h}`]),
            ...["u1", "u2", "u3"].map((h) => [`kube-node-${h}`, `netlab-kube-lab-${h}`]),
            ["kube-init", "netlab-kube-lab-u1"], ["kube-join-u2", "netlab-kube-lab-u2"], ["kube-join-u3", "netlab-kube-lab-u3"],
            ...["u1", "u2", "u3"].map((h) => [`cni-host-${h}`, `netlab-kube-lab-${h}`]),
            ["cni-apply", "netlab-kube-lab-u1"],
            ...["u1", "u2", "u3"].map((h) => [`httpbackend-image-${h}`, `netlab-kube-lab-${h}`]),
            ["checks-run", "netlab-kube-lab-u1"],
        ]);
    });

    it("sets up containerd and the kubelet on every host with a cgroup root of its own", () => {
        for (const h of ["u1", "u2", "u3"]) {
            const node = hostStep(named(run, `kube-node-${h}`));
            assert.deepStrictEqual(node.resource.dependsOn, [`lab-${h}-ready`, "kube-files"]);
            const script = node.stdin;
            assert.ok(script.includes(`NETLAB_CGROUP_ROOT='${cgroupRoot("netlab-kube-lab", h)}'`));
            assert.ok(script.includes("NETLAB_PAUSE_IMAGE='localhost/netlab/pause:3.10.1'"));
            assert.match(node.delete ?? "", /NETLAB_ACTION='\\''delete'\\''/, "delete resets the node");
            assert.deepStrictEqual(node.triggers, [`lab-${h}-id`], "a changed setup is run in place; a new container gets it again");
        }
        assert.notStrictEqual(cgroupRoot("netlab-kube-lab", "u1"), cgroupRoot("netlab-other", "u1"), "two labs on one machine do not share cgroups");
    });

    it("runs kubeadm init on u1 with the secret token, then joins u2 and u3 with the CA hash it printed", () => {
        const token = named(run, "kube-token");
        assert.deepStrictEqual(token.additionalSecretOutputs, ["stdout"]);
        const init = named(run, "kube-init");
        assert.deepStrictEqual(init.dependsOn, ["kube-node-u1", "kube-node-u2", "kube-node-u3"]);
        assert.ok(init.secretInputs.includes("stdin"), "the init config carries the token");
        assert.ok(init.secretInputs.includes("triggers"), "and so does the digest of it");
        assert.ok(init.additionalSecretOutputs.includes("stdout"), "its output carries the admin kubeconfig");
        assert.ok(init.deleteBeforeReplace);
        const initScript = init.inputs.stdin as string;
        for (const line of [`token: "${MOCK_TOKEN}"`, "podSubnet: \"10.244.0.0/16\"", "serviceSubnet: \"10.96.0.0/12\"",
            "advertiseAddress: \"192.168.56.3\"", "imageRepository: \"localhost/netlab\"", "kubernetesVersion: \"v1.34.4\""]) {
            assert.ok(initScript.includes(line), `init config has ${line}`);
        }
        for (const h of ["u2", "u3"]) {
            const join = named(run, `kube-join-${h}`);
            assert.deepStrictEqual(join.dependsOn, ["kube-init", `kube-node-${h}`]);
            assert.deepStrictEqual(hostStep(join).triggers, ["kube-init-id", sha256(`bash -s\0${join.inputs.stdin as string}`), `lab-${h}-id`],
                "a new control plane, a new join config or a new container joins again");
            assert.ok(join.secretInputs.includes("stdin"));
            const script = join.inputs.stdin as string;
            assert.ok(script.includes(`caCertHashes: ["${MOCK_CA_HASH}"]`));
            assert.ok(script.includes("apiServerEndpoint: \"192.168.56.3:6443\""));
            assert.ok(join.deleteBeforeReplace);
        }
    });

    it("exports the kubeconfig as a secret pointed at the published API port, and writes it to a file", () => {
        assert.ok(run.secretOutputs.includes("kubeconfig"));
        assert.match(run.outputs.kubeconfig as string, /server: https:\/\/127\.0\.0\.1:\d+\n/);
        assert.match(run.outputs.KUBECONFIG as string, /\.netlab\/netlab-kube-lab\.kubeconfig$/);
        const file = named(run, "kube-kubeconfig-file");
        assert.ok(file.secretInputs.includes("environment"));
        assert.match(file.inputs.delete as string, /rm -f/);
        const provider = named(run, "kube-provider");
        assert.strictEqual(provider.type, "pulumi:providers:kubernetes");
        assert.deepStrictEqual(provider.dependsOn, ["kube-kubeconfig-file", "kube-join-u2", "kube-join-u3"]);
        const alloc = named(run, "lab-ports");
        assert.strictEqual(alloc.inputs.create, "bash -s -- 6 netlab-kube-lab", "SSH and the API server on each host");
        const picked = (alloc.stdout ?? "").trim().split(" ").map(Number);
        assert.strictEqual(picked.length, 6);
        const containers = run.resources.filter((r) => r.type === "docker:index/container:Container");
        assert.deepStrictEqual(containers.map((c) => (c.inputs.ports as { internal: number; ip: string; external: number }[]).map((p) => [p.internal, p.ip, p.external])),
            [0, 1, 2].map((i) => [[22, "127.0.0.1", picked[2 * i]], [6443, "127.0.0.1", picked[2 * i + 1]]]));
        assert.ok((run.outputs.kubeconfig as string).includes(`server: https://127.0.0.1:${picked[1]}\n`), "u1's published 6443");
    });

    it("applies flannel after every node joined, with the pod CIDR and the derived MTU; swaps replace delete-first", () => {
        const apply = named(run, "cni-apply");
        assert.deepStrictEqual(apply.dependsOn, ["cni-host-u1", "cni-host-u2", "cni-host-u3"]);
        assert.ok(apply.deleteBeforeReplace);
        assert.deepStrictEqual(apply.inputs.triggers, ["flannel", "kube-init-id", "cni-host-u1-id", "cni-host-u2-id", "cni-host-u3-id", "lab-u1-id"],
            "a new CNI, a new cluster, a cleaned host or a new control-plane container applies it again (a new manifest: in place)");
        const script = apply.inputs.stdin as string;
        assert.ok(script.includes("NETLAB_CNI='flannel'"));
        assert.ok(script.includes("10.244.0.0/16"), "pod CIDR in net-conf.json");
        assert.strictEqual(run.outputs.cniMtu, 1450, "auto: eth0's 1500 minus VXLAN's 50");
        for (const h of ["u1", "u2", "u3"]) {
            const host = hostStep(named(run, `cni-host-${h}`));
            assert.ok(host.resource.deleteBeforeReplace);
            assert.deepStrictEqual(host.triggers, ["flannel", "kube-init-id", "auto", false, sha256(`bash -s\0${host.stdin}`), `lab-${h}-id`],
                "another CNI, cluster, MTU setting or encryption, or a changed host script replaces it (cleans, then sets up again)");
            assert.match(host.delete ?? "", /NETLAB_CNI='\\''flannel'\\''/, "delete cleans this CNI off the host");
            assert.ok(host.resource.dependsOn.includes("kube-join-u2") && host.resource.dependsOn.includes("kube-join-u3"));
        }
    });

    it("runs httpbackend as a Deployment on u2 and u3 with a Service and a NetworkPolicy, through the cluster's provider", () => {
        const dep = named(run, "app-httpbackend-deployment");
        assert.strictEqual(dep.type, "kubernetes:apps/v1:Deployment");
        assert.deepStrictEqual(dep.dependsOn, ["cni-apply", "httpbackend-image"]);
        const spec = dep.inputs.spec as { replicas: number; template: { spec: Record<string, unknown> } };
        assert.strictEqual(spec.replicas, 3);
        const pod = JSON.stringify(spec.template.spec);
        assert.ok(pod.includes("\"values\":[\"u2\",\"u3\"]"), "pinned to the placement hosts");
        assert.ok(pod.includes("\"imagePullPolicy\":\"Never\""));
        assert.ok(pod.includes("/health"));
        assert.strictEqual(named(run, "app-httpbackend-service").type, "kubernetes:core/v1:Service");
        const policy = named(run, "app-httpbackend-policy");
        assert.strictEqual(policy.type, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
        assert.ok(JSON.stringify(policy.inputs).includes("netlab.io/httpbackend-client"));
    });

    it("runs the checks after the workload, again when the CNI changes, and exports the matrix", () => {
        const checks = named(run, "checks-run");
        assert.deepStrictEqual(checks.dependsOn, ["app-httpbackend"]);
        assert.ok(checks.deleteBeforeReplace);
        const triggers = checks.inputs.triggers as unknown[];
        assert.deepStrictEqual([triggers[0], ...triggers.slice(2)], ["cni-apply-id", "v1.0.0", 3, "u2,u3", "{}", "none", "lab-u1-id"],
            "a new CNI apply, a changed workload, split or mesh, or a new control-plane container runs them again (a changed script: in place)");
        assert.match(String(triggers[1]), /^[0-9a-f]{64}$/, "and so does the CNI applied with another manifest (the manifest's digest)");
        assert.ok((checks.inputs.stdin as string).includes("NETLAB_POLICY='unsupported'"), "flannel does not enforce policies");
        assert.deepStrictEqual(run.outputs.checks, {
            "nodes": "PASS: 3/3 Ready",
            "policy unlabelled pod@u2 -> service": "UNSUPPORTED: reached",
        });
    });

    it("no command that deletes what it made can be replaced create-before-delete", () => {
        const count = checkDeleteBeforeReplace(run);
        assert.ok(run.resources.filter((r) => r.type === "command:local:Command" && r.inputs.delete !== undefined && !r.deleteBeforeReplace)
            .every((r) => r.name === "kube-kubeconfig-file"), "only the kubeconfig file is rewritten in place instead");
        assert.ok(count >= 3 * 9 + 3 + 3 + 1 + 2 + 3 + 1 + 1 + 3, `found ${count}`);
    });

    it("kube-router: the checks expect the policy enforced, and the MTU stays the interface's", async () => {
        const kr = await runStackFile("kube-lab", { ...withArtifacts, "netlab:cni": "kube-router" });
        assert.ok((named(kr, "checks-run").inputs.stdin as string).includes("NETLAB_POLICY='enforced'"));
        assert.strictEqual(kr.outputs.cniMtu, 1500);
        assert.deepStrictEqual((named(kr, "cni-apply").inputs.triggers as string[]).slice(0, 2), ["kube-router", "kube-init-id"]);
    });

    it("weave: its tarball and five images on every host, its own objects deleted with it, sleeve's MTU, the policy enforced", async () => {
        const wv = await runStackFile("kube-lab", { ...withArtifacts, "netlab:cni": "weave" });
        assert.strictEqual(wv.outputs.cniMtu, 1438, "auto: eth0's 1500 minus sleeve's 62");
        assert.strictEqual(wv.outputs.cni, "weave");
        const pushes = children(wv, "cni-image");
        assert.deepStrictEqual(pushes.map((p) => (p.inputs.environment as Record<string, string>).NETLAB_DEST),
            ["u1", "u2", "u3"].map(() => "/var/lib/netlab/images/weave.tar"));
        const refs = ["weave:2.9.0", "weaveexec:2.9.0", "weavedb:latest", "weave-kube:2.9.0", "weave-npc:2.9.0"].map((r) => `localhost/netlab/${r}`).join(" ");
        for (const h of ["u1", "u2", "u3"]) {
            const host = hostStep(named(wv, `cni-host-${h}`));
            assert.ok(host.stdin.includes(`NETLAB_IMAGE_TARS='/var/lib/netlab/images/weave.tar'`));
            assert.ok(host.stdin.includes(`NETLAB_IMAGES='${refs}'`), "every image of the tarball must arrive");
            assert.ok((host.delete ?? "").includes(`NETLAB_IMAGES='\\''${refs}'\\''`), "and every one leaves with it");
            assert.match(host.delete ?? "", /NETLAB_CNI='\\''weave'\\''/);
        }
        const apply = named(wv, "cni-apply");
        const script = apply.inputs.stdin as string;
        for (const text of ["localhost/netlab/weave-kube:2.9.0", "localhost/netlab/weave-npc:2.9.0", "\"WEAVE_NO_FASTDP\"", "\"CHECKPOINT_DISABLE\"",
            "\"name\": \"WEAVE_MTU\",\n", "\"value\": \"1438\""]) {
            assert.ok(script.includes(text), text);
        }
        assert.ok(!script.includes("WEAVE_PASSWORD"), "no password without encryption");
        assert.match(hostStep(apply).delete ?? "", /NETLAB_AGENT_OBJECTS='\\''configmap\/weave-net'\\''/, "the peer list goes with it");
        assert.ok((named(wv, "checks-run").inputs.stdin as string).includes("NETLAB_POLICY='enforced'"));
        assert.ok(!wv.resources.some((r) => r.type === "kubernetes:core/v1:Secret"), "no Secret without encryption");
        assert.notStrictEqual((named(wv, "checks-run").inputs.triggers as unknown[])[1], (named(run, "checks-run").inputs.triggers as unknown[])[1]);
    });

    it("weave with encryption: the password goes into a Secret through the cluster's provider, secret all the way; the MTU leaves room for NaCl", async () => {
        const password = "netlab-unit-test-weave-password";
        const enc = await runStackFile("kube-lab", { ...withArtifacts, "netlab:cni": "weave", "netlab:cniEncryption": "true", "netlab:weavePassword": password },
            ["netlab:weavePassword"]);
        assert.strictEqual(enc.outputs.cniMtu, 1414, "auto: 1500 minus sleeve's 86 with NaCl");
        assert.deepStrictEqual(hostStep(named(enc, "cni-host-u1")).triggers.slice(0, 4), ["weave", "kube-init-id", "auto", true],
            "switching encryption sets the hosts up anew (weave keeps its bridge's MTU while it runs)");
        const secret = named(enc, "cni-weave-password");
        assert.strictEqual(secret.type, "kubernetes:core/v1:Secret");
        assert.strictEqual(secret.parent, "cni");
        assert.deepStrictEqual(secret.dependsOn, ["kube-init", "kube-join-u2", "kube-join-u3"], "once the cluster is whole");
        assert.ok(secret.secretInputs.includes("stringData"), "the password reaches the engine as a secret");
        const meta = secret.inputs.metadata as { name: string; namespace: string; labels: Record<string, string> };
        assert.deepStrictEqual([meta.namespace, meta.name, meta.labels["netlab.io/cni"]], ["kube-system", "weave-password", "weave"]);
        assert.deepStrictEqual(secret.inputs.stringData, { password });
        const apply = named(enc, "cni-apply");
        assert.ok(apply.dependsOn.includes("cni-weave-password"), "the Secret exists before the agents start");
        const script = apply.inputs.stdin as string;
        assert.ok(script.includes("\"name\": \"weave-password\"") && script.includes("\"key\": \"password\""), "WEAVE_PASSWORD from the Secret");
        assert.ok(script.includes("\"value\": \"1414\""));
        // The password is nowhere else: not in any other input, nor in any output.
        for (const r of enc.resources.filter((x) => x !== secret)) {
            assert.ok(!JSON.stringify(r.inputs).includes(password), `${r.name} holds the password`);
        }
        assert.ok(!JSON.stringify(enc.outputs).includes(password), "an output holds the password");
        assert.ok(!enc.outputs.kubeconfig || enc.secretOutputs.includes("kubeconfig"));
    });

    it("cilium with encryption: every host's kernel is checked for ESP before the CNI's steps, the IPsec keys are a secret Secret", async () => {
        const enc = await runStackFile("kube-lab", { ...withArtifacts, "netlab:cni": "cilium", "netlab:cniEncryption": "true" });
        for (const h of ["u1", "u2", "u3"]) {
            const check = hostStep(named(enc, `cni-kernel-${h}`));
            assert.ok(check.stdin.includes("NETLAB_NEED='esp'") && check.stdin.includes("NETLAB_CNI='cilium'"), check.stdin.slice(0, 300));
            assert.strictEqual(check.delete, undefined, "a check leaves nothing to undo");
            assert.ok(named(enc, `cni-host-${h}`).dependsOn.includes(`cni-kernel-${h}`), `${h}: the CNI's host step waits for the check`);
        }
        const secret = named(enc, "cni-cilium-ipsec");
        assert.ok(secret.secretInputs.includes("stringData"), "the keys reach the engine as a secret");
        const keys = (secret.inputs.stringData as { keys: string }).keys;
        assert.match(keys, /^3\+ rfc4106\(gcm\(aes\)\) [0-9a-f]{40} 128$/);
        assert.ok(!JSON.stringify(enc.outputs).includes(keys.split(" ")[2]), "no output holds the key");
        const again = await runStackFile("kube-lab", { ...withArtifacts, "netlab:cni": "cilium", "netlab:cniEncryption": "true" });
        assert.strictEqual((named(again, "cni-cilium-ipsec").inputs.stringData as { keys: string }).keys, keys, "the same keys on the next up");
        const script = named(enc, "cni-apply").inputs.stdin as string;
        assert.ok(script.includes("\"enable-ipsec\": \"true\"") && script.includes("cilium-ipsec-keys"));
        const plain = await runStackFile("kube-lab", { ...withArtifacts, "netlab:cni": "cilium" });
        assert.ok(!plain.resources.some((r) => r.name.startsWith("cni-kernel-") || r.name === "cni-cilium-ipsec"), "no check, no keys without encryption");
    });

    it("calico with encryption: WireGuard checked on every host, Felix told to use it, the MTU leaves WireGuard's 60 bytes", async () => {
        const enc = await runStackFile("kube-lab", { ...withArtifacts, "netlab:cni": "calico", "netlab:cniEncryption": "true" });
        assert.strictEqual(enc.outputs.cniMtu, 1440);
        assert.ok(hostStep(named(enc, "cni-kernel-u2")).stdin.includes("NETLAB_NEED='wireguard'"));
        const script = named(enc, "cni-apply").inputs.stdin as string;
        assert.ok(/"name": "FELIX_WIREGUARDENABLED",\s*"value": "true"/.test(script), "Felix's WireGuard on");
        assert.ok(!enc.resources.some((r) => r.type === "kubernetes:core/v1:Secret"), "Felix makes the keys itself");
    });

    it("ssh hosts: kubectl from here goes to the control plane's SSH address, which the API certificate holds", async () => {
        const hosts = JSON.stringify([
            { name: "u1", address: "10.1.0.11", labAddress: "192.168.56.3", hostKey: fakeHostKey() },
            { name: "u2", address: "10.1.0.12", labAddress: "192.168.56.4", hostKey: fakeHostKey() },
            { name: "u3", address: "10.1.0.13", labAddress: "192.168.56.5", hostKey: fakeHostKey() },
        ]);
        const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
        const ssh = await runStackFile("kube-lab", { ...withArtifacts, "netlab:hostProvider": "ssh", "netlab:hosts": hosts, "netlab:sshPrivateKey": key },
            ["netlab:sshPrivateKey"]);
        assert.match(ssh.outputs.kubeconfig as string, /server: https:\/\/10\.1\.0\.11:6443\n/);
        assert.ok((named(ssh, "kube-init").inputs.stdin as string).includes('certSANs: ["192.168.56.3", "127.0.0.1", "localhost", "10.1.0.11"]'));
        assert.ok(!ssh.resources.some((r) => r.type.startsWith("docker:")));
        const steps = checkHostSteps(ssh, "kube-lab", "ssh");
        assert.deepStrictEqual(steps.map((s) => s.resource.name), run.resources.filter((r) => r.type === "command:local:Command" && String(r.inputs.create).startsWith("docker exec "))
            .map((r) => r.name), "the same steps as on docker hosts");
        assert.deepStrictEqual(hostStep(named(ssh, "cni-host-u2")).triggers.slice(0, 4), ["flannel", "kube-init-id", "auto", false]);
        assert.strictEqual(hostStep(named(ssh, "cni-host-u2")).triggers.length, 5, "and the script's digest, no generation");
        for (const p of children(ssh, "kube-files")) {
            const env = p.inputs.environment as Record<string, string>;
            assert.strictEqual(env.NETLAB_SSH_HOST, `10.1.0.1${Number(p.name.split("-")[2].slice(1))}`);
            assert.strictEqual(env.NETLAB_CONTAINER, undefined);
        }
    });

    it("canal: calico's and flannel's tarballs on every host, all their images imported, and all leave with it", async () => {
        const canal = await runStackFile("kube-lab", { ...withArtifacts, "netlab:cni": "canal" });
        assert.strictEqual(canal.outputs.cniMtu, 1450, "auto: eth0's 1500 minus flannel's VXLAN 50");
        const pushes = children(canal, "cni-image");
        assert.deepStrictEqual(pushes.map((p) => (p.inputs.environment as Record<string, string>).NETLAB_DEST).sort(),
            ["u1", "u2", "u3"].flatMap(() => ["/var/lib/netlab/images/calico.tar", "/var/lib/netlab/images/flannel.tar"]).sort());
        const refs = ["calico-node:v3.31.7", "calico-kube-controllers:v3.31.7", "flannel:v0.28.10"].map((r) => `localhost/netlab/${r}`).join(" ");
        for (const h of ["u1", "u2", "u3"]) {
            const host = hostStep(named(canal, `cni-host-${h}`));
            assert.ok(host.stdin.includes(`NETLAB_IMAGE_TARS='/var/lib/netlab/images/calico.tar /var/lib/netlab/images/flannel.tar'`), host.stdin.slice(0, 400));
            assert.ok(host.stdin.includes(`NETLAB_IMAGES='${refs}'`));
            assert.ok((host.delete ?? "").includes(`NETLAB_IMAGES='\\''${refs}'\\''`), "every image leaves with it");
        }
    });

    it("without a CNI's tarball, kube-lab names it and the command that builds it", async () => {
        const partial = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-kube-partial-"));
        fs.cpSync(ARTIFACTS, partial, { recursive: true });
        fs.rmSync(path.join(partial, "images/cilium.tar"));
        await assert.rejects(runStackFile("kube-lab", { "netlab:artifactsDir": partial, "netlab:cni": "cilium" }),
            /images\/cilium\.tar missing[\s\S]*npm run toolchain -- kube/);
        assert.strictEqual(lastRecorded().length, 0, "before any resource");
        fs.rmSync(partial, { recursive: true, force: true });
    });

    it("without an artifacts directory, kubeadm says how to build one", async () => {
        await assert.rejects(runStackFile("kube-lab", { "netlab:artifactsDir": "" }), /artifactsDir/);
    });

    it("names the missing Kubernetes artifacts and the command that builds them", async () => {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-empty-artifacts-"));
        await assert.rejects(runStackFile("kube-lab", { "netlab:artifactsDir": empty }),
            /kubernetes\/kubeadm, kubernetes\/kubelet[\s\S]*Fix: npm run toolchain -- kube/);
    });
});
