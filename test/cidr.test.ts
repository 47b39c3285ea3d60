import * as assert from "assert";
import { Cidr, containsCidr, formatIPv4, isHostAddress, nthAddress, overlaps, parseCidr, parseIPv4 } from "../lib/cidr";

const cidr = (text: string): Cidr => {
    const c = parseCidr(text);
    assert.ok(typeof c !== "string", c as string);
    return c;
};

describe("cidr", () => {
    it("parses and formats IPv4 addresses, rejecting malformed ones", () => {
        assert.strictEqual(parseIPv4("192.168.56.3"), 0xc0a83803);
        assert.strictEqual(formatIPv4(0xc0a83803), "192.168.56.3");
        assert.strictEqual(formatIPv4(0xffffffff), "255.255.255.255");
        for (const bad of ["256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "a.b.c.d", ""]) {
            assert.strictEqual(parseIPv4(bad), undefined, bad);
        }
    });
    it("parses CIDRs and explains what is wrong with bad ones", () => {
        assert.deepStrictEqual(cidr("10.32.0.0/16"), { text: "10.32.0.0/16", base: 0x0a200000, prefix: 16 });
        assert.match(parseCidr("10.32.0.0") as string, /not a CIDR/);
        assert.match(parseCidr("10.32.0.0/33") as string, /above 32/);
        assert.match(parseCidr("10.32.1.0/16") as string, /did you mean 10\.32\.0\.0\/16/);
    });
    it("tells containment and overlap", () => {
        assert.ok(containsCidr(cidr("10.32.0.0/16"), cidr("10.32.1.0/24")));
        assert.ok(!containsCidr(cidr("10.32.1.0/24"), cidr("10.32.0.0/16")));
        assert.ok(overlaps(cidr("10.32.0.0/16"), cidr("10.32.255.0/24")));
        assert.ok(!overlaps(cidr("10.32.0.0/24"), cidr("10.32.1.0/24")));
        assert.ok(overlaps(cidr("0.0.0.0/0"), cidr("192.168.56.0/24")));
    });
    it("computes host addresses and excludes network and broadcast", () => {
        const net = cidr("192.168.56.0/24");
        assert.strictEqual(nthAddress(net, 3), "192.168.56.3");
        assert.throws(() => nthAddress(net, 256), /outside/);
        assert.ok(isHostAddress(net, parseIPv4("192.168.56.3") as number));
        assert.ok(!isHostAddress(net, parseIPv4("192.168.56.0") as number));
        assert.ok(!isHostAddress(net, parseIPv4("192.168.56.255") as number));
        assert.ok(!isHostAddress(net, parseIPv4("192.168.57.3") as number));
    });
});
