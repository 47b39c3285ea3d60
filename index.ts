/**
 * netlab: reads and checks the stack's `netlab:*` config (failing before any resource is
 * created), builds the chosen scenario from stacks/, and exports its addresses, endpoints
 * and checks. No logic beyond that.
 */
import { loadLabConfig } from "./lib/load";
import { buildScenario } from "./stacks";

export = buildScenario(loadLabConfig());
