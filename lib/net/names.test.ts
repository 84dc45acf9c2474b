import { describe, expect, it } from "vitest";
import { isDnsName, isHostLabel } from "./names";

describe("isDnsName", () => {
  it.each(["example.org", "cs.cmu.edu", "a-b.c0.example", "grand.central.org"])("accepts %s", (n) => expect(isDnsName(n)).toBe(true));
  it.each(["", "example", "-a.org", "a-.org", "a..org", "under_score.org", "UPPER.org", "a.org.", "x".repeat(64) + ".org", "a b.org"])("rejects %j", (n) =>
    expect(isDnsName(n)).toBe(false),
  );
  it("host labels", () => {
    expect(isHostLabel("node001")).toBe(true);
    expect(isHostLabel("node.001")).toBe(false);
  });
});
