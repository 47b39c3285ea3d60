/** A scratch tree for a test that reads files: made in the system's temp folder, removed after. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Runs `fn` with a new folder and `write(rel, text)`, which makes a file in it (and its folders); the folder is removed after. */
export function withTempTree<T>(prefix: string, fn: (root: string, write: (rel: string, text: string) => void) => T): T {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const write = (rel: string, text: string): void => {
        fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
        fs.writeFileSync(path.join(root, rel), text);
    };
    try {
        return fn(root, write);
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}
