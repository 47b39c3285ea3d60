/** The lab checks' reports: one line per cell, "PASS|FAIL|UNSUPPORTED <cell>: <detail>". */

/** Parses the check lines into a matrix: cell -> "PASS: detail" (for the stack output). */
export function parseCheckReport(stdout: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of stdout.split("\n")) {
        const m = /^(PASS|FAIL|UNSUPPORTED) (.+?): (.*)$/.exec(line.trim());
        if (m) {
            out[m[2]] = `${m[1]}: ${m[3]}`;
        }
    }
    return out;
}
