/**
 * SSH as netlab's tools use it (the drills, the bench, the e2e tests, the stack's
 * `sshCommands`): the lab key, no prompts, and the hosts' pinned host keys.
 */

/**
 * ssh's arguments to reach a lab host with the key in keyFile. With `knownHosts` (a file of the
 * stack's `knownHosts` output) the host's key is checked and must match; without, it is not
 * (only for hosts that have no pinned key, e.g. made by a stack from before host keys).
 */
export function sshArgs(keyFile: string, port: number, user = "root", host = "127.0.0.1", knownHosts?: string): string[] {
    const hostKeys = knownHosts === undefined
        ? ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
        : ["-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${knownHosts}`];
    return ["-i", keyFile, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", ...hostKeys,
        "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10", "-p", String(port), `${user}@${host}`];
}

/** A host key's `type base64` (a comment after it dropped), or undefined when it is not one. */
export function parseHostKey(text: string): string | undefined {
    const m = /^\s*((?:ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)) [A-Za-z0-9+/]+={0,2})(?:\s.*)?$/.exec(text);
    return m ? m[1] : undefined;
}

/** One known_hosts line: `[host]:port key`, or `host key` on port 22. */
export function knownHostsLine(host: string, port: number, key: string): string {
    return `${port === 22 ? host : `[${host}]:${port}`} ${key}`;
}
