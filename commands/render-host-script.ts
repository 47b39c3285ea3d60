/**
 * Prints a host script rendered with its inputs, exactly as the program sends it over SSH.
 * Usage: npx ts-node commands/render-host-script.ts host-scripts/wait-ready.sh NETLAB_HOST=u1 [NETLAB_X=y …]
 * Then, e.g.: … | ssh -i lab.key -p PORT root@127.0.0.1 bash -s
 */
import { renderHostScript } from "../lib/scripts";

const [script, ...assignments] = process.argv.slice(2);
if (!script) {
    console.error("usage: render-host-script.ts SCRIPT [NETLAB_NAME=value …]");
    process.exit(2);
}
const vars: Record<string, string> = {};
for (const a of assignments) {
    const at = a.indexOf("=");
    if (at < 1) {
        console.error(`render-host-script: '${a}' is not NAME=value`);
        process.exit(2);
    }
    vars[a.slice(0, at)] = a.slice(at + 1);
}
process.stdout.write(renderHostScript(script, vars));
