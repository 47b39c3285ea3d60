/**
 * A CNI benchmark's report as Markdown (`npm run bench`, after seed 000): the machine and
 * versions beside the seed's, how this machine differs from the seed's, the seed's tables
 * (tables.ts: absolute and % of bare metal, RAM and CPU over the idle cluster), MTU and
 * features, the verdict in the seed's terms (verdict.ts: fastest, leanest, most featureful),
 * the rankings against the seed's own findings (seed-comparison.ts) and the errors. Pure;
 * charts.ts draws the PNGs it links.
 */
import * as path from "path";
import { SEED_CNI_VERSIONS, SEED_FEATURES, SEED_SETUP, SEED_VERDICT, SeedRanking } from "./seed";
import { Summary } from "./stats";
import { bareMetalRound, BenchResults, BenchRound, cniRounds } from "./results";
import { formatNumber, pct, signed } from "./format";
import { RankedRound, seedComparison } from "./seed-comparison";
import { benchTables } from "./tables";
import { verdict } from "./verdict";

/** Escapes text for a Markdown table cell. */
function cell(text: string): string {
    return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** A Markdown table; `align` has an "l" or "r" per column (default: the first left, the others right). */
function table(header: string[], rows: string[][], align?: string): string[] {
    return [
        `| ${header.map(cell).join(" | ")} |`,
        `| ${header.map((_, i) => ((align?.[i] ?? (i === 0 ? "l" : "r")) === "l" ? "---" : "---:")).join(" | ")} |`,
        ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
    ];
}

function summaryCell(s: Summary | null, unit = ""): string {
    return s === null ? "no result" : `${formatNumber(s.median)}${unit} (${formatNumber(s.min)}–${formatNumber(s.max)})`;
}

function duration(seconds: number): string {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = Math.round(seconds % 60);
    return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s} s` : `${s} s`;
}

function yesNo(v: boolean | undefined): string {
    return v === undefined ? "?" : v ? "yes" : "no";
}

/** Encryption in a round: on, off with the round that had it on, or offered and not run. */
function encryptionCell(results: BenchResults, r: BenchRound): string {
    if (r.encrypted === true) {
        return "on";
    }
    const on = results.rounds.find((x) => x.kind === "cni" && x.cni === r.cni && x.encrypted === true);
    return on !== undefined ? `off (on in ${on.name})` : r.features?.encryption === true ? "offered, not run" : "no";
}

function differences(results: BenchResults): string[] {
    const m = results.machine;
    const bareMtu = bareMetalRound(results)?.mtu;
    const weave = results.rounds.some((r) => r.cni === "weave");
    const lines = [
        "## How this machine differs from the seed's",
        "",
        `The seed: ${SEED_SETUP.hosts}; ${SEED_SETUP.network}; Kubernetes ${SEED_SETUP.kubernetes} on ${SEED_SETUP.os}; ${SEED_SETUP.runs}.`,
        "",
        m.hostProvider === "docker"
            ? `- **Hosts**: u1 (control plane), u2 and u3 (workers) are Docker containers on one machine: one kernel (${m.kernel}), ${m.cpus} CPU cores and ${formatNumber(m.memTotalMiB / 1024)} GiB of RAM shared by the three hosts and by the benchmark's client and server. The seed had three dedicated servers.`
            : `- **Hosts**: u1 (control plane), u2 and u3 (workers) reached over SSH; this machine: ${m.cpus} CPU cores, ${formatNumber(m.memTotalMiB / 1024)} GiB of RAM, kernel ${m.kernel}.`,
        m.hostProvider === "docker"
            ? `- **Network**: no 10 Gbit/s NIC nor switch: the lab network is a Docker bridge (veth pairs inside one kernel), MTU ${bareMtu ?? "?"} against the seed's jumbo frames (${SEED_SETUP.mtu}). Throughput is bound by the CPU, not a link: compare the % of bare metal and the rankings, not the Mbit/s.`
            : `- **Network**: the hosts' own network, MTU ${bareMtu ?? "?"} against the seed's 10 Gbit/s with jumbo frames (${SEED_SETUP.mtu}).`,
        ...(weave ? ["- **Weave** runs in sleeve mode (user space; the lab kernels have no Open vSwitch datapath), not fastdp as in the seed; encrypted, sleeve seals packets with NaCl instead of fastdp's IPsec."] : []),
        `- **Versions**: Kubernetes ${results.versions.kubernetes} against ${SEED_SETUP.kubernetes}, and CNI releases years newer than the seed's (table above).`,
        "- **Statistics**: the seed shows the mean of at least three runs; this report the median, with min–max.",
        "- **Resources**: CPU is % of the whole host (all cores = 100), the seed's chart is per mille of its servers; the CPU over idle includes the transfer itself, which runs at a different speed per CNI.",
        "- **Tests**: pod to Service (TCP to the Service's virtual IP) is netlab's own; the seed has no such test.",
        ...m.notes.map((n) => `- ${n}`),
    ];
    return lines;
}

