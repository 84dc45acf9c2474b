import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { isMulticastMac, normalizeMac, pxelinuxName } from "./mac";

describe("normalizeMac", () => {
  it.each([
    ["52:54:00:12:34:56", "52:54:00:12:34:56"],
    ["52-54-00-12-34-56", "52:54:00:12:34:56"],
    ["AA-BB-CC-DD-EE-FF", "aa:bb:cc:dd:ee:ff"],
    ["aabb.ccdd.eeff", "aa:bb:cc:dd:ee:ff"],
    ["AABBCCDDEEFF", "aa:bb:cc:dd:ee:ff"],
    ["  52:54:00:12:34:56 ", "52:54:00:12:34:56"],
  ])("%s → %s", (input, out) => expect(normalizeMac(input)).toBe(out));

  it.each(["", "52:54:00:12:34", "52:54:00:12:34:5g", "52:54-00:12:34:56", "5254.0012.34", "52:54:00:12:34:56:78", "aabbccddeef", "aa:bb:cc:dd:ee:ff:"])(
    "rejects %j",
    (input) => expect(normalizeMac(input)).toBeNull(),
  );

  it("every form of every MAC normalises to the same value", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (bytes) => {
        const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0"));
        const colon = hex.join(":");
        const forms = [colon, hex.join("-").toUpperCase(), hex.join(""), [0, 2, 4].map((i) => hex[i]! + hex[i + 1]!).join(".")];
        return forms.every((f) => normalizeMac(f) === colon);
      }),
    );
  });

  it("multicast and pxelinux names", () => {
    expect(isMulticastMac("01:00:5e:00:00:01")).toBe(true);
    expect(isMulticastMac("52:54:00:12:34:56")).toBe(false);
    expect(pxelinuxName("52:54:00:12:34:56")).toBe("01-52-54-00-12-34-56");
  });
});
