/**
 * Reads the stack's `netlab:*` settings from the Pulumi runtime and turns them into a
 * checked LabConfig (see validate.ts). The only module that touches the runtime's config.
 */
import * as pulumi from "@pulumi/pulumi";
import { LabConfig, RawConfig } from "./config";
import { ConfigError } from "./problems";
import { buildLabConfig } from "./validate";

const NAMESPACE = "netlab:";

/** The `netlab:*` settings without their prefix. Structured values arrive as JSON text. */
export function readRawConfig(all: Record<string, string> = pulumi.runtime.allConfig()): RawConfig {
    const raw: RawConfig = {};
    for (const [key, value] of Object.entries(all)) {
        if (key.startsWith(NAMESPACE)) {
            raw[key.slice(NAMESPACE.length)] = value;
        }
    }
    return raw;
}

/** Whether a `netlab:` key was set with --secret (the SDK exports this at run time, not in its typings). */
function isSecretKey(key: string): boolean {
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
    if (typeof runtime.isConfigSecret !== "function") {
        throw new Error("this @pulumi/pulumi has no runtime.isConfigSecret; netlab cannot check that secrets are secret");
    }
    return runtime.isConfigSecret(`${NAMESPACE}${key}`);
}

/**
 * The checked lab configuration of the current stack. Bad config throws before any resource
 * exists, as a RunError: Pulumi prints its message (every problem, key and fix) without a stack trace.
 */
export function loadLabConfig(): LabConfig {
    try {
        return buildLabConfig(readRawConfig(), isSecretKey);
    } catch (e) {
        if (e instanceof ConfigError) {
            throw new pulumi.RunError(e.message);
        }
        throw e;
    }
}
