import * as assert from "assert";
import { vmContainerSettings } from "../components/hosts";
import { launchDigest, parseHostReport, summarizeDataPath, weaveNetworkName, weavePrivilegeArgs } from "../lib/weave";

describe("Weave Net on weave-lab hosts (lib/weave.ts)", () => {
    it("the default subnet runs on Weave's own network, each other subnet on a network named after it", () => {
        assert.strictEqual(weaveNetworkName("10.32.0.0/24", "10.32.0.0/24"), "weave");
        assert.strictEqual(weaveNetworkName("10.32.1.0/24", "10.32.0.0/24"), "weave-10.32.1.0-24");
    });

    it("Weave's containers take the hosts' capability form, without the CLI-only systempaths option; --privileged where allowed", () => {
        assert.strictEqual(weavePrivilegeArgs(vmContainerSettings(false)),
            "--cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined --security-opt apparmor=unconfined");
        assert.strictEqual(weavePrivilegeArgs(undefined), "", "upstream's --privileged");
    });

    it("the launch digest changes with every launch setting and the password, and does not carry it", () => {
        const base = { version: "2.9.0", ipallocRange: "10.32.0.0/16", defaultSubnet: "10.32.0.0/24", encrypted: false };
        const d = launchDigest(base);
        assert.strictEqual(launchDigest({ ...base }), d);
        for (const changed of [{ version: "2.9.1" }, { ipallocRange: "10.40.0.0/16" }, { defaultSubnet: "10.32.2.0/24" }, { mtu: 1376 },
            { encrypted: true, passwordDigest: "aa" }]) {
            assert.notStrictEqual(launchDigest({ ...base, ...changed }), d, JSON.stringify(changed));
        }
        assert.notStrictEqual(launchDigest({ ...base, encrypted: true, passwordDigest: "aa" }), launchDigest({ ...base, encrypted: true, passwordDigest: "bb" }));
        assert.match(d, /^[0-9a-f]{16}$/);
    });

    it("reads each host's report (its last JSON line) and sums up the data path", () => {
        const report = (host: string, enc: string, mode: string, mtu: number | null, fastdp = ""): string =>
            `[weave ${host}] launching\n${JSON.stringify({ host, encryption: enc, fastdp, connections: [{ peer: "x", mode, mtu }] })}\n`;
        const sleeve = summarizeDataPath([report("u1", "disabled", "sleeve", 1438, "no fast datapath (bridge not supported)"),
            report("u2", "disabled", "sleeve", 1438)].map(parseHostReport));
        assert.deepStrictEqual(sleeve, { mode: "sleeve", encrypted: false, mtu: 1438, fastdpUnavailable: "no fast datapath (bridge not supported)",
            connections: { u1: ["x sleeve mtu=1438"], u2: ["x sleeve mtu=1438"] } });
        const enc = summarizeDataPath([report("u1", "enabled", "encrypted sleeve", 1414), report("u2", "enabled", "encrypted sleeve", 1410)]
            .map(parseHostReport));
        assert.deepStrictEqual([enc.mode, enc.encrypted, enc.mtu, enc.fastdpUnavailable], ["sleeve", true, 1410, undefined]);
        const mixed = summarizeDataPath([report("u1", "disabled", "fastdp", 1376), report("u2", "disabled", "sleeve", null)].map(parseHostReport));
        assert.strictEqual(mixed.mode, "mixed: fastdp, sleeve");
        assert.throws(() => parseHostReport("weave: launch failed\n"), /printed no report/);
    });
});
