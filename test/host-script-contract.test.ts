/**
 * The contract between the program and its host scripts: every renderHostScript call (found in
 * the TypeScript sources with the compiler API, not run) passes every NETLAB_* input the script
 * needs, and every input it passes is one the script (or the prelude) reads.
 *
 * What a script needs, read from its text (comments left out):
 *   - unconditionally: a reference without a default (`${NETLAB_X:?}`, `$NETLAB_X`, `${NETLAB_X}`,
 *     a bare name in `$(( ))`) on a top-level line (column 0, outside a here-document). Where the
 *     script has a delete branch (`if [ "${NETLAB_ACTION:-create}" = delete ]; then … exit 0; fi`
 *     or the same with `$action`), the lines before it bind every call, the lines in it the calls
 *     with NETLAB_ACTION "delete", the lines after it the others;
 *   - somewhere: a reference without a default anywhere else (in a function, a branch): at least
 *     one of the script's calls must pass it.
 * A reference only ever made with a default (`${NETLAB_X:-…}`) is optional. NETLAB_SCRIPT is
 * renderHostScript's own (the prelude's messages), and what the prelude reads counts as read.
 * A call's inputs: its object literal, with spreads followed to the object (or either object of
 * a `? :`) a local const holds, or to the arguments of every call of the local function whose
 * parameter is spread.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { HOST_PRELUDE, REPO_ROOT, SCRIPT_NAME_INPUT } from "../lib/scripts";
import { withTempTree } from "./temp-tree";

/** One set of inputs a call can pass (a call with a `? :` or a function's several callers has several). */
interface Variant {
    names: Set<string>;
    /** NETLAB_ACTION when it is a string literal, else "create". */
    action: string;
    /** Inputs that could not be followed (a spread of something else): then anything may be passed. */
    open: string[];
}

interface RenderCall {
    /** file:line */
    at: string;
    /** The script's path (relative to the repo), or undefined when it is not a literal. */
    script?: string;
    variants: Variant[];
}

const unwrap = (e: ts.Expression): ts.Expression =>
    ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isNonNullExpression(e) ? unwrap(e.expression) : e;

const nameOf = (n: ts.PropertyName): string | undefined => ts.isIdentifier(n) || ts.isStringLiteral(n) ? n.text : undefined;

/** The declaration NAME refers to at NODE: a const/let in an enclosing block or file, or a parameter of an enclosing function. */
function resolve(node: ts.Node, name: string): ts.VariableDeclaration | ts.ParameterDeclaration | undefined {
    for (let at: ts.Node | undefined = node.parent; at; at = at.parent) {
        if (ts.isFunctionLike(at)) {
            const p = at.parameters.find((q) => ts.isIdentifier(q.name) && q.name.text === name);
            if (p) {
                return p;
            }
        }
        if (ts.isBlock(at) || ts.isSourceFile(at)) {
            for (const s of at.statements) {
                if (ts.isVariableStatement(s)) {
                    const d = s.declarationList.declarations.find((v) => ts.isIdentifier(v.name) && v.name.text === name);
                    if (d) {
                        return d;
                    }
                }
            }
        }
    }
    return undefined;
}

/** Every call of the function whose parameter P is, in P's file: their arguments in P's place. */
function argumentsFor(p: ts.ParameterDeclaration): ts.Expression[] | undefined {
    const fn = p.parent;
    const index = fn.parameters.indexOf(p);
    const holder = fn.parent;
    const fnName = ts.isFunctionDeclaration(fn) && fn.name ? fn.name.text
        : holder && ts.isVariableDeclaration(holder) && ts.isIdentifier(holder.name) ? holder.name.text : undefined;
    if (fnName === undefined) {
        return undefined;
    }
    const args: ts.Expression[] = [];
    const visit = (n: ts.Node): void => {
        if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === fnName && n.arguments[index]) {
            args.push(n.arguments[index]);
        }
        ts.forEachChild(n, visit);
    };
    visit(p.getSourceFile());
    return args.length > 0 ? args : undefined;
}

