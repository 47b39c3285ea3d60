/**
 * Host scripts are real files (so shellcheck and people can read them); the program renders
 * them with explicit inputs before running them over SSH.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

/** The repository root (this file lives in lib/). */
export const REPO_ROOT = path.resolve(__dirname, "..");

/** Quotes a value for a POSIX shell: single quotes, with embedded single quotes escaped. */
export function shellQuote(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Renders a script with its inputs: the assignments go right after the `set -euo pipefail`
 * line, so the script's own header (shebang, comments) stays on top and its checks of
 * `${NETLAB_X:?}` see the values; a prelude of shared functions, if any, follows them.
 */
export function renderScript(source: string, vars: Record<string, string | number | boolean>, prelude = ""): string {
    const lines = source.split("\n");
    const at = lines.findIndex((l) => l.trim() === "set -euo pipefail");
    if (at < 0) {
        throw new Error("host script has no 'set -euo pipefail' line");
    }
    const assignments = Object.entries(vars).map(([name, value]) => {
        if (!/^NETLAB_[A-Z0-9_]+$/.test(name)) {
            throw new Error(`script input '${name}' must be named NETLAB_<UPPER_CASE>`);
        }
        return `${name}=${shellQuote(String(value))}`;
    });
    const shared = prelude === "" ? [] : [prelude.trimEnd()];
    return [...lines.slice(0, at + 1), ...assignments, ...shared, ...lines.slice(at + 1)].join("\n");
}

/** The helpers every host script gets (lib/scripts.ts renderHostScript puts them in). */
export const HOST_PRELUDE = "host-scripts/lib/prelude.sh";

/** The prelude's text, read once per program run (every host step renders a script). */
let hostPrelude: string | undefined;

/** The input renderHostScript sets itself: the script's name, for the prelude's messages (log, die). */
export const SCRIPT_NAME_INPUT = "NETLAB_SCRIPT";

/**
 * Reads a script from the repo (path relative to the repo root) and renders it: its inputs
 * (and NETLAB_SCRIPT, its name without .sh), then the shared prelude
 * (host-scripts/lib/prelude.sh: log, die, wait_until, write_if_changed, install_unit…).
 */
export function renderHostScript(relPath: string, vars: Record<string, string | number | boolean> = {}): string {
    if (SCRIPT_NAME_INPUT in vars) {
        throw new Error(`${SCRIPT_NAME_INPUT} is set by renderHostScript (the script's name), not by its caller`);
    }
    hostPrelude ??= fs.readFileSync(path.join(REPO_ROOT, HOST_PRELUDE), "utf8").replace(/^# shellcheck shell=bash\n/, "");
    const inputs = { ...vars, [SCRIPT_NAME_INPUT]: path.basename(relPath, ".sh") };
    return renderScript(fs.readFileSync(path.join(REPO_ROOT, relPath), "utf8"), inputs, hostPrelude);
}

/** A stable digest of every file below a directory (names and contents), to rebuild an image when it changes. */
export function hashDirectory(dir: string): string {
    const hash = crypto.createHash("sha256");
    const walk = (d: string): void => {
        for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const full = path.join(d, entry.name);
            if (entry.isDirectory()) {
                walk(full);
            } else if (entry.isFile()) {
                hash.update(path.relative(dir, full)).update("\0").update(fs.readFileSync(full)).update("\0");
            }
        }
    };
    walk(dir);
    return hash.digest("hex");
}

/** Splits what local-scripts/lab-keygen.sh prints into the private key and the public key line. */
export function splitKeyPair(output: string): { privateKey: string; publicKey: string } {
    const m = /(-----BEGIN OPENSSH PRIVATE KEY-----[\s\S]+?-----END OPENSSH PRIVATE KEY-----)\s*(ssh-ed25519 \S+(?: [^\n]*)?)/.exec(output);
    if (!m) {
        throw new Error("lab-keygen.sh printed no OpenSSH private key followed by an ssh-ed25519 public key");
    }
    return { privateKey: `${m[1]}\n`, publicKey: m[2].trim() };
}
