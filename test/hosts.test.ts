import * as assert from "assert";
import { dockerRunFlags } from "../components/hosts";

describe("host container settings", () => {
    it("without privileged: exactly the capability form that works where --privileged is refused", () => {
        assert.deepStrictEqual(dockerRunFlags(false).join(" "), [
            "--cap-add ALL --cap-drop SYS_RESOURCE",
            "--security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt systempaths=unconfined",
            "--device-cgroup-rule a *:* rwm --tmpfs /run --tmpfs /run/lock",
            "-v /sys/fs/cgroup:/sys/fs/cgroup:rw -v /var/lib/docker -v /var/lib/containerd --cgroupns=host --stop-signal SIGRTMIN+3",
        ].join(" "));
    });
    it("with privileged: --privileged replaces the capabilities, security options and device rules", () => {
        const flags = dockerRunFlags(true);
        assert.strictEqual(flags[0], "--privileged");
        for (const absent of ["--cap-add", "--cap-drop", "--security-opt", "--device-cgroup-rule"]) {
            assert.ok(!flags.includes(absent), absent);
        }
        assert.ok(flags.includes("/sys/fs/cgroup:/sys/fs/cgroup:rw") && flags.includes("--cgroupns=host"));
    });
});
