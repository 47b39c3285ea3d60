/**
 * The seed's verdicts computed from a CNI benchmark's numbers: the fastest (mean % of bare
 * metal), the fastest with encryption, the leanest (RAM and CPU over the idle round) and the
 * most featureful here, each with its standings, what was left out and why, and the numbers
 * that decided. Pure.
 */
import { pct, signed } from "./format";
import { bareMetalRound, BenchFeatures, BenchResults, BenchRound, cniRounds, idleRound, Test, TESTS, values } from "./results";
import { mean, medianOrNull, midranks, ranks } from "./stats";
import { benchTables, BenchTables } from "./tables";

/** Precision the verdict compares at (what the tables show): equal after it is a tie. */
export const PRECISION = { pct: 0.1, ramMiB: 1, cpuPercent: 0.1, mbits: 1 } as const;

export function roundTo(v: number, step: number): number {
    return Math.round(v / step) * step;
}

export interface Standing {
    name: string;
    /** The deciding number (its meaning: the pick's rule). */
    score: number;
    /** 1 = best; equal at the tables' precision share a rank. */
    rank: number;
    /** The numbers behind the score. */
    detail: string;
}

export interface VerdictPick {
    /** What was picked, in the seed's words. */
    title: string;
    /** How the score is computed and which way is better. */
    rule: string;
    /** More than one when tied; none when nothing could be judged. */
    winners: string[];
    /** Best first. */
    standings: Standing[];
    /** Contenders left out, and why. */
    excluded: { name: string; reason: string }[];
    /** One sentence: the winner(s) and the numbers that decided. */
    summary: string;
}

export interface Verdict {
    fastest: VerdictPick;
    fastestEncrypted: VerdictPick;
    leanest: VerdictPick;
    featureful: VerdictPick;
}

