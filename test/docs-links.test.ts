import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");

/** README.md and every Markdown file under docs/. */
function pages(): string[] {
    const found = ["README.md"];
    const walk = (dir: string): void => {
        for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
            const rel = path.join(dir, entry.name);
            if (entry.isDirectory()) {
                walk(rel);
            } else if (entry.name.endsWith(".md")) {
                found.push(rel);
            }
        }
    };
    walk("docs");
    return found;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as '-'. */
const anchorOf = (heading: string): string =>
    heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-");

/** The relative link targets of a page, outside code blocks and code spans. */
function relativeLinks(markdown: string): string[] {
    const links: string[] = [];
    let fenced = false;
    for (const line of markdown.split("\n")) {
        if (line.startsWith("```")) {
            fenced = !fenced;
        }
        if (fenced || line.startsWith("    ")) {
            continue;
        }
        for (const m of line.replace(/`[^`]*`/g, "").matchAll(/\]\(([^)\s]+)\)/g)) {
            if (!/^[a-z][a-z0-9+.-]*:/i.test(m[1])) {
                links.push(m[1]);
            }
        }
    }
    return links;
}

/** The anchors of a Markdown page's headings. */
const anchorsOf = (markdown: string): string[] =>
    markdown.split("\n").filter((l) => /^#{1,6} /.test(l)).map((l) => anchorOf(l.replace(/^#+ /, "")));

/** Every link of `page` (a path from the repo's root, holding `markdown`) that points to no file, or to no heading of a Markdown file. */
function brokenLinks(page: string, markdown: string): string[] {
    const broken: string[] = [];
    for (const link of relativeLinks(markdown)) {
        const [file, anchor] = link.split("#", 2);
        const target = path.resolve(ROOT, path.dirname(page), decodeURIComponent(file));
        if (file !== "" && !fs.existsSync(target)) {
            broken.push(`${page}: ${link} (no such file)`);
        } else if (anchor !== undefined && (file === "" || target.endsWith(".md"))) {
            const headings = anchorsOf(file === "" ? markdown : fs.readFileSync(target, "utf8"));
            if (!headings.includes(anchor)) {
                broken.push(`${page}: ${link} (no such heading)`);
            }
        }
    }
    return broken;
}

describe("documentation links", () => {
    it("every relative link in README.md and docs/ points to a file (and a heading) that exists", () => {
        const all = pages();
        assert.ok(all.includes(path.join("docs", "configuration.md")), all.join(", "));
        const broken = all.flatMap((page) => brokenLinks(page, fs.readFileSync(path.join(ROOT, page), "utf8")));
        assert.deepStrictEqual(broken, []);
    });

    it("the check notices a missing file and a missing heading, and skips code and web addresses", () => {
        const page = path.join("docs", "example.md");
        const markdown = [
            "# X",
            "[ok](configuration.md) [ok](../README.md) [ok](configuration.md#settings) [ok](#x)",
            "[gone](no-such-page.md) [gone](configuration.md#no-such-heading) ![gone](timelines/none.png) [gone](#y)",
            "[web](https://example.org/x.md) `[code](nowhere.md)`",
            "    [indented code](nowhere.md)",
        ].join("\n");
        assert.ok(!fs.existsSync(path.join(ROOT, page)), `${page} is made up: it must not exist`);
        assert.deepStrictEqual(brokenLinks(page, markdown), [
            `${page}: no-such-page.md (no such file)`,
            `${page}: configuration.md#no-such-heading (no such heading)`,
            `${page}: timelines/none.png (no such file)`,
            `${page}: #y (no such heading)`,
        ]);
    });
});
