/**
 * Weave Net outside Kubernetes (weave-lab, seed 002): the pure parts. The Docker network a
 * subnet's workloads run in, the capability form Weave's containers take on netlab's Docker
 * hosts, and the data path the hosts' routers report, summed up for the stack output.
 */
import * as crypto from "crypto";
import { privilegeFlags, PrivilegeSettings } from "./docker-flags";

/** The network `weave launch` makes (the plugin's, in the default subnet). */
export const WEAVE_DEFAULT_NETWORK = "weave";

/**
 * The Docker network of a subnet: Weave's own for the default subnet, else the weavemesh
 * network netlab makes with `--subnet` on every host (10.32.1.0/24 -> weave-10.32.1.0-24).
 */
export function weaveNetworkName(subnet: string, defaultSubnet: string): string {
    return subnet === defaultSubnet ? WEAVE_DEFAULT_NETWORK : `weave-${subnet.replace("/", "-")}`;
}

/**
 * What the `weave` script runs Weave's containers with instead of --privileged (toolchain
 * patch weave/0002), or "" for upstream's --privileged (ssh hosts, privileged Docker hosts):
 * netlab's unprivileged Docker hosts cannot start privileged containers, so Weave's take the
 * capabilities and security options the hosts themselves run with.
 */
export function weavePrivilegeArgs(s: PrivilegeSettings | undefined): string {
    if (s === undefined) {
        return "";
    }
    // systempaths=unconfined is a CLI option (it empties MaskedPaths/ReadonlyPaths), not an
    // API one; the router writes its sysctls through --proc-path instead.
    return privilegeFlags({ ...s, securityOpts: s.securityOpts?.filter((o) => !o.startsWith("systempaths=")) }).join(" ");
}

/** The settings a change of which relaunches the routers (and so re-runs the jobs). */
export interface WeaveLaunch {
    version: string;
    ipallocRange: string;
    defaultSubnet: string;
    mtu?: number;
    /** Whether a password is set: its value is not part of the digest. */
    encrypted: boolean;
    passwordDigest?: string;
}

/** A digest of the launch settings, for triggers (the password enters only as its own digest). */
export function launchDigest(l: WeaveLaunch): string {
    return crypto.createHash("sha256").update(JSON.stringify([l.version, l.ipallocRange, l.defaultSubnet, l.mtu ?? null,
        l.encrypted, l.passwordDigest ?? null])).digest("hex").slice(0, 16);
}

/** One host's report, as host-scripts/weave-overlay.sh prints it (its last line, JSON). */
export interface WeaveHostReport {
    host: string;
    encryption: string;
    /** Why the fast datapath is not used ("" when it was not tried or is in use). */
    fastdp: string;
    connections: { peer: string; mode: string; mtu: number | null }[];
}

/** The data path as the stack output shows it. */
export interface WeaveDataPath {
    /** e.g. "sleeve" or "fastdp"; "mixed: …" when connections differ. */
    mode: string;
    encrypted: boolean;
    /** The overlay MTU the routers verified (the lowest when they differ). */
    mtu: number | null;
    /** Why fastdp is not in use, when a router said. */
    fastdpUnavailable?: string;
    /** Each host's connections: "u2 sleeve mtu=1438". */
    connections: Record<string, string[]>;
}

/** Parses the last JSON line of each host's output. */
export function parseHostReport(stdout: string): WeaveHostReport {
    const last = stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop();
    if (last === undefined) {
        throw new Error(`weave-overlay.sh printed no report: ${stdout.slice(-200)}`);
    }
    return JSON.parse(last) as WeaveHostReport;
}

/** Sums the hosts' reports up into the data path the overlay uses. */
export function summarizeDataPath(reports: WeaveHostReport[]): WeaveDataPath {
    const conns = reports.flatMap((r) => r.connections);
    const modes = [...new Set(conns.map((c) => c.mode.replace(/^encrypted /, "")))].sort();
    const mtus = conns.map((c) => c.mtu).filter((m): m is number => m !== null);
    const why = reports.map((r) => r.fastdp).find((f) => f !== "");
    return {
        mode: modes.length === 1 ? modes[0] : `mixed: ${modes.join(", ")}`,
        encrypted: reports.length > 0 && reports.every((r) => r.encryption === "enabled"),
        mtu: mtus.length > 0 ? Math.min(...mtus) : null,
        ...(why !== undefined ? { fastdpUnavailable: why } : {}),
        connections: Object.fromEntries(reports.map((r) => [r.host,
            r.connections.map((c) => `${c.peer} ${c.mode}${c.mtu !== null ? ` mtu=${c.mtu}` : ""}`)])),
    };
}
