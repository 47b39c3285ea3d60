/**
 * What netlab's tools (the drills, the bench) use of a lab that is up: its stack (outputs,
 * config, `up`), its hosts (a script run on one, an image imported into their containerd) and
 * the time. Interfaces only, and what follows from them: the commands implement them with
 * Pulumi's Automation API and ssh (commands/lib/lab-stack.ts), the tests with fakes.
 */

/** One host as the stack's `hosts` output lists it. */
export interface HostOut { name: string; labAddress: string; ssh: { host: string; port: number; user: string } }

/** A lab stack, opened. */
export interface LabStack {
    readonly name: string;
    /** The stack's outputs, by name: their values (secrets in the clear). */
    outputs(): Promise<Record<string, unknown>>;
    /** A config value; throws when the key is not set (configOr gives a fallback instead). */
    getConfig(key: string): Promise<string>;
    /** Sets a config value; `path`: the key is a path into a structured value (netlab:workloads[0].version). */
    setConfig(key: string, value: string, opts?: { path?: boolean; secret?: boolean }): Promise<void>;
    /** Removes a config value (`path` as for setConfig). */
    removeConfig(key: string, opts?: { path?: boolean }): Promise<void>;
    /** `pulumi up`, its output given to `onOutput` as it comes; throws when it fails (the error's message holds its output). */
    up(onOutput: (text: string) => void): Promise<void>;
}

/** The lab's hosts, reached from the machine the tool runs on. */
export interface HostRunner {
    /** Runs a script on a host (bash, the script on its stdin); returns what it printed, throws when it fails. */
    run(host: HostOut, script: string): string;
    /** The same without waiting: a reading taken while something else runs. */
    runAsync(host: HostOut, script: string): Promise<string>;
    /**
     * Imports an image tarball (on this machine) into the containerd of every host given; throws
     * unless each then lists `ref`. A missing tarball names the toolchain target that builds it.
     */
    importImage(tarball: string, hosts: HostOut[], ref: string, target: string): void;
}

/** Now, and waiting: the real clock, or a test's. */
export interface Clock {
    /** Unix milliseconds. */
    now(): number;
    sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A lab as a tool gets it: the stack, its hosts, and the clock (default: the real one). */
export interface Lab {
    stack: LabStack;
    hosts: HostRunner;
    clock?: Clock;
}

/** A config value of the stack, or `fallback` when it is not set. */
export async function configOr<T extends string | undefined>(stack: LabStack, key: string, fallback: T): Promise<string | T> {
    try {
        return await stack.getConfig(key);
    } catch {
        return fallback;
    }
}