/** The variants of inputs an expression can be. */
function variants(expr: ts.Expression, seen = new Set<ts.Node>()): Variant[] {
    const e = unwrap(expr);
    const open = (why: string): Variant[] => [{ names: new Set(), action: "create", open: [why] }];
    if (seen.has(e)) {
        return open(`${e.getText()} (recursive)`);
    }
    seen.add(e);
    if (ts.isConditionalExpression(e)) {
        return [...variants(e.whenTrue, seen), ...variants(e.whenFalse, seen)];
    }
    if (ts.isIdentifier(e)) {
        const d = resolve(e, e.text);
        if (d && ts.isVariableDeclaration(d) && d.initializer) {
            return variants(d.initializer, seen);
        }
        const args = d && ts.isParameter(d) ? argumentsFor(d) : undefined;
        return args ? args.flatMap((a) => variants(a, seen)) : open(e.text);
    }
    if (!ts.isObjectLiteralExpression(e)) {
        return open(e.getText());
    }
    let out: Variant[] = [{ names: new Set(), action: "create", open: [] }];
    for (const prop of e.properties) {
        if (ts.isSpreadAssignment(prop)) {
            const inner = variants(prop.expression, seen);
            out = out.flatMap((v) => inner.map((w) => ({
                names: new Set([...v.names, ...w.names]),
                action: w.names.has("NETLAB_ACTION") ? w.action : v.action,
                open: [...v.open, ...w.open],
            })));
            continue;
        }
        const name = ts.isPropertyAssignment(prop) || ts.isShorthandPropertyAssignment(prop) ? nameOf(prop.name) : undefined;
        if (name === undefined) {
            out.forEach((v) => v.open.push(prop.getText()));
            continue;
        }
        const value = ts.isPropertyAssignment(prop) ? unwrap(prop.initializer) : undefined;
        for (const v of out) {
            v.names.add(name);
            if (name === "NETLAB_ACTION") {
                v.action = value && ts.isStringLiteralLike(value) ? value.text : "create";
            }
        }
    }
    return out;
}

/** Every renderHostScript call in FILES (paths relative to ROOT). */
function renderCalls(root: string, files: string[]): RenderCall[] {
    const calls: RenderCall[] = [];
    for (const file of files) {
        const sf = ts.createSourceFile(file, fs.readFileSync(path.join(root, file), "utf8"), ts.ScriptTarget.ES2022, true);
        const visit = (n: ts.Node): void => {
            if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === "renderHostScript") {
                const [script, vars] = n.arguments;
                calls.push({
                    at: `${file}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`,
                    script: script && ts.isStringLiteralLike(script) ? script.text : undefined,
                    variants: vars ? variants(vars) : [{ names: new Set(), action: "create", open: [] }],
                });
            }
            ts.forEachChild(n, visit);
        };
        visit(sf);
    }
    return calls;
}

/** What a script needs and reads (see the header). */
interface ScriptInputs {
    /** Needed by every call, by calls with NETLAB_ACTION=delete, by the other calls. */
    always: Set<string>;
    onDelete: Set<string>;
    onCreate: Set<string>;
    /** Referenced without a default somewhere: some call must pass it. */
    somewhere: Set<string>;
    /** Referenced at all. */
    read: Set<string>;
}

/** The NETLAB_* references on a line: [name, has a default]. */
function references(line: string): [string, boolean][] {
    const refs: [string, boolean][] = [];
    for (const m of line.matchAll(/\$(\{?)(NETLAB_[A-Z0-9_]+)(:?[-=+])?/g)) {
        refs.push([m[2], m[1] === "{" && m[3] !== undefined]);
    }
    for (const m of line.matchAll(/\$\(\(([^)]*)\)\)/g)) {
        for (const n of m[1].matchAll(/\b(NETLAB_[A-Z0-9_]+)\b/g)) {
            if (!m[1].includes(`$${n[1]}`)) {
                refs.push([n[1], false]);
            }
        }
    }
    return refs;
}

