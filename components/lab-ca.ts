/**
 * LabCa: the stack's own certificate authority and the serving certificates it issues
 * (local-scripts/lab-tls.sh, run on the machine that runs Pulumi). Made once per stack: later runs
 * keep the CA (an edit of the script does not rotate it) and re-issue a certificate only when
 * its names change. The CA's certificate is a plain output, so `curl --cacert` can trust the
 * lab; every key stays a secret in the stack's state.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { REPO_ROOT } from "../lib/scripts";

export interface LabCaArgs {
    /** The stack's name, in the CA's subject. */
    stack: string;
    /** The serving certificates to issue: name -> its DNS names (the first is its CN). */
    certificates: Record<string, string[]>;
}

/** A certificate and its key, in PEM. */
export interface CertificatePair {
    crt: string;
    key: string;
}

const SCRIPT = "bash local-scripts/lab-tls.sh";

export class LabCa extends pulumi.ComponentResource {
    /** The CA's certificate (PEM). */
    public readonly certificate: pulumi.Output<string>;
    /** Each certificate asked for, with its key (secret). */
    public readonly issued: Record<string, pulumi.Output<CertificatePair>>;

    constructor(name: string, args: LabCaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("netlab:tls:LabCa", name, {}, opts);
        const ca = new command.local.Command(`${name}-ca`, {
            create: SCRIPT,
            dir: REPO_ROOT,
            environment: { NETLAB_ACTION: "ca", NETLAB_STACK: args.stack },
            logging: "none",
        }, { parent: this, additionalSecretOutputs: ["stdout"], ignoreChanges: ["create", "dir", "environment"] });
        const caPair = ca.stdout.apply((s) => JSON.parse(s) as CertificatePair);
        this.certificate = pulumi.unsecret(caPair.apply((p) => p.crt));
        this.issued = Object.fromEntries(Object.entries(args.certificates).map(([cert, names]) => {
            const issue = new command.local.Command(`${name}-${cert}`, {
                create: SCRIPT,
                dir: REPO_ROOT,
                environment: {
                    NETLAB_ACTION: "cert", NETLAB_NAMES: names.join(" "),
                    NETLAB_CA_CRT: this.certificate, NETLAB_CA_KEY: pulumi.secret(caPair.apply((p) => p.key)),
                },
                logging: "none",
            }, { parent: this, additionalSecretOutputs: ["stdout"], ignoreChanges: ["create", "dir"] });
            return [cert, issue.stdout.apply((s) => JSON.parse(s) as CertificatePair)];
        }));
        this.registerOutputs({ certificate: this.certificate });
    }
}
