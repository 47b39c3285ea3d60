import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderSpecSvg } from "../lib/charts";
import { buildTimeline, parseEventLog, shortLabel, timelineMarkdown, timelineSpec } from "../lib/timeline";
import { latestEventLog, readPhases, stateResources } from "../commands/lib/runs";

const P = "urn:pulumi:dev::netlab::";
const urn = (type: string, name: string): string => `${P}${type}::${name}`;
const HOSTS = urn("netlab:hosts:LabHosts", "lab");
const NET = urn("netlab:hosts:LabHosts$docker:index/network:Network", "lab-network");
const IMG = urn("netlab:hosts:LabHosts$docker:index/remoteImage:RemoteImage", "lab-node-image");
const U1 = urn("netlab:hosts:LabHosts$docker:index/container:Container", "lab-u1");
const GATE = urn("netlab:hosts:LabHosts$command:remote:Command", "lab-u1-ready");

let seq = 0;
function step(kind: "pre" | "out" | "fail", u: string, t: number, op = "create"): string {
    // As the engine writes them: `custom` only on custom resources (omitted when false).
    const state = u === HOSTS ? { urn: u, type: u.split("::")[2], id: "" } : { urn: u, type: u.split("::")[2], custom: true, id: "" };
    const metadata = { op, urn: u, type: u.split("::")[2], provider: "", new: state };
    const body = kind === "pre" ? { resourcePreEvent: { metadata } } : kind === "out" ? { resOutputsEvent: { metadata } } :
        { resOpFailedEvent: { metadata, status: 1, steps: 1 } };
    return JSON.stringify({ sequence: seq++, timestamp: 1000 + t, ...body });
}

function log(): string {
    seq = 0;
    return [
        JSON.stringify({ sequence: seq++, timestamp: 1000, preludeEvent: { config: {} } }),
        step("pre", HOSTS, 3), step("pre", NET, 3), step("pre", IMG, 3),
        step("out", NET, 4), step("out", IMG, 10),
        step("pre", U1, 10), step("out", U1, 12),
        step("pre", GATE, 12), step("out", GATE, 15),
        step("out", HOSTS, 15, "create"),
        JSON.stringify({ sequence: seq++, timestamp: 1016, summaryEvent: { maybeCorrupt: false, durationSeconds: 16, resourceChanges: { create: 5 }, policyPacks: {} } }),
        "{\"sequence\": 99, \"timest", // a torn last line (a run still writing)
    ].join("\n");
}

const STATE = [
    { urn: HOSTS },
    { urn: NET, parent: HOSTS },
    { urn: IMG, parent: HOSTS },
    { urn: U1, parent: HOSTS, dependencies: [IMG, NET] },
    { urn: GATE, parent: HOSTS, dependencies: [U1] },
];

