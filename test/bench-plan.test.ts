import * as assert from "assert";
import { BENCH_IMAGE, BENCH_NAMESPACE, benchManifest, benchRounds, cniFeatures, parseTestOutput, testCommand } from "../lib/bench/plan";

describe("bench plan: rounds, pods and tests", () => {
    it("bare metal first, then each CNI, the encrypted variants right after their CNI", () => {
        assert.deepStrictEqual(benchRounds(["flannel", "weave", "cilium"], ["weave"]).map((r) => r.name),
            ["bare-metal", "flannel", "weave", "weave-encrypted", "cilium"]);
        assert.throws(() => benchRounds(["flannel"], ["flannel"]), /flannel cannot encrypt/);
    });
    it("features in the seed's terms: NetworkPolicy both ways, encryption that ran, MTU detection", () => {
        assert.deepStrictEqual(cniFeatures("flannel", false), { networkPolicy: false, encryption: false, mtuAuto: true });
        assert.deepStrictEqual(cniFeatures("weave", true), { networkPolicy: true, encryption: true, mtuAuto: false });
        assert.strictEqual(cniFeatures("calico", false).networkPolicy, true);
    });
    it("a server pinned to one host and a client to another, on the pod network or the hosts', and a Service to the server", () => {
        const m = JSON.parse(benchManifest({ serverNode: "u2", clientNode: "u3", hostNetwork: false, publicKey: "ssh-ed25519 AAAA x", fileMiB: 64 })) as
            { items: { kind: string; metadata: { name: string; namespace?: string }; spec: Record<string, unknown> }[] };
        assert.deepStrictEqual(m.items.map((i) => `${i.kind}/${i.metadata.name}`), [`Namespace/${BENCH_NAMESPACE}`, "Pod/bench-server", "Pod/bench-client", "Service/bench-server"]);
        const [, srv, cli] = m.items;
        assert.deepStrictEqual([srv.spec.nodeName, cli.spec.nodeName, srv.spec.hostNetwork], ["u2", "u3", false]);
        const c = (srv.spec.containers as { image: string; imagePullPolicy: string; env: { name: string; value: string }[] }[])[0];
        assert.deepStrictEqual([c.image, c.imagePullPolicy], [BENCH_IMAGE, "Never"], "the image comes from the toolchain, never a registry");
        assert.deepStrictEqual(c.env, [{ name: "BENCH_FILE_MIB", value: "64" }, { name: "BENCH_AUTHORIZED_KEY", value: "ssh-ed25519 AAAA x" }]);
        const bare = JSON.parse(benchManifest({ serverNode: "u2", clientNode: "u3", hostNetwork: true, publicKey: "k", fileMiB: 1 })) as typeof m;
        assert.deepStrictEqual([bare.items[1].spec.hostNetwork, bare.items[1].spec.dnsPolicy], [true, "ClusterFirstWithHostNet"]);
    });
    it("each test's command is bounded in time and aimed at the target", () => {
        assert.deepStrictEqual(testCommand("tcp", "10.0.0.9", 5), ["iperf3", "-c", "10.0.0.9", "-p", "15201", "-t", "5", "-J"]);
        assert.deepStrictEqual(testCommand("udp", "10.0.0.9", 5).slice(-5), ["-u", "-b", "0", "-l", "1350"]);
        for (const t of ["http", "ftp"] as const) {
            const cmd = testCommand(t, "10.0.0.9", 5);
            assert.ok(cmd.includes("--max-time") && cmd[cmd.length - 1].startsWith(`${t}://10.0.0.9:`), cmd.join(" "));
        }
        assert.match(testCommand("scp", "10.0.0.9", 5)[2], /scp -O -q -P 12222 .* root@10\.0\.0\.9:\/srv\/bench\/data\.bin \/dev\/null/);
    });
    it("outputs become Mbit/s: iperf3 received rate, UDP less its loss, curl's bytes/s, the scp time", () => {
        assert.strictEqual(parseTestOutput("tcp", JSON.stringify({ end: { sum_received: { bits_per_second: 2.5e9 } } }), 256), 2500);
        assert.strictEqual(parseTestOutput("udp", JSON.stringify({ end: { sum: { bits_per_second: 1e9, lost_percent: 25 } } }), 256), 750);
        assert.strictEqual(parseTestOutput("http", "125000000.000", 256), 1000);
        assert.strictEqual(parseTestOutput("scp", "something\n2.000\n", 256), 256 * 1048576 * 8 / 2 / 1e6);
        assert.throws(() => parseTestOutput("tcp", JSON.stringify({ error: "unable to connect to server" }), 256), /iperf3: unable to connect/);
        assert.throws(() => parseTestOutput("ftp", "curl: (7) Failed", 256), /no download speed/);
        assert.throws(() => parseTestOutput("tcp", "not json", 256), /no JSON/);
    });
});
