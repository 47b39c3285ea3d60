/**
 * The statistics of a CNI benchmark: median, min and max of a round's runs, and Spearman's rank
 * correlation between two rankings, from simple-statistics (nothing hand-rolled). Pure functions.
 */
import * as ss from "simple-statistics";

/** A round's runs of one measurement. */
export interface Summary {
    median: number;
    min: number;
    max: number;
    /** How many runs. */
    n: number;
}

/** Median, min and max of `values` (at least one, all finite): for an even count the median is the mean of the middle two. */
export function summarize(values: readonly number[]): Summary {
    if (values.length === 0) {
        throw new RangeError("summarize: no values");
    }
    if (!values.every((v) => Number.isFinite(v))) {
        throw new RangeError(`summarize: not a finite number in ${JSON.stringify(values)}`);
    }
    return { median: ss.median(values), min: ss.min(values), max: ss.max(values), n: values.length };
}

/** The median of `values`, or null when there are none. */
export function medianOrNull(values: readonly number[]): number | null {
    return values.length === 0 ? null : ss.median(values);
}

/** The arithmetic mean of `values` (at least one). */
export function mean(values: readonly number[]): number {
    return ss.mean(values);
}

/**
 * Spearman's rank correlation of paired scores (higher is better in both, ties share their
 * mean rank): 1 when the two orders agree, -1 when one is the other reversed. Null with fewer
 * than three pairs, or when either side puts every pair in one tie (then it is undefined).
 */
export function spearman(x: readonly number[], y: readonly number[]): number | null {
    if (x.length !== y.length) {
        throw new RangeError(`spearman: ${x.length} scores against ${y.length}`);
    }
    if (x.length < 3) {
        return null;
    }
    const rho = ss.sampleRankCorrelation(x, y);
    // Rounded off the float noise of the library's correlation (1.0000000000000002).
    return Number.isFinite(rho) ? Math.round(rho * 1e12) / 1e12 : null;
}

/**
 * Competition ranks (1, 2, 2, 4) of `scores`, best first: higher is better unless `lowerIsBetter`.
 * Scores equal after `round` (e.g. to the precision a table shows) share a rank.
 */
export function ranks(scores: readonly number[], lowerIsBetter = false, round: (v: number) => number = (v) => v): number[] {
    const key = scores.map((s) => (lowerIsBetter ? round(s) : -round(s)));
    return key.map((k) => 1 + key.filter((other) => other < k).length);
}

/**
 * Mid-ranks (1, 2.5, 2.5, 4) of `scores`, best first: tied scores (equal after `round`) share the
 * mean of the places they span, so a sum of ranks over several measures stays fair to ties.
 */
export function midranks(scores: readonly number[], lowerIsBetter = false, round: (v: number) => number = (v) => v): number[] {
    const key = scores.map((s) => (lowerIsBetter ? round(s) : -round(s)));
    return key.map((k) => {
        const before = key.filter((other) => other < k).length;
        const tied = key.filter((other) => other === k).length;
        return before + (tied + 1) / 2;
    });
}
