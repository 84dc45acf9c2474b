import { describe, expect, it } from "vitest";
import { duration } from "./format";
import { scopeText } from "./history-table";

describe("formatting", () => {
  it("durations", () => {
    expect([duration(-4), duration(850), duration(2400), duration(185_000)]).toEqual(["0 ms", "850 ms", "2.4 s", "3 min 5 s"]);
  });
  it("scopes", () => {
    expect(scopeText({ scope: "full", scopeHosts: null })).toBe("full");
    expect(scopeText({ scope: "hosts", scopeHosts: ["a", "b"] })).toBe("hosts: a, b");
    expect(scopeText({ scope: "hosts", scopeHosts: ["a", "b", "c", "d", "e"] })).toBe("hosts: a, b, c and 2 more");
  });
});
