/**
 * Collects configuration problems so that one run reports all of them, each naming the
 * key, the bad value and the fix.
 */

/** One problem with one config key. */
export interface ConfigProblem {
    /** The key under `netlab:`, with a path for structured values, e.g. `weave.subnets[1]`. */
    key: string;
    /** The offending value as the user wrote it. */
    value: string;
    /** What is wrong, completing "netlab:<key> = <value> …". */
    what: string;
    /** A command or edit that fixes it. */
    fix: string;
}

/** Thrown by `loadLabConfig` before any resource is created. */
export class ConfigError extends Error {
    constructor(readonly problems: readonly ConfigProblem[]) {
        super(["netlab: the stack's configuration has " + problems.length + " problem(s):",
            ...problems.map(formatProblem)].join("\n"));
        this.name = "ConfigError";
    }
}

export function formatProblem(p: ConfigProblem): string {
    return `  - netlab:${p.key} = ${p.value}: ${p.what}. Fix: ${p.fix}`;
}

export class ConfigProblems {
    readonly list: ConfigProblem[] = [];

    add(key: string, value: string | undefined, what: string, fix: string): void {
        this.list.push({ key, value: value === undefined ? "(unset)" : `'${value}'`, what, fix });
    }

    /** Throws a ConfigError listing every problem, if there is any. */
    throwIfAny(): void {
        if (this.list.length > 0) {
            throw new ConfigError(this.list);
        }
    }
}