function chartLink(chartFiles: Record<string, string>, name: string, alt: string, reportDir: string | undefined): string[] {
    const file = chartFiles[name];
    if (file === undefined) {
        return [];
    }
    const target = reportDir === undefined ? file : path.relative(reportDir, file);
    return ["", `![${alt}](${target.split(path.sep).join("/")})`];
}

function tiersText(s: SeedRanking): string {
    return s.tiers.map((t) => (t.length > 1 ? `{${t.join(", ")}}` : t[0])).join(" > ")
        + s.claims.map((c) => `; ${c.better.length > 1 ? `{${c.better.join(", ")}}` : c.better[0]} > ${c.worse.length > 1 ? `{${c.worse.join(", ")}}` : c.worse[0]}`).join("");
}

function oursText(ours: RankedRound[]): string {
    return ours.map((o) => `${o.rank}. ${o.name}`).join(", ");
}

/**
 * The report as a Markdown page. `chartFiles` maps chart names (charts.ts: a test, "ram", "cpu")
 * to PNG paths; with `reportDir` the links are made relative to it (where the page is written).
 */
export function renderReportMarkdown(results: BenchResults, chartFiles: Record<string, string> = {}, reportDir?: string): string {
    const tables = benchTables(results);
    const v = verdict(results);
    const cmp = seedComparison(results);
    const cnis = cniRounds(results);
    const out: string[] = [
        `# CNI benchmark: ${cnis.map((r) => r.name).join(", ") || "no CNI"}`,
        "",
        "A reproduction of seed 000, \"Benchmark results of Kubernetes network plugins (CNI) over 10Gbit/s network (Updated: April 2019)\", on netlab's three hosts, the CNI swapped in place between rounds.",
        "",
        `- Started: ${results.startedAt}; wall time ${duration(results.wallSeconds)}`,
        `- ${results.config.runs} runs per test, ${results.config.seconds} s each; CNIs asked for: ${results.config.cnis.join(", ")}`,
        "",
        "## Machine and versions",
        "",
        ...table(["", "this run", "seed"], [
            ["hosts", `${results.machine.hostProvider === "docker" ? "3 Docker containers" : "3 hosts over SSH"}, ${results.machine.cpus} CPU cores, ${formatNumber(results.machine.memTotalMiB)} MiB`, "3 Supermicro bare-metal servers"],
            ["kernel", results.machine.kernel, SEED_SETUP.os],
            ["Kubernetes", results.versions.kubernetes, SEED_SETUP.kubernetes],
            ...[...new Set([...Object.keys(results.versions.cni), ...Object.keys(SEED_CNI_VERSIONS)])].sort()
                .map((c) => [c, results.versions.cni[c] ?? "not run", SEED_CNI_VERSIONS[c] ?? "not in the seed"]),
        ], "lll"),
        "",
        ...differences(results),
        "",
        "## Throughput",
        "",
        "Median of the runs in Mbit/s, (min–max), and the median as % of bare metal's.",
    ];
    for (const t of tables.tests) {
        out.push("", `### ${t.label}`, "",
            ...table(["round", "Mbit/s", "% of bare metal", "runs"],
                t.rows.map((r) => [r.round, summaryCell(r.summary), r.pctOfBareMetal === null ? "—" : pct(r.pctOfBareMetal), String(r.summary?.n ?? 0)])),
            ...chartLink(chartFiles, t.test, `${t.label}: Mbit/s per round`, reportDir));
    }
    const summaryRounds = results.rounds.filter((r) => r.kind !== "idle");
    if (tables.tests.length > 0) {
        out.push("", "### Summary: % of bare metal", "",
            ...table(["round", ...tables.tests.map((t) => t.test)], summaryRounds.map((r) => [r.name, ...tables.tests.map((t) => {
                const p = t.rows.find((row) => row.round === r.name)?.pctOfBareMetal ?? null;
                return p === null ? "—" : pct(p);
            })])));
    }
    out.push("", "## Resources during the TCP transfer", "",
        "Per host the median of the runs (min–max); \"hosts\" is the median across hosts (with two hosts, their mean); "
        + "\"over idle\" is each host's median minus the idle round's on that host (the cluster at rest; the seed's idle cluster had no CNI, "
        + "the notes above say what this run's had), median across hosts.");
    for (const [t, chart] of [[tables.ram, "ram"], [tables.cpu, "cpu"]] as const) {
        const unit = t.unit === "%" ? " %" : " MiB";
        out.push("", `### ${t.label}`, "");
        if (t.rows.length === 0) {
            out.push("No resources were measured.");
            continue;
        }
        out.push(...table(["round", ...t.hosts, "hosts", "over idle"], t.rows.map((r) => [
            r.round,
            ...t.hosts.map((h) => summaryCell(r.perHost[h])),
            r.hosts === null ? "—" : formatNumber(r.hosts),
            r.overIdle === null ? "—" : signed(r.overIdle, t.unit === "%" ? 1 : 0, unit),
        ])), ...chartLink(chartFiles, chart, t.label, reportDir));
    }
    out.push("", "## MTU and features", "",
        "What each CNI offers here (netlab's traits and what ran); the seed's findings beside them.", "",
        ...table(["round", "version", "pod MTU", "NetworkPolicy", "encryption", "MTU auto-detection", "seed: NetworkPolicy, encryption, MTU auto"],
            results.rounds.filter((r) => r.kind !== "idle").map((r) => {
                const seed = r.cni === undefined ? undefined : SEED_FEATURES[r.cni];
                return [
                    r.name, r.cni === undefined ? "—" : results.versions.cni[r.cni] ?? "?", r.mtu === undefined ? "?" : String(r.mtu),
                    r.kind === "cni" ? yesNo(r.features?.networkPolicy) : "—",
                    r.kind === "cni" ? encryptionCell(results, r) : "—",
                    r.kind === "cni" ? yesNo(r.features?.mtuAuto) : "—",
                    seed === undefined ? "—" : `${seed.networkPolicy}, ${yesNo(seed.encryption)}, ${yesNo(seed.mtuAuto)}`,
                ];
            }), "llrllll"));
    out.push("", "## Verdict", "", "Computed from the numbers above, in the seed's terms.", "");
    for (const p of [v.fastest, v.fastestEncrypted, v.leanest, v.featureful]) {
        out.push(`- **${p.title}**: ${p.summary} Rule: ${p.rule}.`);
        for (const e of p.excluded) {
            out.push(`  - not judged: ${e.name} (${e.reason})`);
        }
    }
    for (const p of [v.fastest, v.leanest, v.featureful]) {
        if (p.standings.length > 1) {
            out.push("", `### ${p.title}: standings`, "", ...table(["rank", "round", "score", "numbers"],
                p.standings.map((s) => [String(s.rank), s.name, p === v.fastest ? pct(s.score) : String(s.score), s.detail]), "rlrl"));
        }
    }
    out.push("", "## Compared with the seed's ranking", "",
        "Rankings, not Mbit/s: the seed's tables are images its text does not carry, so its order per test is read from its prose "
        + "(lib/bench/seed.ts), in tiers (best first; `{a, b}` are not told apart). "
        + "ρ is Spearman's rank correlation between the seed's tiers and this run's medians over the contenders both have (1: same order); "
        + "\"orders held\" counts the seed's stated orders (a above b) that this run confirms.", "",
        ...table(["measure", "seed (its words)", "seed's order", "this run", "ρ", "orders held"], cmp.measures.map((m) => {
            const held = m.pairs.filter((p) => p.outcome === "held").length;
            const tied = m.pairs.filter((p) => p.outcome === "tied").length;
            return [
                m.label,
                m.seed === null ? "not in the seed" : m.seed.quote + (m.seed.figures.length > 0 ? ` (${m.seed.figures.join("; ")})` : ""),
                m.seed === null ? "—" : tiersText(m.seed),
                oursText(m.ours) + (m.lowerIsBetter ? " (lowest first)" : ""),
                m.spearman === null ? "—" : m.spearman.toFixed(2),
                m.pairs.length === 0 ? "—" : `${held} of ${m.pairs.length}${tied > 0 ? ` (${tied} tied)` : ""}`,
            ];
        }), "lllllrr"));
    const broken = cmp.measures.flatMap((m) => m.pairs.filter((p) => p.outcome === "broken").map((p) => `${m.measure}: ${p.worse} above ${p.better}`));
    if (broken.length > 0) {
        out.push("", `Where this run disagrees with the seed: ${broken.join("; ")}.`);
    }
    out.push("", ...table(["verdict", "seed", "this run"], cmp.verdicts.map((x) => [x.what, x.seed.join(", ") || "—", x.ours.join(", ") || "—"]), "lll"),
        "", `The seed's conclusions: ${SEED_VERDICT.recommendations.join("; ")}.`);
    const errors = results.rounds.filter((r) => (r.errors ?? []).length > 0);
    if (errors.length > 0) {
        out.push("", "## Errors", "");
        for (const r of errors) {
            for (const e of r.errors!) {
                out.push(`- ${r.name}: ${e}`);
            }
        }
    }
    return out.join("\n") + "\n";
}
