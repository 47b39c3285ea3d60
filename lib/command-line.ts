/**
 * The commands' argument parsing (npm run drill, npm run bench): Node's util.parseArgs, strict,
 * with positionals, every option taking a value; what is wrong is said, then the usage.
 */
import { parseArgs } from "util";

/** ARGV's positionals and options (each a string: the command checks its value), or an error that ends with USAGE. */
export function parseCommandLine<K extends string>(argv: string[], optionNames: readonly K[], usage: string):
    { values: Partial<Record<K, string>>; positionals: string[] } {
    const options = Object.fromEntries(optionNames.map((name) => [name, { type: "string" as const }]));
    try {
        const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options });
        return { values: values as Partial<Record<K, string>>, positionals };
    } catch (e) {
        const unknown = /^Unknown option '([^']+)'/.exec((e as Error).message);
        throw new Error(`${unknown ? `unknown option ${unknown[1]}` : (e as Error).message}\n${usage}`);
    }
}
