/**
 * A random secret made once per stack on the machine that runs Pulumi (a gossip key, an overlay
 * password): Pulumi keeps it, as a secret, in the stack's state; later runs keep it.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

/** BYTES random bytes, base64; a secret. */
export function generatedSecret(name: string, bytes: number, opts: pulumi.CustomResourceOptions): pulumi.Output<string> {
    const gen = new command.local.Command(name, {
        create: `head -c ${bytes} /dev/urandom | base64`,
        logging: "stderr",
    }, { ...opts, additionalSecretOutputs: ["stdout"] });
    return pulumi.secret(gen.stdout.apply((k) => k.trim()));
}
