/** The scenarios, by their `netlab:scenario` name. A scenario only wires components together. */
import { LabConfig, Scenario } from "../lib/config";
import { hostsScenario, LabOutputs } from "./hosts";
import { kubeadmScenario } from "./kubeadm";
import { weaveNomadScenario } from "./weave-nomad";

export const SCENARIO_BUILDERS: Record<Scenario, (cfg: LabConfig) => LabOutputs> = {
    "hosts": hostsScenario,
    "weave-nomad": weaveNomadScenario,
    "kubeadm": kubeadmScenario,
};

export function buildScenario(cfg: LabConfig): LabOutputs {
    return SCENARIO_BUILDERS[cfg.scenario](cfg);
}
