/**
 * netlab: reads and checks the stack's `netlab:*` config, then the machine it will use (both
 * failing before any resource is created), builds the chosen scenario from stacks/, and
 * exports its addresses, endpoints and checks. No logic beyond that.
 */
import { loadLabConfig } from "./lib/load";
import { buildScenario } from "./stacks";
import { preflight } from "./stacks/preflight";

const cfg = loadLabConfig();
preflight(cfg);
export = buildScenario(cfg);
