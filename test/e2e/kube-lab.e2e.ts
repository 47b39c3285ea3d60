/**
 * e2e for the kube-lab stack: a kubeadm cluster on the three docker hosts with flannel, the
 * httpbackend Deployment and the lab checks; a no-op second up; the CNI swapped in place to
 * kube-router (the cluster is not rebuilt, flannel leaves nothing on the hosts, the
 * NetworkPolicy becomes enforced) and back (kube-router leaves nothing); destroy with
 * nothing left on the hosts' machine.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkPrerequisites, LabStack, Phases, ROOT, sh, sshArgs } from "./lab";

interface HostOut { name: string; labAddress: string; ssh: { host: string; port: number; user: string } }

const ARTIFACTS = path.join(ROOT, ".toolchain", "artifacts");
const KUBECTL = path.join(ARTIFACTS, "kubernetes", "kubectl");

/** The matrix must have every cell passing, but for the cells `unsupported` allows. */
function assertMatrix(matrix: Record<string, string>, unsupportedPolicy: boolean): void {
    const cells = Object.entries(matrix);
    for (const [cell, result] of cells) {
        console.log(`      ${result.split(":")[0].padEnd(11)} ${cell}: ${result.slice(result.indexOf(":") + 2)}`);
    }
    assert.ok(cells.length >= 11, `a full matrix (nodes + 2 probe nodes x (3 pods + service + dns + policy)), got ${cells.length}`);
    for (const [cell, result] of cells) {
        if (cell.startsWith("policy ")) {
            assert.match(result, unsupportedPolicy ? /^UNSUPPORTED: reached/ : /^PASS: refused/, cell);
        } else {
            assert.match(result, /^PASS: /, cell);
        }
    }
    assert.strictEqual(matrix.nodes, "PASS: 3/3 Ready");
}

