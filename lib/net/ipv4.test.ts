import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  cidrContains,
  exampleAddress,
  formatIpv4,
  formatIpv4Range,
  ipv4Key,
  isIpv4,
  parseCidr,
  parseIpv4,
  parseIpv4Range,
  rangeContains,
  usableRange,
} from "./ipv4";

describe("parseIpv4", () => {
  it.each([
    ["0.0.0.0", 0],
    ["10.0.0.1", 167772161],
    ["255.255.255.255", 4294967295],
  ])("parses %s", (text, n) => expect(parseIpv4(text)).toBe(n));

  it.each(["", "10.0.0", "10.0.0.0.1", "256.0.0.1", "01.2.3.4", "1.2.3.-1", "a.b.c.d", " 10.0.0.1", "10.0.0.1/24", "1e1.0.0.1"])("rejects %j", (text) =>
    expect(isIpv4(text)).toBe(false),
  );

  it("round-trips every address", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => parseIpv4(formatIpv4(n)) === n));
  });
});

describe("ipv4Key", () => {
  it("sorts like the numeric address", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (a, b) => {
        const ka = ipv4Key(formatIpv4(a));
        const kb = ipv4Key(formatIpv4(b));
        return Math.sign(a - b) === Math.sign(ka < kb ? -1 : ka > kb ? 1 : 0);
      }),
    );
  });
  it("pads octets", () => expect(ipv4Key("10.0.0.11")).toBe("010.000.000.011"));
});

describe("parseCidr", () => {
  it("parses a block and its range", () => {
    const r = parseCidr("10.0.0.0/24");
    expect(r.ok && r.cidr).toMatchObject({ prefix: 24, first: parseIpv4("10.0.0.0"), last: parseIpv4("10.0.0.255") });
  });
  it("refuses host bits and suggests the network", () => {
    const r = parseCidr("10.0.0.5/24");
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain("10.0.0.0/24");
  });
  it.each(["10.0.0.0", "10.0.0.0/33", "10.0.0/24", "x/24", "10.0.0.0/-1"])("rejects %j", (t) => expect(parseCidr(t).ok).toBe(false));
  it("contains and usable range", () => {
    const r = parseCidr("192.168.1.0/30");
    if (!r.ok) throw new Error("parse");
    expect(cidrContains(r.cidr, parseIpv4("192.168.1.3")!)).toBe(true);
    expect(cidrContains(r.cidr, parseIpv4("192.168.1.4")!)).toBe(false);
    expect(usableRange(r.cidr)).toEqual({ first: parseIpv4("192.168.1.1"), last: parseIpv4("192.168.1.2") });
  });
});

describe("parseIpv4Range", () => {
  it("parses START-END, spaces around the dash allowed, and formats it back", () => {
    const r = parseIpv4Range(" 10.0.0.200 - 10.0.0.220 ");
    expect(r).toEqual({ ok: true, range: { first: parseIpv4("10.0.0.200"), last: parseIpv4("10.0.0.220") } });
    expect(r.ok && formatIpv4Range(r.range)).toBe("10.0.0.200-10.0.0.220");
    expect(r.ok && rangeContains(r.range, parseIpv4("10.0.0.220")!)).toBe(true);
    expect(r.ok && rangeContains(r.range, parseIpv4("10.0.0.221")!)).toBe(false);
  });
  it("leaves the order to the caller", () => {
    expect(parseIpv4Range("10.0.0.9-10.0.0.1").ok).toBe(true);
  });
  it.each(["", "10.0.0.1", "10.0.0.1-", "-10.0.0.1", "10.0.0.1-10.0.0.2-10.0.0.3", "10.0.0.1 10.0.0.2", "10.0.0.1-10.0.0.256", "10.0.0.1--10.0.0.2"])(
    "rejects %j",
    (text) => {
      expect(parseIpv4Range(text).ok).toBe(false);
    },
  );
});

describe("exampleAddress", () => {
  it.each([
    ["10.0.0.0/24", "10.0.0.11"],
    ["192.168.40.0/22", "192.168.40.11"],
    ["10.0.0.0/28", "10.0.0.11"],
    ["10.0.0.8/29", "10.0.0.14"],
    ["10.0.0.4/30", "10.0.0.6"],
    ["10.0.0.4/31", "10.0.0.5"],
    ["10.0.0.7/32", "10.0.0.7"],
  ])("of %s is %s", (subnet, ip) => expect(exampleAddress(subnet)).toBe(ip));

  it.each(["", "10.0.0.5/24", "lab"])("is null for %j", (subnet) => expect(exampleAddress(subnet)).toBeNull());

  it("always lies inside the subnet's usable addresses", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 8, max: 32 }), (n, prefix) => {
        const size = 2 ** (32 - prefix);
        const subnet = `${formatIpv4(n - (n % size))}/${prefix}`;
        const cidr = parseCidr(subnet);
        if (!cidr.ok) return false;
        const ip = parseIpv4(exampleAddress(subnet)!)!;
        const { first, last } = usableRange(cidr.cidr);
        return ip >= first && ip <= last;
      }),
    );
  });
});
