/** Numbers as the bench report writes them (Markdown, charts, the verdict's details). */

/** A percentage with one decimal: 87.5%. */
export function pct(v: number): string {
    return `${v.toFixed(1)}%`;
}

/** A difference with its sign and unit: +20 MiB, -0.4 %, never -0. */
export function signed(v: number, decimals: number, unit: string): string {
    const text = v.toFixed(decimals);
    return `${v >= 0 ? "+" : ""}${text === "-0" || text === "-0.0" ? text.slice(1) : text}${unit}`;
}

/** Mbit/s and MiB as whole numbers with thousands separators; small values with one decimal. */
export function formatNumber(v: number): string {
    return Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(1);
}
