import { afterEach, describe, expect, it } from "vitest";
import { addressFromHops } from "./client-address";

// Rate limits key on the client's address: only hops added by trusted proxies count, never what
// a client wrote into X-Forwarded-For itself.
describe("addressFromHops", () => {
  afterEach(() => {
    delete process.env.AFSBOOT_TRUST_PROXY;
  });

  it("without proxies: the socket peer, whatever X-Forwarded-For says", () => {
    expect(addressFromHops("1.2.3.4, 5.6.7.8", "::ffff:192.0.2.9")).toBe("192.0.2.9");
    expect(addressFromHops(null, "192.0.2.9")).toBe("192.0.2.9");
    expect(addressFromHops(null, null)).toBe("unknown");
  });

  it("behind N proxies: the address N hops from the right; a client's own entries are ignored", () => {
    process.env.AFSBOOT_TRUST_PROXY = "1";
    // the client forged "6.6.6.6"; the proxy appended the client's real address 198.51.100.7
    expect(addressFromHops("6.6.6.6, 198.51.100.7", "10.0.0.2")).toBe("198.51.100.7");
    process.env.AFSBOOT_TRUST_PROXY = "2";
    expect(addressFromHops("6.6.6.6, 198.51.100.7, 10.0.0.3", "10.0.0.2")).toBe("198.51.100.7");
    // fewer hops than proxies: the leftmost there is
    expect(addressFromHops(null, "10.0.0.2")).toBe("10.0.0.2");
    // a bad setting is refused by name (lib/env.ts), never read as some number of proxies
    process.env.AFSBOOT_TRUST_PROXY = "lots";
    expect(() => addressFromHops("6.6.6.6", "10.0.0.2")).toThrow(/AFSBOOT_TRUST_PROXY: must be a whole number of proxies/);
  });
});
