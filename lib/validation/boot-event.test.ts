import { describe, expect, it } from "vitest";
import { bootEventInput, parseBootEvent, plainlyValid } from "./boot-event";

describe("a boot report's message", () => {
  it("keeps text and turns every control character into a space (newline and tab included)", () => {
    const parse = (message: string) =>
      bootEventInput.parse({ mac: "52:54:00:12:34:56", bootId: "boot-0001", stage: "failed", failedStage: "afs", message }).message;
    expect(parse("afs: timeout (3 tries) → halting")).toBe("afs: timeout (3 tries) → halting");
    expect(parse("line one\nFAKE: forged line\ttab\r\u0000\u001b[31m\u007f\u0085\u2028end")).toBe("line one FAKE: forged line tab   [31m   end");
    expect(parse("x".repeat(2500))).toHaveLength(2000);
  });
});

describe("the report path's quick check (parseBootEvent)", () => {
  const good = {
    mac: "52:54:00:12:34:56",
    bootId: "boot-0001",
    stage: "afs",
    message: "kafs up\tcell example.org",
    initrdSha256: "a".repeat(64),
    releaseVersion: "deb-12@1",
    ip: "10.20.0.2",
    at: "2026-12-05T10:00:00Z",
    token: "t".repeat(43),
  };
  // each field's variants: valid, empty, absent, wrong type, too long, malformed
  const variants: Record<string, unknown[]> = {
    mac: ["52-54-00-12-34-56", " 5254.0012.3456 ", "525400123456", "52:54:00:12:34", "", null, 7, "x".repeat(65), undefined],
    bootId: ["abc", "boot_0001.x", "-boot0001", "b".repeat(64), "b".repeat(65), "", null, 12345678, undefined],
    stage: ["pxe", "dhcp", "up", "failed", "nope", "", null, ["up"], undefined],
    failedStage: ["afs", "failed", "nope", "", null, 1, undefined],
    message: ["", null, "x".repeat(2500), "a\u2028b\u0085c", 5, undefined],
    initrdSha256: ["A".repeat(64), "a".repeat(63), "", null, undefined],
    releaseVersion: ["deb-12", "@1", `${"r".repeat(130)}@1`, "", null, undefined],
    ip: ["10.0.0.256", "10.0.0", "010.0.0.1", "1.2.3.4 ", "", null, undefined],
    at: ["x\ny", "x".repeat(41), "", null, 0, undefined],
    token: ["t".repeat(257), "", null, {}, undefined],
  };
  const cases: Record<string, unknown>[] = [good, { mac: good.mac, stage: "pxe" }, { ...good, extra: "kept out" }];
  for (const [k, vs] of Object.entries(variants)) {
    for (const v of vs) cases.push({ ...good, [k]: v });
    const { [k]: _, ...without } = good as Record<string, unknown>;
    cases.push(without);
    for (const stage of ["pxe", "dhcp", "failed"]) for (const v of vs) cases.push({ ...good, stage, [k]: v });
  }

  it("answers every report exactly as bootEventInput does: the same data, or zod's own issues", () => {
    let quick = 0;
    for (const c of cases) {
      const zod = bootEventInput.safeParse(c);
      const ours = parseBootEvent(c);
      expect(ours.success).toBe(zod.success);
      if (zod.success) expect(ours.data).toStrictEqual(zod.data);
      else expect(ours.error!.issues).toStrictEqual(zod.error.issues);
      const q = plainlyValid(c);
      if (q) {
        quick++;
        expect(q).toStrictEqual(zod.data);
      }
    }
    expect(quick).toBeGreaterThan(50);
  });
});
