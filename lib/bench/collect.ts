/**
 * What a bench run collects (lib/bench/run.ts measures, this keeps the figures), pure: a round's
 * record as its runs come in (the tests' Mbit/s, the measured hosts' RAM and CPU, what failed),
 * a round whose CNI did not come up, and at the end the results file (machine, versions, config,
 * every round) and the folder it goes to.
 */
import { CNI_VERSIONS } from "../cni";
import { Cni, DEFAULTS } from "../config";
import { BenchRoundPlan, cniFeatures } from "./plan";
import { BenchResults, BenchRound, Test } from "./results";

/** One host's RAM (without cache) and CPU over a few seconds (host-scripts/bench-usage.sh). */
export interface HostUsage {
    ramMiB: number;
    cpuPercent: number;
}

/** The facts of the machine the bench read from a host. */
export interface MachineFacts {
    kernel: string;
    cpus: number;
    memTotalMiB: number;
}

/** Per measured host: its RAM and CPU readings, filled by `recordUsage`. */
export function noResources(hosts: readonly string[]): NonNullable<BenchRound["resources"]> {
    return Object.fromEntries(hosts.map((h) => [h, { ramMiB: [], cpuPercent: [] }]));
}

/** A host's reading, added to the round's. */
export function recordUsage(round: BenchRound, host: string, u: HostUsage): void {
    round.resources![host].ramMiB.push(u.ramMiB);
    round.resources![host].cpuPercent.push(u.cpuPercent);
}

/** A measured round before its runs: the plan's CNI and its features, the MTU the client's pod has, the measured hosts. */
export function newRound(plan: BenchRoundPlan, mtu: number, hosts: readonly string[]): BenchRound {
    return {
        name: plan.name, kind: plan.kind, cni: plan.cni, encrypted: plan.encrypted, mtu,
        features: plan.cni ? cniFeatures(plan.cni, plan.encrypted === true) : undefined,
        samples: {}, resources: noResources(hosts), errors: [],
    };
}

/** The idle round before its readings: the hosts at rest, nothing of the bench running. */
export function newIdleRound(hosts: readonly string[]): BenchRound {
    return { name: "idle", kind: "idle", samples: {}, resources: noResources(hosts) };
}

/** A test's run of a round: its figure in Mbit/s. */
export function recordSample(round: BenchRound, test: Test, mbits: number): void {
    (round.samples[test] ??= []).push(mbits);
}

/**
 * The measured hosts' readings during a TCP run (one settled reading per host, in `hosts`'
 * order): each one read is recorded, each that failed is one of the round's errors.
 */
export function recordUsageDuring(round: BenchRound, hosts: readonly string[], readings: readonly PromiseSettledResult<HostUsage>[], run: number): void {
    for (const [j, u] of readings.entries()) {
        if (u.status === "fulfilled") {
            recordUsage(round, hosts[j], u.value);
        } else {
            round.errors!.push(`usage of ${hosts[j]} during tcp run ${run}: ${String(u.reason).split("\n").slice(-2).join(" ")}`);
        }
    }
}

/** A test's failed run, as the round's errors and the log say it: its first lines. */
export function testFailure(test: Test, run: number, e: Error): string {
    return `${test} run ${run}: ${e.message.split("\n").slice(0, 3).join(" ")}`;
}

/** What a failed `pulumi up` said that matters: its last three lines of FAIL or error:. */
export function upFailureGist(e: Error): string {
    return String(e.message).split("\n").filter((l) => /FAIL|error:/.test(l)).slice(-3).join(" ").trim();
}

/** A CNI round whose CNI did not come up: no figures, the failure as its error (the bench goes on with the next CNI). */
export function cniUpFailedRound(plan: BenchRoundPlan, failure: string): BenchRound {
    return { name: plan.name, kind: "cni", cni: plan.cni, encrypted: plan.encrypted, samples: {}, errors: [`pulumi up: ${failure}`] };
}

/** The CNI's version as netlab builds it. */
export function cniVersion(cni: Cni): string {
    const v = CNI_VERSIONS;
    const byCni: Record<Cni, string> = {
        flannel: v.FLANNEL_VERSION, weave: v.WEAVE_VERSION, "kube-router": v.KUBE_ROUTER_VERSION, calico: v.CALICO_VERSION,
        canal: `calico ${v.CALICO_VERSION} + flannel ${v.FLANNEL_VERSION}`, cilium: v.CILIUM_VERSION,
    };
    return byCni[cni];
}

/** What the results file says of a run: when it started and how long it took, the machine, what was asked for, and every round. */
export interface RunFacts {
    /** Milliseconds since the epoch. */
    started: number;
    wallSeconds: number;
    machine: MachineFacts;
    hostProvider: "docker" | "ssh";
    /** The stack's own CNI, the one the idle round ran with. */
    idleCni: string;
    cnis: Cni[];
    runs: number;
    seconds: number;
    rounds: BenchRound[];
}

/** The results file of a run. */
export function benchResults(f: RunFacts): BenchResults {
    return {
        schema: 1,
        startedAt: new Date(f.started).toISOString(),
        wallSeconds: f.wallSeconds,
        machine: {
            ...f.machine, hostProvider: f.hostProvider,
            notes: [`idle: the hosts at rest with ${f.idleCni} (netlab always runs a CNI; the seed's idle cluster had none)`,
                "bare metal: the same pods on the hosts' network, host to host over the lab network",
                "RAM and CPU: the whole host (its cgroup in docker mode), read during the first TCP seconds of each run"],
        },
        versions: { kubernetes: DEFAULTS.kubernetes.version, cni: Object.fromEntries(f.cnis.map((c) => [c, cniVersion(c)])) },
        config: { runs: f.runs, seconds: f.seconds, cnis: f.cnis },
        rounds: f.rounds,
    };
}

/** The folder of a run's results under bench/results: its start to the second, then the stack (20261130T210807-kube-lab). */
export function resultsDirName(startedAt: string, stack: string): string {
    return `${startedAt.replace(/\..*$/, "").replace(/[-:]/g, "")}-${stack}`;
}
