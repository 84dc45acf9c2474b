import { describe, expect, it } from "vitest";
import { bootEventInput } from "./boot-event";

describe("a boot report's message", () => {
  it("keeps text and turns every control character into a space (newline and tab included)", () => {
    const parse = (message: string) =>
      bootEventInput.parse({ mac: "52:54:00:12:34:56", bootId: "boot-0001", stage: "failed", failedStage: "afs", message }).message;
    expect(parse("afs: timeout (3 tries) → halting")).toBe("afs: timeout (3 tries) → halting");
    expect(parse("line one\nFAKE: forged line\ttab\r\u0000\u001b[31m\u007f\u0085\u2028end")).toBe("line one FAKE: forged line tab   [31m   end");
    expect(parse("x".repeat(2500))).toHaveLength(2000);
  });
});
