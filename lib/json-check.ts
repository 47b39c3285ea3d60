/**
 * Checks of JSON read from files (fortio's result, the drill's samples, the bench's results):
 * each check returns the typed value or throws the caller's error naming where, the field,
 * what was wanted and what was there.
 */

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A value as it was written, cut to 60 characters. */
export function show(v: unknown): string {
    const text = v === undefined ? "nothing" : JSON.stringify(v);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export class JsonChecker {
    /** @param where what is read ("fortio result", "samples line 3"); @param error the error to throw. */
    constructor(private readonly where: string, private readonly error: new (message: string) => Error) {}

    fail(field: string, what: string, value: unknown): never {
        throw new this.error(`${this.where}: ${field} ${what}, got ${show(value)}`);
    }

    object(v: unknown, field: string): Json {
        return isObject(v) ? v : this.fail(field, "must be an object", v);
    }

    list(v: unknown, field: string): unknown[] {
        return Array.isArray(v) ? (v as unknown[]) : this.fail(field, "must be a list", v);
    }

    string(v: unknown, field: string): string {
        return typeof v === "string" && v !== "" ? v : this.fail(field, "must be a non-empty string", v);
    }

    boolean(v: unknown, field: string): boolean {
        return typeof v === "boolean" ? v : this.fail(field, "must be true or false", v);
    }

    /** A finite number in [min, max]. */
    number(v: unknown, field: string, min = -Infinity, max = Infinity): number {
        if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) {
            const range = min === -Infinity && max === Infinity ? "" : max === Infinity ? ` >= ${min}` : ` from ${min} to ${max}`;
            this.fail(field, `must be a number${range}`, v);
        }
        return v;
    }

    count(v: unknown, field: string): number {
        return typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : this.fail(field, "must be a non-negative integer", v);
    }

    positiveInteger(v: unknown, field: string): number {
        return typeof v === "number" && Number.isInteger(v) && v > 0 ? v : this.fail(field, "must be a positive integer", v);
    }

    oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): T {
        return allowed.includes(v as T) ? (v as T) : this.fail(field, `must be one of ${allowed.join(", ")}`, v);
    }

    numbers(v: unknown, field: string, min = -Infinity, max = Infinity): number[] {
        return this.list(v, field).map((x, i) => this.number(x, `${field}[${i}]`, min, max));
    }

    strings(v: unknown, field: string): string[] {
        return this.list(v, field).map((x, i) => this.string(x, `${field}[${i}]`));
    }
}
