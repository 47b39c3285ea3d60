/** The pod MTU a CNI gets: netlab:cniMtu, or "auto" from the node interface's and the CNI's overhead. */
import { Cni } from "../config";
import { traitsOf } from "./traits";

/**
 * The pod MTU: a number is taken as is; "auto" is the node interface MTU minus the CNI's
 * encapsulation overhead (with `encrypted`, the encrypted overhead where the CNI has one).
 */
export function cniMtuFor(cni: Cni, setting: "auto" | number, nodeInterfaceMtu: number, encrypted = false): number {
    const traits = traitsOf(cni);
    if (setting !== "auto") {
        if (!Number.isInteger(setting) || setting <= 0) {
            throw new Error(`netlab:cniMtu ${setting} is not a positive whole number`);
        }
        return setting;
    }
    const overhead = encrypted ? traits.encryptedEncapOverhead ?? traits.encapOverhead : traits.encapOverhead;
    if (!Number.isInteger(nodeInterfaceMtu) || nodeInterfaceMtu <= overhead) {
        throw new Error(`the node interface MTU ${nodeInterfaceMtu} leaves no room for ${cni}'s ${overhead}-byte encapsulation`);
    }
    return nodeInterfaceMtu - overhead;
}
