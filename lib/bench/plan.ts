/**
 * The CNI benchmark's plan (npm run bench, seed 000), pure: which rounds run and with what
 * config, the pods of a round (a server pinned to one worker, a client pinned to another, on
 * the pod network or, for the bare-metal round, on the hosts' network), the commands each
 * test runs in the client, and how their output becomes a figure in Mbit/s.
 */
import { Cni } from "../config";
import { CNI_TRAITS } from "../cni";
import { Test } from "./results";

export const BENCH_NAMESPACE = "netlab-bench";
export const BENCH_IMAGE = "localhost/netlab/bench:1";
/** The ports bench-serve listens on (images/bench/bench). */
export const BENCH_PORTS = { iperf: 15201, http: 18080, ftp: 12121, ssh: 12222 } as const;
/** The download file of the HTTP, FTP and SCP tests. */
export const BENCH_FILE = "/srv/bench/data.bin";

export interface BenchRoundPlan {
    name: string;
    kind: "bare-metal" | "cni";
    cni?: Cni;
    encrypted?: boolean;
}

/** CNIs whose encryption runs where their traits say it needs nothing from the kernel (weave); the others are checked per host. */
export function benchRounds(cnis: Cni[], encrypted: Cni[]): BenchRoundPlan[] {
    const rounds: BenchRoundPlan[] = [{ name: "bare-metal", kind: "bare-metal" }];
    for (const cni of cnis) {
        rounds.push({ name: cni, kind: "cni", cni, encrypted: false });
        if (encrypted.includes(cni)) {
            if (!CNI_TRAITS[cni].encryption) {
                throw new Error(`${cni} cannot encrypt pod traffic (netlab's traits): drop it from the encrypted rounds`);
            }
            rounds.push({ name: `${cni}-encrypted`, kind: "cni", cni, encrypted: true });
        }
    }
    return rounds;
}

/** What a CNI offers here, in the seed's terms. */
export function cniFeatures(cni: Cni, encryptionRan: boolean): { networkPolicy: boolean; encryption: boolean; mtuAuto: boolean } {
    const t = CNI_TRAITS[cni];
    return { networkPolicy: t.networkPolicy.ingress && t.networkPolicy.egress, encryption: encryptionRan, mtuAuto: t.detectsMtu };
}

/** The bench's objects: namespace, the scp key, the server and client pods, and a Service to the server. */
export function benchManifest(o: { serverNode: string; clientNode: string; hostNetwork: boolean; publicKey: string; fileMiB: number }): string {
    const pod = (name: string, node: string, role: "server" | "client"): object => ({
        apiVersion: "v1", kind: "Pod",
        metadata: { name, namespace: BENCH_NAMESPACE, labels: { "netlab.io/bench": role } },
        spec: {
            nodeName: node,
            hostNetwork: o.hostNetwork,
            dnsPolicy: o.hostNetwork ? "ClusterFirstWithHostNet" : "ClusterFirst",
            terminationGracePeriodSeconds: 0,
            tolerations: [{ operator: "Exists" }],
            containers: [{
                name: role, image: BENCH_IMAGE, imagePullPolicy: "Never",
                command: role === "server" ? ["bench-serve"] : ["sleep", "infinity"],
                env: role === "server" ? [{ name: "BENCH_FILE_MIB", value: String(o.fileMiB) },
                    { name: "BENCH_AUTHORIZED_KEY", value: o.publicKey }] : [],
                readinessProbe: role === "server" ? { exec: { command: ["test", "-f", "/tmp/bench-ready"] }, periodSeconds: 1 } : undefined,
                volumeMounts: role === "server" ? [{ name: "data", mountPath: "/srv/bench" }] : [],
            }],
            volumes: role === "server" ? [{ name: "data", emptyDir: {} }] : [],
        },
    });
    const service = {
        apiVersion: "v1", kind: "Service", metadata: { name: "bench-server", namespace: BENCH_NAMESPACE },
        spec: { selector: { "netlab.io/bench": "server" }, ports: [{ name: "iperf", port: BENCH_PORTS.iperf, targetPort: BENCH_PORTS.iperf }] },
    };
    const items = [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: BENCH_NAMESPACE } },
        pod("bench-server", o.serverNode, "server"),
        pod("bench-client", o.clientNode, "client"),
        service,
    ];
    return JSON.stringify({ apiVersion: "v1", kind: "List", items });
}

