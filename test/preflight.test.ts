import * as assert from "assert";
import { Cidr, parseCidr } from "../lib/cidr";
import { freeLabNetwork, labNetworkProblems, stackOfPrefix } from "../lib/preflight";
import { ConfigProblems } from "../lib/problems";

const cidr = (t: string): Cidr => parseCidr(t) as Cidr;

function problems(lab: string, networks: { name: string; subnets: string[]; lab?: string }[], others: string[] = []): string[] {
    const p = new ConfigProblems();
    labNetworkProblems(p, cidr(lab), "netlab-weave-lab", networks, "weave-lab", others.map(cidr));
    return p.list.map((x) => `${x.key} ${x.value}: ${x.what}. Fix: ${x.fix}`);
}

describe("preflight: the lab network against the Docker engine's networks", () => {
    it("refuses a range another netlab stack's network overlaps, naming that stack, a free range and destroy", () => {
        const got = problems("192.168.56.0/24", [{ name: "netlab-dev-lab", subnets: ["192.168.56.0/24"], lab: "netlab-dev" }]);
        assert.deepStrictEqual(got, ["labNetwork '192.168.56.0/24': overlaps 192.168.56.0/24 of Docker network 'netlab-dev-lab', " +
            "the lab network of stack 'dev' (Docker runs one stack per network range). Fix: run both by giving this stack its own range " +
            "(pulumi config set netlab:labNetwork 192.168.57.0/24 -s weave-lab), or first commands/lab.sh destroy dev"]);
    });

    it("refuses a partial overlap with a network netlab did not make, and says how to remove it", () => {
        const got = problems("192.168.56.0/24", [{ name: "mine", subnets: ["192.168.0.0/16"] }]);
        assert.strictEqual(got.length, 1);
        assert.match(got[0], /overlaps 192.168.0.0\/16 of Docker network 'mine', which netlab did not make/);
        assert.match(got[0], /docker network rm mine/);
    });

    it("accepts the stack's own network and networks elsewhere", () => {
        assert.deepStrictEqual(problems("192.168.56.0/24", [
            { name: "netlab-weave-lab-lab", subnets: ["192.168.56.0/24"], lab: "netlab-weave-lab" },
            { name: "bridge", subnets: ["172.17.0.0/16"] },
            { name: "none", subnets: [] },
        ]), []);
    });

    it("suggests a range clear of every network and of the stack's own ranges", () => {
        assert.strictEqual(freeLabNetwork([cidr("192.168.56.0/23"), cidr("192.168.58.0/24")]), "192.168.59.0/24");
        assert.strictEqual(freeLabNetwork([]), "192.168.56.0/24");
        assert.strictEqual(freeLabNetwork([cidr("192.168.0.0/16")]), undefined);
        const got = problems("192.168.56.0/24", [{ name: "x", subnets: ["192.168.56.0/24"] }], ["192.168.57.0/24"]);
        assert.match(got[0], /192.168.58.0\/24 -s weave-lab/);
        assert.strictEqual(stackOfPrefix("netlab-kube-lab"), "kube-lab");
    });
});
