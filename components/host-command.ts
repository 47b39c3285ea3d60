/**
 * One step on one lab host: a shell command line with create/update/delete, as
 * `command.remote.Command` has them, run the way the host is reached:
 *  - ssh hosts: over SSH (`command.remote.Command` with the host's connection);
 *  - docker hosts: through `docker exec` on the host's container from the machine running
 *    Pulumi (`command.local.Command`). A delete finds nothing to clean when the container is
 *    gone or stopped (removing the container removes what the step made), so destroying a
 *    docker lab never waits on SSH; and a step is replaced when its host's container is
 *    (the host's `generation` is one of its triggers), so a host recreated by `up` gets every
 *    step again.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import { shellQuote } from "../lib/scripts";

type Connection = command.types.input.remote.ConnectionArgs;

/** A step's resource: both kinds have `stdout`, `stderr` and an id that changes on replacement. */
export type HostCommand = command.local.Command | command.remote.Command;

/** How a step reaches its host (a subset of LabHost, so LabHosts can build its own gates). */
export interface HostTarget {
    /** Host name, e.g. u1. */
    name: string;
    /** The SSH connection (ssh hosts; docker hosts keep it for people and checks). */
    connection: pulumi.Output<Connection>;
    /** docker hosts: the container's name, for `docker exec`. */
    container?: string;
    /** docker hosts: the container's id; a new one replaces every step on the host. */
    generation?: pulumi.Output<string>;
}

/** The fields of a host step; the command lines run in the host's shell as root. */
export interface HostCommandArgs {
    /** Runs on create (and on update when `update` is unset). */
    create: pulumi.Input<string>;
    /**
     * Runs in place when `create` or `stdin` change. Without it such a change replaces the
     * step (its delete, then the new create), as for the thing the step made.
     */
    update?: pulumi.Input<string>;
    /** Runs on delete (docker hosts: only while the container runs). Default: nothing. */
    delete?: pulumi.Input<string>;
    /** Fed to every run's standard input. */
    stdin?: pulumi.Input<string>;
    /** A change in any of them replaces the step (delete, then create when deleteBeforeReplace). */
    triggers?: pulumi.Input<unknown>[];
    /** What is streamed to Pulumi's output (the same values for both kinds). Default: stdoutAndStderr. */
    logging?: command.types.enums.remote.Logging;
}

/** `docker exec` of a command line in a container's bash; with `ifRunning`, nothing when it is gone or stopped. */
export function dockerExec(container: string, line: string, ifRunning = false): string {
    const exec = `docker exec -i ${shellQuote(container)} bash -c ${shellQuote(line)}`;
    if (!ifRunning) {
        return exec;
    }
    return `if [ "$(docker inspect -f '{{.State.Running}}' ${shellQuote(container)} 2>/dev/null)" = true ]; then ${exec}; fi`;
}

/**
 * The command line of a step whose script (its standard input) is installed on the host at PATH
 * and run from there, so that a unit on the host can run it again at boot.
 */
export function installAndRun(path: string, mode: "0755" | "0700" = "0755"): string {
    return `install -D -m ${mode} /dev/stdin ${path} && ${path}`;
}

/** sha256 of a step's command line and standard input (secret when either is). */
export function scriptDigest(create: pulumi.Input<string>, stdin?: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.all([create, stdin ?? ""]).apply(([c, s]) => crypto.createHash("sha256").update(c).update("\0").update(s).digest("hex"));
}

/** Creates one host step, over SSH or `docker exec` as the host is reached. */
export function hostCommand(name: string, host: HostTarget, args: HostCommandArgs, opts: pulumi.CustomResourceOptions): HostCommand {
    const container = host.container;
    // The command provider re-runs a changed step in place (its `update`, else `create`) and
    // replaces it only when a trigger changes: a step without `update` is replaced instead.
    const script = args.update === undefined ? [scriptDigest(args.create, args.stdin)] : [];
    // A replaced step that cleans up after itself is deleted first: deleted after, its cleanup
    // would undo what the new one just made (on the same host, or on the container that took
    // the old one's name).
    opts = args.delete === undefined ? opts : { ...opts, deleteBeforeReplace: true };
    if (container === undefined) {
        return new command.remote.Command(name, {
            connection: host.connection, ...args, triggers: [...(args.triggers ?? []), ...script],
        }, opts);
    }
    const exec = (line: pulumi.Input<string> | undefined, ifRunning = false): pulumi.Output<string> | undefined =>
        line === undefined ? undefined : pulumi.output(line).apply((l) => dockerExec(container, l, ifRunning));
    return new command.local.Command(name, {
        create: exec(args.create),
        update: exec(args.update),
        delete: exec(args.delete, true),
        stdin: args.stdin,
        logging: args.logging,
        triggers: [...(args.triggers ?? []), ...script, ...(host.generation ? [host.generation] : [])],
    }, opts);
}
