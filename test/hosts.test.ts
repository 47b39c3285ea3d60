import * as assert from "assert";
import { assignPorts, dockerRunFlags } from "../components/hosts";

describe("host container settings", () => {
    it("without privileged: exactly the capability form that works where --privileged is refused", () => {
        assert.deepStrictEqual(dockerRunFlags(false).join(" "), [
            "--cap-add ALL --cap-drop SYS_RESOURCE",
            "--security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt systempaths=unconfined",
            "--device /dev/kmsg:/dev/kmsg:rwm --tmpfs /run --tmpfs /run/lock",
            "-v /sys/fs/cgroup:/sys/fs/cgroup:rw -v /var/lib/docker -v /var/lib/containerd --cgroupns=host --stop-signal SIGRTMIN+3",
        ].join(" "));
    });
    it("with privileged: --privileged replaces the capabilities, security options and devices", () => {
        const flags = dockerRunFlags(true);
        assert.strictEqual(flags[0], "--privileged");
        for (const absent of ["--cap-add", "--cap-drop", "--security-opt", "--device"]) {
            assert.ok(!flags.includes(absent), absent);
        }
        assert.ok(flags.includes("/sys/fs/cgroup:/sys/fs/cgroup:rw") && flags.includes("--cgroupns=host"));
    });
});

describe("pinned published ports", () => {
    const printed = "21001 21002 21003 21004 21005 21006\n";
    it("assignPorts gives each host its own consecutive share of what lab-ports.sh printed, in the wanted order", () => {
        assert.deepStrictEqual([0, 1, 2].map((i) => assignPorts(printed, [22, 6443], i)), [
            { 22: 21001, 6443: 21002 }, { 22: 21003, 6443: 21004 }, { 22: 21005, 6443: 21006 },
        ]);
        assert.deepStrictEqual([0, 1, 2].map((i) => assignPorts("  21001\n21002 21003 ", [22], i)), [{ 22: 21001 }, { 22: 21002 }, { 22: 21003 }]);
    });
    it("assignPorts refuses too few ports, naming the host", () => {
        assert.throws(() => assignPorts("21001 21002 21003", [22, 6443], 1), /'21001 21002 21003': not enough ports for host #2 \(2 each\)/);
        assert.throws(() => assignPorts(printed, [22, 8500, 4646], 2), /not enough ports for host #3 \(3 each\)/);
        assert.throws(() => assignPorts("", [22], 0), /not enough ports for host #1/);
    });
    it("assignPorts refuses what is not a port", () => {
        assert.throws(() => assignPorts("21001 oops", [22], 1), /not enough ports for host #2/);
        assert.throws(() => assignPorts("lab-ports: fewer than 3 free ports", [22], 0), /not enough ports/);
    });
});
