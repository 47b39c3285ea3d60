/**
 * A CNI benchmark's rankings against the seed's own findings (seed.ts): per test, and for RAM
 * and CPU over idle, this run's order of the CNI rounds beside the seed's tiers (Spearman's rho,
 * and every order the seed states held, broken or tied), and the seed's verdicts beside this
 * run's. Pure.
 */
import { SEED_FEATURES, SEED_RANKINGS, SEED_RESOURCES, SEED_VERDICT, SeedClaim, SeedRanking } from "./seed";
import { ranks, spearman } from "./stats";
import { BenchResults, Test } from "./results";
import { benchTables } from "./tables";
import { PRECISION, roundTo, verdict } from "./verdict";

export type Measure = Test | "ram" | "cpu";

export interface RankedRound {
    name: string;
    /** Median Mbit/s for a test; MiB or % over idle for ram and cpu. */
    value: number;
    rank: number;
}

export interface PairCheck {
    better: string;
    worse: string;
    /** held: this run agrees; broken: it has them the other way; tied: equal at the tables' precision. */
    outcome: "held" | "broken" | "tied";
}

export interface RankingComparison {
    measure: Measure;
    label: string;
    lowerIsBetter: boolean;
    /** What the seed says; null for a measure it did not have (service). */
    seed: SeedRanking | null;
    /** The seed's tiers (1 = best) of the contenders it places. */
    seedTier: Record<string, number>;
    /** This run's CNI rounds with a value, best first. */
    ours: RankedRound[];
    /** Contenders in both the seed's tiers and this run. */
    compared: string[];
    /** Spearman's rho between the seed's tiers and this run's values over `compared`; null when undefined (fewer than 3, or one tier). */
    spearman: number | null;
    /** Every order the seed states (across tiers, and its extra claims) between contenders this run has. */
    pairs: PairCheck[];
    /** Seed contenders this run has no value for. */
    notRun: string[];
    /** This run's contenders the seed does not place. */
    notInSeed: string[];
}

export interface SeedComparison {
    measures: RankingComparison[];
    /** The seed's own verdicts beside this run's. */
    verdicts: { what: string; seed: string[]; ours: string[] }[];
}

function seedPairs(s: SeedRanking): SeedClaim[] {
    const pairs: SeedClaim[] = [];
    s.tiers.forEach((tier, i) => {
        for (const lower of s.tiers.slice(i + 1)) {
            pairs.push({ better: tier, worse: lower });
        }
    });
    return [...pairs, ...s.claims];
}

function compareRanking(measure: Measure, label: string, seed: SeedRanking | null, ourValues: Map<string, number>,
    lowerIsBetter: boolean, step: number): RankingComparison {
    const entries = [...ourValues.entries()];
    const r = ranks(entries.map(([, v]) => v), lowerIsBetter, (v) => roundTo(v, step));
    const ours = entries.map(([name, value], i) => ({ name, value, rank: r[i] })).sort((a, b) => a.rank - b.rank);
    const seedTier: Record<string, number> = {};
    seed?.tiers.forEach((tier, i) => tier.forEach((c) => (seedTier[c] = i + 1)));
    const placed = new Set<string>([...Object.keys(seedTier), ...(seed?.claims.flatMap((c) => [...c.better, ...c.worse]) ?? [])]);
    const compared = ours.map((o) => o.name).filter((n) => n in seedTier);
    // Both as "higher is better": the seed's tier negated, this run's value signed by direction.
    const rho = spearman(compared.map((n) => -seedTier[n]), compared.map((n) => (lowerIsBetter ? -1 : 1) * roundTo(ourValues.get(n)!, step)));
    const pairs: PairCheck[] = [];
    for (const claim of seed === null ? [] : seedPairs(seed)) {
        for (const better of claim.better.filter((n) => ourValues.has(n))) {
            for (const worse of claim.worse.filter((n) => ourValues.has(n))) {
                const b = roundTo(ourValues.get(better)!, step);
                const w = roundTo(ourValues.get(worse)!, step);
                const outcome = b === w ? "tied" : (lowerIsBetter ? b < w : b > w) ? "held" : "broken";
                pairs.push({ better, worse, outcome });
            }
        }
    }
    return {
        measure, label, lowerIsBetter, seed, seedTier, ours, compared, spearman: rho, pairs,
        notRun: [...placed].filter((n) => !ourValues.has(n)).sort(),
        notInSeed: ours.map((o) => o.name).filter((n) => !placed.has(n)),
    };
}

/** This run's ranking per test (and for RAM and CPU over idle) against the seed's, contender by contender. */
export function seedComparison(results: BenchResults): SeedComparison {
    const tables = benchTables(results);
    const measures: RankingComparison[] = tables.tests.map((t) => {
        const ourValues = new Map(t.rows.filter((r) => r.kind === "cni" && r.summary !== null).map((r) => [r.round, r.summary!.median]));
        return compareRanking(t.test, t.label, SEED_RANKINGS[t.test] ?? null, ourValues, false, PRECISION.mbits);
    });
    for (const [measure, table, step] of [["ram", tables.ram, PRECISION.ramMiB], ["cpu", tables.cpu, PRECISION.cpuPercent]] as const) {
        const ourValues = new Map(table.rows.filter((r) => r.overIdle !== null).map((r) => [r.round, r.overIdle!]));
        if (ourValues.size > 0) {
            measures.push(compareRanking(measure, `${measure === "ram" ? "RAM" : "CPU"} over idle`, SEED_RESOURCES[measure], ourValues, true, step));
        }
    }
    const v = verdict(results);
    const seedFeatureful = Object.entries(SEED_FEATURES)
        .map(([cni, f]) => ({ cni, n: (f.networkPolicy === "none" ? 0 : 1) + Number(f.encryption) + Number(f.mtuAuto) }));
    const most = Math.max(...seedFeatureful.map((f) => f.n));
    return {
        measures,
        verdicts: [
            { what: "fastest", seed: [...SEED_VERDICT.fastest], ours: v.fastest.winners },
            { what: "fastest with encryption", seed: [...SEED_VERDICT.fastestEncrypted].map((c) => `${c}-encrypted`), ours: v.fastestEncrypted.winners },
            { what: "leanest", seed: [...SEED_VERDICT.leanest], ours: v.leanest.winners },
            // The seed names no most featureful CNI: this is its feature findings counted by the same rule.
            { what: "most featureful (seed: its feature findings, counted alike)", seed: seedFeatureful.filter((f) => f.n === most).map((f) => f.cni), ours: v.featureful.winners },
        ],
    };
}