function listNames(names: string[]): string {
    return names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

function pick(title: string, rule: string, scored: { name: string; score: number; detail: string }[], excluded: { name: string; reason: string }[],
    lowerIsBetter: boolean, step: number, scoreText: (s: number) => string, empty: string): VerdictPick {
    const r = ranks(scored.map((s) => s.score), lowerIsBetter, (v) => roundTo(v, step));
    const standings = scored.map((s, i) => ({ ...s, rank: r[i] })).sort((a, b) => a.rank - b.rank);
    const winners = standings.filter((s) => s.rank === 1).map((s) => s.name);
    let summary = empty;
    if (winners.length > 0) {
        const best = standings[0];
        const next = standings.find((s) => s.rank > 1);
        summary = `${listNames(winners)}${winners.length > 1 ? ` tie at ${scoreText(best.score)}` : ` at ${scoreText(best.score)}`} (${best.detail})`
            + (next === undefined ? "" : `; next ${next.name} at ${scoreText(next.score)}`) + ".";
    }
    return { title, rule, winners, standings, excluded, summary };
}

/** Tests that can be judged against bare metal: bare metal and at least one CNI round have results. */
function judgedTests(results: BenchResults): Test[] {
    const bare = bareMetalRound(results);
    return TESTS.filter((t) => (medianOrNull(values(bare, t)) ?? 0) > 0 && cniRounds(results).some((r) => values(r, t).length > 0));
}

function speedPick(results: BenchResults, rounds: BenchRound[], title: string): VerdictPick {
    const tests = judgedTests(results);
    const bare = bareMetalRound(results);
    const scored: { name: string; score: number; detail: string }[] = [];
    const excluded: { name: string; reason: string }[] = [];
    for (const r of rounds) {
        const missing = tests.filter((t) => values(r, t).length === 0);
        if (tests.length === 0 || missing.length > 0) {
            excluded.push({ name: r.name, reason: tests.length === 0 ? "no bare-metal results to compare with" : `no result for ${missing.join(", ")}` });
            continue;
        }
        const pcts = tests.map((t) => (medianOrNull(values(r, t))! / medianOrNull(values(bare, t))!) * 100);
        scored.push({ name: r.name, score: mean(pcts), detail: tests.map((t, i) => `${t} ${pct(pcts[i])}`).join(", ") });
    }
    return pick(title, `mean over ${tests.length === 0 ? "no tests" : tests.join(", ")} of the median as % of bare metal's; higher is better`,
        scored, excluded, false, PRECISION.pct, (s) => `${pct(s)} of bare metal`,
        rounds.length === 0 ? "no round to judge." : "none: no round has every test and a bare-metal result.");
}

function leanPick(results: BenchResults, tables: BenchTables): VerdictPick {
    const ram = new Map(tables.ram.rows.map((r) => [r.round, r.overIdle]));
    const cpu = new Map(tables.cpu.rows.map((r) => [r.round, r.overIdle]));
    const candidates: { name: string; ram: number; cpu: number }[] = [];
    const excluded: { name: string; reason: string }[] = [];
    for (const r of cniRounds(results)) {
        const ramOver = ram.get(r.name) ?? null;
        const cpuOver = cpu.get(r.name) ?? null;
        if (ramOver === null || cpuOver === null) {
            excluded.push({ name: r.name, reason: idleRound(results) === undefined ? "no idle round to subtract" : "no RAM or CPU measured (on the idle round's hosts)" });
        } else {
            candidates.push({ name: r.name, ram: ramOver, cpu: cpuOver });
        }
    }
    const ramRanks = midranks(candidates.map((c) => c.ram), true, (v) => roundTo(v, PRECISION.ramMiB));
    const cpuRanks = midranks(candidates.map((c) => c.cpu), true, (v) => roundTo(v, PRECISION.cpuPercent));
    const scored = candidates.map((c, i) => ({
        name: c.name, score: ramRanks[i] + cpuRanks[i],
        detail: `RAM ${signed(c.ram, 0, " MiB")} (rank ${ramRanks[i]}), CPU ${signed(c.cpu, 1, " %")} (rank ${cpuRanks[i]}) over idle`,
    }));
    return pick("Leanest", "RAM rank + CPU rank over the idle round (medians across hosts, during the TCP transfer); lower is better",
        scored, excluded, true, 0.5, (s) => `rank sum ${s}`, "none: no CNI round has RAM and CPU over an idle round.");
}

function featurePick(results: BenchResults): VerdictPick {
    const byCni = new Map<string, BenchRound[]>();
    for (const r of cniRounds(results)) {
        byCni.set(r.cni!, [...(byCni.get(r.cni!) ?? []), r]);
    }
    const scored: { name: string; score: number; detail: string }[] = [];
    const excluded: { name: string; reason: string }[] = [];
    for (const [cni, rounds] of byCni) {
        const features = rounds.map((r) => r.features).filter((f): f is BenchFeatures => f !== undefined);
        if (features.length === 0) {
            excluded.push({ name: cni, reason: "no features recorded" });
            continue;
        }
        const ran = rounds.filter((r) => r.encrypted === true && TESTS.some((t) => values(r, t).length > 0)).map((r) => r.name);
        const has = { networkPolicy: features.some((f) => f.networkPolicy), encryption: ran.length > 0, mtuAuto: features.some((f) => f.mtuAuto) };
        const detail = [
            has.networkPolicy ? "NetworkPolicy" : "no NetworkPolicy",
            has.encryption ? `encryption (${ran.join(", ")} ran)` : features.some((f) => f.encryption) ? "encryption offered but no encrypted round ran" : "no encryption",
            has.mtuAuto ? "MTU auto-detection" : "MTU set by netlab",
        ].join(", ");
        scored.push({ name: cni, score: Number(has.networkPolicy) + Number(has.encryption) + Number(has.mtuAuto), detail });
    }
    return pick("Most featureful here", "count of NetworkPolicy, encryption that ran (an encrypted round with results), MTU auto-detection; higher is better",
        scored, excluded, false, 1, (s) => `${s} of 3`, "none: no CNI round recorded its features.");
}

/** The seed's verdicts computed from this run's numbers, each with the numbers that decided it. Ties give several winners. */
export function verdict(results: BenchResults): Verdict {
    const cni = cniRounds(results);
    return {
        fastest: speedPick(results, cni, "Fastest"),
        fastestEncrypted: speedPick(results, cni.filter((r) => r.encrypted === true), "Fastest with encryption"),
        leanest: leanPick(results, benchTables(results)),
        featureful: featurePick(results),
    };
}
