/** `docker run` flags from container settings (pure: used for the hosts and for Weave's containers). */

/** The privilege part of a container's settings. */
export interface PrivilegeSettings {
    privileged?: boolean;
    capabilities?: { adds: string[]; drops: string[] };
    securityOpts?: string[];
}

/** --privileged, or the capabilities and security options, as `docker run` flags. */
export function privilegeFlags(s: PrivilegeSettings): string[] {
    const flags: string[] = s.privileged ? ["--privileged"] : [];
    s.capabilities?.adds.forEach((c) => flags.push("--cap-add", c));
    s.capabilities?.drops.forEach((c) => flags.push("--cap-drop", c));
    s.securityOpts?.forEach((o) => flags.push("--security-opt", o));
    return flags;
}