describe("timeline of a Pulumi run (lib/timeline.ts)", () => {
    it("turns the event log into steps with their start and duration, skipping a torn line", () => {
        const tl = buildTimeline(parseEventLog(log()), STATE);
        const rows = Object.fromEntries(tl.rows.map((r) => [r.label, [r.start, r.end]]));
        assert.deepStrictEqual(rows["RemoteImage lab-node-image"], [3, 10]);
        assert.deepStrictEqual(rows["Container lab-u1"], [10, 12]);
        assert.deepStrictEqual(rows["Command lab-u1-ready"], [12, 15]);
        assert.strictEqual(tl.programStart, 3, "the first step began 3 s after the first event");
        assert.strictEqual(tl.total, 16);
        assert.strictEqual(tl.durationSeconds, 16);
        assert.deepStrictEqual(tl.changes, { create: 5 });
    });

    it("finds the critical path through the dependencies: the image, not the network, held the host back", () => {
        const tl = buildTimeline(parseEventLog(log()), STATE);
        const critical = tl.rows.filter((r) => r.critical).map((r) => r.label).sort();
        assert.deepStrictEqual(critical, ["Command lab-u1-ready", "Container lab-u1", "RemoteImage lab-node-image"].sort());
        assert.ok(!tl.rows.some((r) => r.label === "LabHosts lab"), "a component is no step of its own");
        const md = timelineMarkdown("dev: test", tl, [{ name: "toolchain check", seconds: 1.25 }]);
        assert.match(md, /\| toolchain check \| 1\.3 \|/);
        assert.match(md, /Critical path \(3 steps, 12 s\): RemoteImage lab-node-image \(7 s\) → Container lab-u1 \(2 s\) → Command lab-u1-ready \(3 s\)\n/);
        assert.match(md, /\| RemoteImage lab-node-image \| create \| 3 \| 7 \| yes \|/);
        assert.doesNotMatch(md, /\| Network lab-network \| create \| 3 \| 1 \| yes/);
    });

    it("a destroy's critical path runs the other way: a resource goes after what depends on it", () => {
        seq = 0;
        const events = parseEventLog([
            step("pre", GATE, 0, "delete"), step("out", GATE, 6, "delete"),
            step("pre", U1, 6, "delete"), step("out", U1, 9, "delete"),
            step("pre", IMG, 9, "delete"), step("pre", NET, 9, "delete"), step("out", NET, 10, "delete"), step("out", IMG, 11, "delete"),
        ].join("\n"));
        const tl = buildTimeline(events, STATE);
        assert.deepStrictEqual(tl.rows.filter((r) => r.critical).map((r) => r.label),
            ["Command lab-u1-ready", "Container lab-u1", "RemoteImage lab-node-image"]);
    });

    it("marks a failed step and one that never ended (a cancelled run) as failed", () => {
        seq = 0;
        const events = parseEventLog([step("pre", U1, 0), step("fail", U1, 4), step("pre", GATE, 4), step("pre", NET, 5), step("out", NET, 9)].join("\n"));
        const tl = buildTimeline(events);
        assert.deepStrictEqual(tl.rows.filter((r) => r.failed).map((r) => `${r.label} ${r.start}-${r.end}`).sort(),
            ["Command lab-u1-ready 4-9", "Container lab-u1 0-4"]);
        assert.throws(() => buildTimeline([]), /no events/);
    });

    it("draws a Gantt chart with every step that took time", async () => {
        const svg = await renderSpecSvg(timelineSpec("dev: test", buildTimeline(parseEventLog(log()), STATE)));
        assert.match(svg, /RemoteImage lab-node-image/);
        assert.match(svg, /Command lab-u1-ready/);
        assert.strictEqual(shortLabel(NET), "Network lab-network");
    });

    it("finds the newest run's log of a stack and the phases lab.sh wrote beside it", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-runs-"));
        assert.strictEqual(latestEventLog("dev", dir), undefined);
        fs.mkdirSync(path.join(dir, "dev"));
        for (const f of ["20261204T100000Z-up.events.jsonl", "20261204T110000Z-destroy.events.jsonl", "20261204T110000Z-destroy.phases"]) {
            fs.writeFileSync(path.join(dir, "dev", f), "toolchain check\t1.2\npulumi destroy (CLI)\t9.5\n");
        }
        assert.strictEqual(latestEventLog("dev", dir), path.join(dir, "dev", "20261204T110000Z-destroy.events.jsonl"));
        assert.deepStrictEqual(readPhases(path.join(dir, "dev", "20261204T110000Z-destroy.phases")),
            [{ name: "toolchain check", seconds: 1.2 }, { name: "pulumi destroy (CLI)", seconds: 9.5 }]);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("takes the dependencies from the state saved beside the run, else from one saved by a later run of a stack that is gone", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-runs-"));
        const exported = (urn: string): string => JSON.stringify({ deployment: { resources: [{ urn, dependencies: [] }] } });
        fs.writeFileSync(path.join(dir, "20261204T100000Z-destroy.state.json"), exported("destroy-state"));
        fs.writeFileSync(path.join(dir, "20261204T090000Z-up.state.json"), exported("older"));
        const stack = `no-such-stack-${process.pid}`;
        assert.deepStrictEqual(stateResources(stack, path.join(dir, "20261204T100000Z-destroy")).map((r) => r.urn), ["destroy-state"]);
        assert.deepStrictEqual(stateResources(stack, path.join(dir, "20261204T095000Z-up")).map((r) => r.urn), ["destroy-state"],
            "an up followed by a destroy: the destroy's saved state");
        assert.deepStrictEqual(stateResources(stack, path.join(dir, "20261204T110000Z-up")), [], "nothing saved after it");
        fs.rmSync(dir, { recursive: true, force: true });
    });
});