/** The command a test runs in the client pod (argv for kubectl exec), against the server's IP or the Service's. */
export function testCommand(test: Test, target: string, seconds: number): string[] {
    const iperf = ["iperf3", "-c", target, "-p", String(BENCH_PORTS.iperf), "-t", String(seconds), "-J"];
    switch (test) {
        case "tcp":
        case "service":
            return iperf;
        case "udp":
            // Unlimited rate; datagrams that fit every CNI's MTU here (weave encrypted: 1414).
            return [...iperf, "-u", "-b", "0", "-l", "1350"];
        case "http":
            return ["curl", "-sS", "-o", "/dev/null", "--max-time", "120", "-w", "%{speed_download}", `http://${target}:${BENCH_PORTS.http}/data.bin`];
        case "ftp":
            return ["curl", "-sS", "-o", "/dev/null", "--max-time", "120", "-w", "%{speed_download}", `ftp://${target}:${BENCH_PORTS.ftp}/data.bin`];
        case "scp":
            // bash's `time` of one scp of the file; -i the key the bench put into the client; -O the
            // scp protocol itself (its SFTP mode cannot write to /dev/null).
            return ["bash", "-c", `TIMEFORMAT=%R; { time scp -O -q -P ${BENCH_PORTS.ssh} -i /root/bench.key -o StrictHostKeyChecking=no `
                + `-o UserKnownHostsFile=/dev/null root@${target}:${BENCH_FILE} /dev/null; } 2>&1`];
    }
}

interface IperfJson {
    error?: string;
    end?: {
        sum_received?: { bits_per_second?: number };
        sum?: { bits_per_second?: number; lost_percent?: number };
    };
}

/** A test's output -> Mbit/s. */
export function parseTestOutput(test: Test, out: string, fileMiB: number): number {
    const fail = (why: string): never => {
        throw new Error(`bench ${test}: ${why} (output: ${out.trim().slice(0, 300)})`);
    };
    switch (test) {
        case "tcp":
        case "service":
        case "udp": {
            let j: IperfJson;
            try {
                j = JSON.parse(out) as IperfJson;
            } catch {
                return fail("iperf3 printed no JSON");
            }
            if (j.error) {
                return fail(`iperf3: ${j.error}`);
            }
            const bps = test === "udp"
                // What arrived: the sender's rate less what was lost.
                ? (j.end?.sum?.bits_per_second ?? NaN) * (1 - (j.end?.sum?.lost_percent ?? 100) / 100)
                : j.end?.sum_received?.bits_per_second ?? NaN;
            return Number.isFinite(bps) && bps > 0 ? bps / 1e6 : fail("no throughput in iperf3's result");
        }
        case "http":
        case "ftp": {
            const bytesPerSecond = Number(out.trim());
            return Number.isFinite(bytesPerSecond) && bytesPerSecond > 0 ? bytesPerSecond * 8 / 1e6 : fail("curl printed no download speed");
        }
        case "scp": {
            const seconds = Number(out.trim().split("\n").pop());
            return Number.isFinite(seconds) && seconds > 0 ? fileMiB * 1048576 * 8 / seconds / 1e6 : fail("no time for the scp");
        }
    }
}

/** The stack settings a bench round changes. */
export const CNI_KEYS = ["netlab:cni", "netlab:cniEncryption", "netlab:weavePassword"] as const;
export type CniKey = typeof CNI_KEYS[number];

/** The settings to put back, as the log says them (undefined: not set): a password is never shown. */
export function settingsText(settings: Record<CniKey, string | undefined>): string {
    return CNI_KEYS.map((k) => `${k}=${k.endsWith("Password") ? "[secret]" : settings[k] ?? "(unset)"}`).join(", ");
}
