/**
 * A CNI benchmark's report, written (`npm run bench`, after seed 000): into one folder the
 * results (results.json), the charts (charts.ts: bench-NAME.png) and the Markdown page
 * (markdown.ts: README.md, linking the charts beside it).
 */
import * as fs from "fs";
import * as path from "path";
import { renderBenchCharts } from "./charts";
import { renderReportMarkdown } from "./markdown";
import { BenchResults } from "./results";

/** Writes a run's results, charts and report into `dir` (made if missing); returns the report's path. */
export async function writeBenchReport(results: BenchResults, dir: string): Promise<string> {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "results.json"), JSON.stringify(results, null, 2) + "\n");
    const charts = await renderBenchCharts(results, dir);
    const report = path.join(dir, "README.md");
    fs.writeFileSync(report, renderReportMarkdown(results, Object.fromEntries(Object.entries(charts).map(([k, f]) => [k, path.basename(f)]))));
    return report;
}