describe("e2e: kube-lab stack (kubeadm, flannel -> kube-router -> flannel in place, httpbackend, checks)", function () {
    this.timeout(60 * 60 * 1000);
    const phases = new Phases();
    const lab = new LabStack("e2e-kube", "kube-lab");
    const keyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "netlab-e2e-key-")), "lab.key");
    let hosts: HostOut[] = [];
    let kubeconfig = "";
    let systemUid = "";
    let volumes: string[] = [];
    const kubectl = (...args: string[]): string => sh(KUBECTL, ["--kubeconfig", kubeconfig, ...args]);
    const onHost = (h: HostOut, cmd: string): string => sh("ssh", [...sshArgs(keyFile, h.ssh.port), cmd]);

    before(function () {
        checkPrerequisites(["command", "docker", "kubernetes"]);
        for (const f of ["kubernetes/kubeadm", "images/kubernetes.tar", "images/flannel.tar", "images/kube-router.tar", "cni/bridge", "httpbackend"]) {
            assert.ok(fs.existsSync(path.join(ARTIFACTS, f)), `.toolchain/artifacts/${f} is missing: run 'npm run toolchain -- kube'`);
        }
    });

    after(async function () {
        fs.rmSync(path.dirname(keyFile), { recursive: true, force: true });
        console.log(`      phases: ${phases.times.map(([n, s]) => `${n} ${s.toFixed(1)} s`).join(", ")}`);
        await lab.dispose().catch(() => undefined);
    });

    it("pulumi up builds the cluster with flannel, runs httpbackend and passes the checks (policy reported unsupported)", async () => {
        const stack = await lab.open();
        const result = await phases.time("up", () => stack.up({ onOutput: () => undefined }));
        assert.strictEqual(result.summary.result, "succeeded");
        hosts = result.outputs.hosts.value as HostOut[];
        fs.writeFileSync(keyFile, result.outputs.sshPrivateKey.value as string, { mode: 0o600 });
        assert.ok(result.outputs.kubeconfig.secret, "the kubeconfig is a secret output");
        kubeconfig = result.outputs.KUBECONFIG.value as string;
        assert.strictEqual((fs.statSync(kubeconfig).mode & 0o777), 0o600);
        console.log(`      cni: ${result.outputs.cniStatus.value as string}, mtu ${String(result.outputs.cniMtu.value)}`);
        assert.strictEqual(result.outputs.cniMtu.value, 1450);
        assertMatrix(result.outputs.checks.value as Record<string, string>, true);
        volumes = sh("docker", ["ps", "-a", "--filter", `label=netlab.lab=${lab.prefix}`, "-q"]).trim().split("\n")
            .flatMap((id) => sh("docker", ["inspect", "-f", "{{range .Mounts}}{{if eq .Type \"volume\"}}{{.Name}} {{end}}{{end}}", id]).trim().split(" "))
            .filter((v) => v);
        assert.strictEqual(volumes.length, 6, "a /var/lib/docker and a /var/lib/containerd volume per host");
    });

    it("kubectl on this machine reaches the cluster: three Ready nodes at v1.34.4, httpbackend on u2 and u3", () => {
        const nodes = kubectl("get", "nodes", "-o", "jsonpath={range .items[*]}{.metadata.name} {.status.nodeInfo.kubeletVersion} {.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}");
        console.log(nodes.trim().split("\n").map((l) => `      ${l}`).join("\n"));
        assert.deepStrictEqual(nodes.trim().split("\n"), ["u1 v1.34.4 True", "u2 v1.34.4 True", "u3 v1.34.4 True"]);
        const placed = kubectl("get", "pods", "-l", "netlab.io/workload=httpbackend", "-o", "jsonpath={range .items[*]}{.spec.nodeName}{\"\\n\"}{end}");
        const onNodes = placed.trim().split("\n").sort();
        assert.strictEqual(onNodes.length, 3);
        assert.ok(onNodes.every((n) => n === "u2" || n === "u3"), `placement u2, u3: ${onNodes.join(",")}`);
        systemUid = kubectl("get", "namespace", "kube-system", "-o", "jsonpath={.metadata.uid}");
    });

    it("a second up changes nothing", async () => {
        const result = await phases.time("no-op up", () => lab.opened.up({ onOutput: () => undefined }));
        const changes = result.summary.resourceChanges ?? {};
        assert.deepStrictEqual(Object.keys(changes).filter((k) => k !== "same"), [], JSON.stringify(changes));
    });

    /** Sets netlab:cni, runs up, and checks what every swap must give: success, the matrix, the same cluster. */
    async function swapTo(cni: string, phase: string, unsupportedPolicy: boolean): Promise<void> {
        const stack = lab.opened;
        await stack.setConfig("netlab:cni", { value: cni });
        const result = await phases.time(phase, () => stack.up({ onOutput: () => undefined }));
        assert.strictEqual(result.summary.result, "succeeded");
        console.log(`      cni: ${result.outputs.cniStatus.value as string}, mtu ${String(result.outputs.cniMtu.value)}`);
        assert.match(result.outputs.cniStatus.value as string, new RegExp(`^cni=${cni} nodes=3 restarted=\\d+$`));
        assertMatrix(result.outputs.checks.value as Record<string, string>, unsupportedPolicy);
        assert.strictEqual(kubectl("get", "namespace", "kube-system", "-o", "jsonpath={.metadata.uid}"), systemUid, "the cluster was not rebuilt");
    }
    const links = (h: HostOut): string => onHost(h, "ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1");

    it("netlab:cni=kube-router swaps the CNI in place: same cluster, flannel gone from the hosts, the policy enforced", async () => {
        await swapTo("kube-router", "swap to kube-router", false);
        assert.strictEqual(kubectl("get", "daemonsets", "-A", "-l", "netlab.io/cni=flannel", "-o", "name").trim(), "");
        for (const h of hosts) {
            assert.deepStrictEqual(onHost(h, "ls /etc/cni/net.d").trim().split("\n"), ["10-kuberouter.conflist"], `${h.name}: /etc/cni/net.d`);
            const l = links(h);
            assert.ok(!/^(flannel\.1|cni0)$/m.test(l), `${h.name} still has flannel's interfaces: ${l}`);
            assert.ok(!onHost(h, "iptables-save").includes("FLANNEL"), `${h.name} still has flannel's iptables chains`);
        }
    });

    it("and back to flannel: kube-router leaves nothing on the hosts, the matrix passes again", async () => {
        await swapTo("flannel", "swap back to flannel", true);
        for (const h of hosts) {
            assert.deepStrictEqual(onHost(h, "ls /etc/cni/net.d").trim().split("\n"), ["10-flannel.conflist"], `${h.name}: /etc/cni/net.d`);
            const l = links(h);
            assert.ok(!/^(kube-bridge|kube-dummy-if)$/m.test(l), `${h.name} still has kube-router's interfaces: ${l}`);
            assert.ok(!/KUBE-ROUTER|KUBE-NWPLCY|KUBE-POD-FW/.test(onHost(h, "iptables-save")), `${h.name} still has kube-router's iptables chains`);
            assert.strictEqual(onHost(h, "ipset list -n").trim(), "", `${h.name} still has kube-router's ipsets`);
        }
    });

    it("destroy leaves no container, volume, network, cgroup or kubeconfig file behind", async () => {
        const result = await phases.time("destroy", () => lab.opened.destroy({ onOutput: () => undefined }));
        assert.strictEqual(result.summary.result, "succeeded");
        const label = `label=netlab.lab=${lab.prefix}`;
        assert.strictEqual(sh("docker", ["ps", "-a", "-q", "--filter", label]).trim(), "");
        assert.strictEqual(sh("docker", ["network", "ls", "-q", "--filter", label]).trim(), "");
        const left = volumes.filter((v) => sh("docker", ["volume", "ls", "-q", "--filter", `name=^${v}$`]).trim() !== "");
        assert.deepStrictEqual(left, [], "the hosts' volumes are removed");
        const cgroups = sh("bash", ["-c", `ls -d /sys/fs/cgroup/*/${lab.prefix}-* /sys/fs/cgroup/${lab.prefix}-* 2>/dev/null || true`]).trim();
        assert.strictEqual(cgroups, "", "the kubelets' cgroup roots are removed");
        assert.ok(!fs.existsSync(kubeconfig), `${kubeconfig} is removed`);
        assert.deepStrictEqual(await lab.dispose(), []);
    });
});
