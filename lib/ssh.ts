/**
 * The ssh command line netlab's tools use to reach a lab host with the stack's key (the
 * drills, the e2e tests): key only, no prompts, no known-hosts bookkeeping for throwaway hosts.
 */
export function sshArgs(keyFile: string, port: number, user = "root", host = "127.0.0.1"): string[] {
    return ["-i", keyFile, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
        "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10", "-p", String(port), `${user}@${host}`];
}
