import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { DEFAULTS, KNOWN_KEYS, SECRET_KEYS, STRUCTURED_FIELDS } from "../lib/config";

const PAGE = path.resolve(__dirname, "..", "docs", "configuration.md");
const SETTINGS = "Settings";
const FIELDS_OF = /^Fields of `([A-Za-z]+)`$/;

interface Row { name: string; defaultCell: string; meaning: string }

/** The tables of the page by the `## ` heading above them: each body row's first cell (one code span), default and meaning. */
function tablesOf(markdown: string): Map<string, Row[]> {
    const tables = new Map<string, Row[]>();
    let heading = "";
    for (const line of markdown.split("\n")) {
        if (line.startsWith("## ")) {
            heading = line.slice(3).trim();
            continue;
        }
        if (!line.startsWith("|") || /^\|\s*-/.test(line)) {
            continue;
        }
        const cells = line.split("|").slice(1, -1).map((c) => c.trim());
        if (cells[0] === "key" || cells[0] === "field") {
            continue;
        }
        const name = /^`([^`]+)`$/.exec(cells[0]);
        assert.ok(name, `docs/configuration.md, under '${heading}': a row's first cell is not one code span: ${line}`);
        const rows = tables.get(heading) ?? [];
        rows.push({ name: name[1], defaultCell: cells[1] ?? "", meaning: cells[2] ?? "" });
        tables.set(heading, rows);
    }
    return tables;
}

/** What the code gives as a default, as the page must write it (a code span), by `key` or `section.field`. */
function codeDefaults(): Map<string, string> {
    const shown = (v: unknown): string => `\`${String(v)}\``;
    const defaults = new Map<string, string>();
    const top = DEFAULTS as unknown as Record<string, unknown>;
    for (const key of KNOWN_KEYS) {
        const v = top[key];
        if (typeof v === "string" || typeof v === "boolean" || typeof v === "number") {
            defaults.set(key, shown(v));
        }
    }
    const sections: Record<keyof typeof STRUCTURED_FIELDS, Record<string, unknown>> = {
        hosts: { port: DEFAULTS.sshPort, user: DEFAULTS.sshUser },
        weave: DEFAULTS.weave,
        consul: DEFAULTS.consul,
        nomad: DEFAULTS.nomad,
        kubernetes: DEFAULTS.kubernetes,
        workloads: DEFAULTS.workload,
    };
    for (const [section, values] of Object.entries(sections)) {
        for (const [field, v] of Object.entries(values)) {
            defaults.set(`${section}.${field}`, shown(v));
        }
    }
    return defaults;
}

/** Every way the page and the code disagree ([] when they agree). */
function differences(markdown: string): string[] {
    const found: string[] = [];
    const tables = tablesOf(markdown);
    const defaults = codeDefaults();
    const compare = (where: string, inCode: readonly string[], rows: Row[], prefix: string): void => {
        const onPage = rows.map((r) => r.name);
        inCode.filter((k) => !onPage.includes(k)).forEach((k) => found.push(`${where}: '${k}' is in the code but not on the page`));
        onPage.filter((k) => !inCode.includes(k)).forEach((k) => found.push(`${where}: '${k}' is on the page but not in the code`));
        onPage.filter((k, i) => onPage.indexOf(k) !== i).forEach((k) => found.push(`${where}: '${k}' has two rows`));
        for (const row of rows) {
            const want = defaults.get(prefix + row.name);
            if (want !== undefined && row.defaultCell !== want) {
                found.push(`${where}: '${row.name}' has default ${row.defaultCell}, the code's is ${want}`);
            }
        }
    };
    compare(SETTINGS, KNOWN_KEYS, tables.get(SETTINGS) ?? [], "");
    for (const key of SECRET_KEYS) {
        const row = tables.get(SETTINGS)?.find((r) => r.name === key);
        if (row && !row.meaning.includes("**secret**")) {
            found.push(`${SETTINGS}: '${key}' is a secret key, but its row does not say **secret**`);
        }
    }
    const sections = [...tables.keys()].map((h) => FIELDS_OF.exec(h)?.[1]).filter((s): s is string => s !== undefined);
    compare("the 'Fields of' sections", Object.keys(STRUCTURED_FIELDS), sections.map((name) => ({ name, defaultCell: "", meaning: "" })), "\0");
    for (const [section, fields] of Object.entries(STRUCTURED_FIELDS)) {
        compare(`Fields of \`${section}\``, fields, tables.get(`Fields of \`${section}\``) ?? [], `${section}.`);
    }
    for (const heading of tables.keys()) {
        if (heading !== SETTINGS && !FIELDS_OF.test(heading)) {
            found.push(`a table under '${heading}', which is neither '${SETTINGS}' nor 'Fields of \`…\`'`);
        }
    }
    return found;
}

describe("docs/configuration.md", () => {
    const page = fs.readFileSync(PAGE, "utf8");

    it("documents exactly the keys and fields the code knows, with the code's defaults", () => {
        assert.deepStrictEqual(differences(page), []);
    });

    it("the comparison notices a missing row, an unknown row, a wrong default and a missing section", () => {
        const dropRow = (md: string, row: RegExp): string => {
            assert.match(md, row);
            return md.replace(row, "");
        };
        let broken = dropRow(page, /^\| `cni` \|.*\n/m);
        broken = dropRow(broken, /^\| `maxSurge` \|.*\n/m);
        broken = broken.replace(/^\| `labNetwork` \| `[^`]*`/m, "| `labNetwork` | `10.0.0.0/24`");
        broken = broken.replace(/^(\| `privileged` \|.*\n)/m, "$1| `hostProviders` | `docker` | a typo |\n");
        broken = broken.replace(/^## Fields of `nomad`\n[\s\S]*?(?=^## )/m, "");
        assert.deepStrictEqual(differences(broken).sort(), [
            "Fields of `nomad`: 'version' is in the code but not on the page",
            "Fields of `workloads`: 'maxSurge' is in the code but not on the page",
            "Settings: 'cni' is in the code but not on the page",
            "Settings: 'hostProviders' is on the page but not in the code",
            "Settings: 'labNetwork' has default `10.0.0.0/24`, the code's is `192.168.56.0/24`",
            "the 'Fields of' sections: 'nomad' is in the code but not on the page",
        ]);
    });
});
