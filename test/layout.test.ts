/**
 * The rooms (docs/layout.md): nothing outside stacks/ and index.ts imports from stacks/ (a
 * scenario only wires components; what others need of it belongs in lib/), read from the
 * TypeScript sources' import specifiers.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { REPO_ROOT } from "../lib/scripts";
import { withTempTree } from "./temp-tree";

/** Folders that are not the project's sources. */
const NOT_SOURCES = new Set(["node_modules", "bin", ".toolchain", ".pulumi-state", ".netlab", ".git"]);

/** The .ts files below ROOT (paths relative to it, with /), sources only. */
function tsSources(root: string, dir = ""): string[] {
    const out: string[] = [];
    for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
        const rel = dir === "" ? e.name : `${dir}/${e.name}`;
        if (e.isDirectory() && !NOT_SOURCES.has(e.name)) {
            out.push(...tsSources(root, rel));
        } else if (e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) {
            out.push(rel);
        }
    }
    return out;
}

/** Every module a source imports (`import … from`, `import "x"`, `export … from`, `import("x")`, `require("x")`), as the compiler reads them. */
function specifiers(text: string): string[] {
    return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** `file: specifier` for every import of stacks/ by a file outside stacks/ and index.ts. */
function stacksImports(root: string): string[] {
    const stacks = path.join(root, "stacks");
    const bad: string[] = [];
    for (const file of tsSources(root)) {
        if (file === "index.ts" || file.startsWith("stacks/")) {
            continue;
        }
        for (const spec of specifiers(fs.readFileSync(path.join(root, file), "utf8"))) {
            const target = spec.startsWith(".") ? path.resolve(root, path.dirname(file), spec) : undefined;
            if (target !== undefined && (target === stacks || target.startsWith(`${stacks}${path.sep}`))) {
                bad.push(`${file}: ${spec}`);
            }
        }
    }
    return bad;
}

describe("layout: the rooms (docs/layout.md)", () => {
    it("nothing outside stacks/ and index.ts imports from stacks/", () => {
        const sources = tsSources(REPO_ROOT);
        assert.ok(sources.includes("index.ts") && sources.includes("commands/drill.ts") && sources.includes("test/harness.ts"), "the sources are found");
        assert.deepStrictEqual(stacksImports(REPO_ROOT), []);
    });

    it("finds such an import however it is written, and lets stacks/ and index.ts import each other", () => {
        withTempTree("netlab-layout-", (root, write) => {
            write("index.ts", "import { a } from \"./stacks/a\";\n");
            write("stacks/a.ts", "import { b } from \"./b\";\nexport const a = b;\n");
            write("stacks/b.ts", "import { c } from \"../lib/c\";\nexport const b = c;\n");
            write("lib/c.ts", "export const c = 1;\n");
            write("commands/d.ts", "import {\n    a,\n} from '../stacks/a';\nconst s = require(\"../stacks\");\n");
            write("lib/e/f.ts", "export const f = async () => (await import(\"../../stacks/b\")).b;\n");
            write("test/g.test.ts", "import \"../stacks/a\";\nimport { stacksLike } from \"../lib/stacks-like\";\n// not: import \"../stacks/b\"\nconst s = \"from '../stacks/b'\";\n");
            write("node_modules/x/y.ts", "import \"../../stacks/a\";\n");
            assert.deepStrictEqual(stacksImports(root).sort(), [
                "commands/d.ts: ../stacks", "commands/d.ts: ../stacks/a", "lib/e/f.ts: ../../stacks/b", "test/g.test.ts: ../stacks/a",
            ]);
        });
    });
});
