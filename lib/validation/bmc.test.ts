import { describe, expect, it } from "vitest";
import { bmcPasswordFromForm, hostBmcInput, networkBmcInput } from "./bmc";

const form = (bmc: Record<string, string>) => bmcPasswordFromForm({ name: "node001", bmc }) as { bmc: Record<string, unknown> };

describe("bmcPasswordFromForm", () => {
  it("keeps the stored password when the box is left empty", () => {
    const out = form({ driver: "ipmi", password: "" });
    expect(out.bmc).toEqual({ driver: "ipmi" });
    expect(hostBmcInput.parse(out.bmc).password).toBeUndefined();
    expect(networkBmcInput.parse(out.bmc).password).toBeUndefined();
  });

  it("replaces it with what was typed, whatever the remove box says", () => {
    expect(form({ password: "s3cret" }).bmc).toEqual({ password: "s3cret" });
    expect(form({ password: "s3cret", removeStored: "on" }).bmc).toEqual({ password: "s3cret" });
  });

  it("removes it when the remove box is ticked and nothing is typed", () => {
    const out = form({ password: "", removeStored: "on" });
    expect(out.bmc).toEqual({ password: null });
    expect(hostBmcInput.parse(out.bmc).password).toBeNull();
  });

  it("leaves input without a BMC as it is", () => {
    expect(bmcPasswordFromForm({ name: "node001" })).toEqual({ name: "node001" });
    expect(bmcPasswordFromForm({ name: "node001", bmc: null })).toEqual({ name: "node001", bmc: null });
    expect(bmcPasswordFromForm("text")).toBe("text");
  });
});
