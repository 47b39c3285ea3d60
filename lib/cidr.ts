/**
 * IPv4 address and CIDR arithmetic. Pure functions, no dependencies, so that config
 * validation can run (and be tested) before any resource exists.
 */

/** An IPv4 network: base address as an unsigned 32-bit integer and prefix length. */
export interface Cidr {
    /** The text it was parsed from, e.g. `10.32.0.0/16`. */
    readonly text: string;
    /** The network address as an unsigned 32-bit integer. */
    readonly base: number;
    /** The prefix length, 0 to 32. */
    readonly prefix: number;
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Parses a dotted-quad IPv4 address into an unsigned 32-bit integer; undefined when malformed. */
export function parseIPv4(text: string): number | undefined {
    const parts = text.split(".");
    if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) {
        return undefined;
    }
    return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

/** Formats an unsigned 32-bit integer as a dotted-quad IPv4 address. */
export function formatIPv4(value: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** The number of addresses in a prefix of this length. */
export function blockSize(prefix: number): number {
    return 2 ** (32 - prefix);
}

/**
 * Parses `a.b.c.d/n`. Returns an error string (not an exception) when the text is not a
 * CIDR or has host bits set, so callers can name the config key in their own message.
 */
export function parseCidr(text: string): Cidr | string {
    const m = /^([^/]+)\/(\d{1,2})$/.exec(text);
    if (!m) {
        return `'${text}' is not a CIDR (expected a.b.c.d/n)`;
    }
    const base = parseIPv4(m[1]);
    const prefix = Number(m[2]);
    if (base === undefined) {
        return `'${text}' has an invalid IPv4 address '${m[1]}'`;
    }
    if (prefix > 32) {
        return `'${text}' has a prefix length above 32`;
    }
    if (base % blockSize(prefix) !== 0) {
        const canonical = `${formatIPv4(base - (base % blockSize(prefix)))}/${prefix}`;
        return `'${text}' has host bits set (did you mean ${canonical}?)`;
    }
    return { text, base, prefix };
}

/** The last address of a network. */
export function lastAddress(net: Cidr): number {
    return net.base + blockSize(net.prefix) - 1;
}

/** True when the address lies inside the network. */
export function containsAddress(net: Cidr, address: number): boolean {
    return address >= net.base && address <= lastAddress(net);
}

/** True when `inner` lies wholly inside `outer` (equal networks count). */
export function containsCidr(outer: Cidr, inner: Cidr): boolean {
    return inner.prefix >= outer.prefix && containsAddress(outer, inner.base);
}

/** True when the two networks share at least one address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
    return a.base <= lastAddress(b) && b.base <= lastAddress(a);
}

/** The n-th address of a network (0 is the network address itself). */
export function nthAddress(net: Cidr, n: number): string {
    if (n < 0 || n >= blockSize(net.prefix)) {
        throw new RangeError(`address #${n} is outside ${net.text}`);
    }
    return formatIPv4(net.base + n);
}

/** True when the address is usable by a host: not the network or broadcast address (for prefixes up to /30). */
export function isHostAddress(net: Cidr, address: number): boolean {
    if (!containsAddress(net, address)) {
        return false;
    }
    if (net.prefix >= 31) {
        return true;
    }
    return address !== net.base && address !== lastAddress(net);
}