function scriptInputs(text: string): ScriptInputs {
    const lines = text.split("\n");
    const s: ScriptInputs = { always: new Set(), onDelete: new Set(), onCreate: new Set(), somewhere: new Set(), read: new Set() };
    const start = lines.findIndex((l) => /^if \[ "(\$\{NETLAB_ACTION:-create\}|\$action)" = delete \]; then$/.test(l));
    const end = start < 0 ? -1 : lines.findIndex((l, i) => i > start && l === "fi");
    const split = end > 0 && lines[end - 1].trim() === "exit 0";
    // The here-document a line is in: its end marker, and whether it expands (<<EOF, not <<'EOF').
    let heredoc: { end: string; expands: boolean } | undefined;
    lines.forEach((line, i) => {
        const inHeredoc = heredoc !== undefined;
        if (heredoc !== undefined) {
            const { end: marker, expands } = heredoc;
            if (line.replace(/^\t+/, "") === marker) {
                heredoc = undefined;
            }
            if (!expands) {
                return;
            }
        } else if (/^\s*#/.test(line)) {
            return;
        }
        const opens = inHeredoc ? null : /(?<!<)<<-?\s*(['"]?)([A-Za-z_]\w*)\1/.exec(line);
        if (opens) {
            heredoc = { end: opens[2], expands: opens[1] === "" };
        }
        for (const [name, hasDefault] of references(line)) {
            s.read.add(name);
            if (hasDefault) {
                continue;
            }
            s.somewhere.add(name);
            const topLevel = !inHeredoc && /^\S/.test(line);
            if (split && i > start && i < end) {
                s.onDelete.add(name);
            } else if (topLevel) {
                (split && i > end ? s.onCreate : s.always).add(name);
            }
        }
    });
    return s;
}

/** What is wrong with the calls of ROOT's host scripts: one line per problem. */
function contractProblems(root: string, files: string[]): { problems: string[]; calls: RenderCall[] } {
    const calls = renderCalls(root, files);
    const prelude = scriptInputs(fs.readFileSync(path.join(root, HOST_PRELUDE), "utf8"));
    const problems: string[] = [];
    const byScript = new Map<string, RenderCall[]>();
    for (const c of calls) {
        if (c.script === undefined) {
            continue;
        }
        if (!fs.existsSync(path.join(root, c.script))) {
            problems.push(`${c.at}: ${c.script} does not exist`);
            continue;
        }
        byScript.set(c.script, [...(byScript.get(c.script) ?? []), c]);
    }
    for (const [script, scriptCalls] of byScript) {
        const needs = scriptInputs(fs.readFileSync(path.join(root, script), "utf8"));
        const provided = (name: string): boolean => name === SCRIPT_NAME_INPUT || prelude.somewhere.has(name);
        for (const c of scriptCalls) {
            for (const v of c.variants) {
                for (const name of v.names) {
                    if (!needs.read.has(name) && !prelude.read.has(name)) {
                        problems.push(`${c.at}: passes ${name}, which ${script} never reads`);
                    }
                }
                if (v.open.length > 0) {
                    continue;
                }
                const must = [...needs.always, ...(v.action === "delete" ? needs.onDelete : needs.onCreate)];
                for (const name of must) {
                    if (!v.names.has(name) && !provided(name)) {
                        problems.push(`${c.at}: ${script} needs ${name} (action ${v.action}), not passed`);
                    }
                }
            }
        }
        for (const name of needs.somewhere) {
            if (!provided(name) && !scriptCalls.some((c) => c.variants.some((v) => v.names.has(name) || v.open.length > 0))) {
                problems.push(`${script} reads ${name} without a default, and no call passes it`);
            }
        }
    }
    return { problems: [...new Set(problems)], calls };
}

/** The program's TypeScript sources (what renders host scripts: components, stacks, lib, the local commands). */
function programSources(root: string): string[] {
    const out = ["index.ts"];
    const walk = (dir: string): void => {
        for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
            const rel = path.join(dir, e.name);
            if (e.isDirectory()) {
                walk(rel);
            } else if (e.name.endsWith(".ts")) {
                out.push(rel);
            }
        }
    };
    ["components", "stacks", "lib", "commands"].forEach(walk);
    return out;
}

describe("contract between the program and its host scripts (renderHostScript inputs)", () => {
    const { problems, calls } = contractProblems(REPO_ROOT, programSources(REPO_ROOT));

    it("finds the calls: every host script is rendered somewhere, each call's inputs followed to the end", () => {
        const scripts = fs.readdirSync(path.join(REPO_ROOT, "host-scripts")).filter((f) => f.endsWith(".sh")).map((f) => `host-scripts/${f}`);
        const rendered = new Set(calls.map((c) => c.script));
        assert.deepStrictEqual(scripts.filter((s) => !rendered.has(s)), [], "host scripts no call renders");
        assert.ok(calls.length >= 30, `only ${calls.length} calls found`);
        const open = calls.flatMap((c) => c.variants.flatMap((v) => v.open.map((o) => `${c.at}: ${o}`)));
        assert.deepStrictEqual(open, [], "inputs that could not be followed");
        // The one call with a script that is not a literal: the command that renders any script by hand.
        assert.deepStrictEqual(calls.filter((c) => c.script === undefined).map((c) => c.at.replace(/:\d+$/, "")), ["commands/render-host-script.ts"]);
        const drill = calls.find((c) => c.script === "host-scripts/drill-load.sh");
        assert.ok(drill && drill.variants.length >= 8, "lib/drill/run.ts: both runners times every action of onHost()");
        const nomadDelete = calls.find((c) => c.script === "host-scripts/nomad-job.sh" && c.variants[0].action === "delete");
        assert.ok(nomadDelete, "a literal NETLAB_ACTION is seen");
    });

    it("every call passes what its script needs, and the script reads all it is passed", () => {
        assert.deepStrictEqual(problems, []);
    });

    it("fails for a script that needs an input no call passes, and for an input no script reads", () => {
        withTempTree("netlab-contract-", (root, write) => {
            write(HOST_PRELUDE, "# shellcheck shell=bash\nlog() { echo \"${NETLAB_SCRIPT:-x}: $*\" >&2; }\n");
            write("host-scripts/x.sh", [
                "#!/usr/bin/env bash", "set -euo pipefail", ": \"${NETLAB_A:?}\"", "if [ \"${NETLAB_ACTION:-create}\" = delete ]; then",
                "    rm -rf \"$NETLAB_DIR\"", "    exit 0", "fi", ": \"${NETLAB_NEW:?}\"", "echo \"${NETLAB_OPTIONAL:-}\" $((NETLAB_N + 1))",
                "f() {", "    echo \"$NETLAB_IN_FUNCTION\"", "}", "cat <<EOF", "$NETLAB_IN_HEREDOC", "EOF", "",
            ].join("\n"));
            write("components/x.ts", [
                "const vars = { NETLAB_A: 1, NETLAB_DIR: \"/d\" };",
                "renderHostScript(\"host-scripts/x.sh\", { ...vars, NETLAB_N: 2, NETLAB_UNUSED: 3 });",
                "renderHostScript(\"host-scripts/x.sh\", { ...vars, NETLAB_ACTION: \"delete\" });",
                "renderHostScript(\"host-scripts/x.sh\", { NETLAB_ACTION: \"delete\" });",
                "",
            ].join("\n"));
            assert.deepStrictEqual(contractProblems(root, ["components/x.ts"]).problems.sort(), [
                "components/x.ts:2: host-scripts/x.sh needs NETLAB_NEW (action create), not passed",
                "components/x.ts:2: passes NETLAB_UNUSED, which host-scripts/x.sh never reads",
                "components/x.ts:4: host-scripts/x.sh needs NETLAB_A (action delete), not passed",
                "components/x.ts:4: host-scripts/x.sh needs NETLAB_DIR (action delete), not passed",
                "host-scripts/x.sh reads NETLAB_IN_FUNCTION without a default, and no call passes it",
                "host-scripts/x.sh reads NETLAB_IN_HEREDOC without a default, and no call passes it",
                "host-scripts/x.sh reads NETLAB_NEW without a default, and no call passes it",
            ]);
        });
    });
});
