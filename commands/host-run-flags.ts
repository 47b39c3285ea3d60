/**
 * Prints, one per line, the `docker run` flags that make a host container behave like a VM,
 * taken from the same code the Pulumi program uses (components/hosts.ts).
 * Usage: npx ts-node commands/host-run-flags.ts [true|false]   (privileged; default false)
 */
import { dockerRunFlags } from "../components/hosts";

const arg = process.argv[2] ?? "false";
if (arg !== "true" && arg !== "false") {
    console.error(`host-run-flags: expected true or false (privileged), got '${arg}'`);
    process.exit(2);
}
console.log(dockerRunFlags(arg === "true").join("\n"));
