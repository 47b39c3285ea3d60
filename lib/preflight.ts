/**
 * What the machine already holds that a stack's config must not clash with, checked before
 * any resource (docker mode): the lab network against every network of the local Docker
 * engine. Pure: the facts come in (stacks/preflight.ts reads them from the engine).
 */
import { Cidr, overlaps, parseCidr } from "./cidr";
import { ConfigProblems } from "./problems";

/** One network of the local Docker engine, as `docker network inspect` reports it. */
export interface EngineNetwork {
    name: string;
    subnets: string[];
    /** The `netlab.lab` label: the Docker object prefix of the stack that made it (`netlab-<stack>`). */
    lab?: string;
}

/** The stack a netlab Docker prefix belongs to (`netlab-weave-lab` -> `weave-lab`). */
export function stackOfPrefix(prefix: string): string {
    return prefix.startsWith("netlab-") ? prefix.slice("netlab-".length) : prefix;
}

/**
 * The first /24 of 192.168.0.0/16 that overlaps none of `taken`, to suggest as a fix; undefined
 * when every one is taken.
 */
export function freeLabNetwork(taken: Cidr[]): string | undefined {
    for (let third = 56; third < 56 + 256; third++) {
        const text = `192.168.${third % 256}.0/24`;
        const net = parseCidr(text) as Cidr;
        if (!taken.some((t) => overlaps(t, net))) {
            return text;
        }
    }
    return undefined;
}

/**
 * Problems with `netlab:labNetwork` given the engine's networks: the stack's own network (named
 * `${prefix}-lab`) is fine; any other network that shares an address is a clash, named with the
 * stack that holds it when netlab made it. `otherRanges` are the stack's own other ranges (Weave,
 * pods, services), which the suggested network must avoid too.
 */
export function labNetworkProblems(p: ConfigProblems, lab: Cidr, prefix: string, networks: EngineNetwork[],
    stack: string, otherRanges: Cidr[] = []): void {
    const others = networks.filter((n) => n.name !== `${prefix}-lab`);
    const taken = [...otherRanges, ...others.flatMap((n) => n.subnets.map((s) => parseCidr(s)).filter((c): c is Cidr => typeof c !== "string"))];
    const suggestion = freeLabNetwork(taken);
    const fixNew = suggestion === undefined ? "choose a network no Docker network uses" :
        `pulumi config set netlab:labNetwork ${suggestion} -s ${stack}`;
    for (const n of others) {
        for (const s of n.subnets) {
            const net = parseCidr(s);
            if (typeof net === "string" || !overlaps(net, lab)) {
                continue;
            }
            if (n.lab !== undefined) {
                const holder = stackOfPrefix(n.lab);
                p.add("labNetwork", lab.text, `overlaps ${s} of Docker network '${n.name}', the lab network of stack '${holder}' ` +
                    "(Docker runs one stack per network range)",
                `run both by giving this stack its own range (${fixNew}), or first commands/lab.sh destroy ${holder}`);
            } else {
                p.add("labNetwork", lab.text, `overlaps ${s} of Docker network '${n.name}', which netlab did not make`,
                    `${fixNew}, or remove that network (docker network rm ${n.name})`);
            }
        }
    }
}
