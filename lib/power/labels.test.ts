import { describe, expect, it } from "vitest";
import { POWER_ACTIONS } from "./types";
import { actionOnHosts, hostCount, inheritedText, needsConfirmation, outcomeSummary } from "./labels";

describe("power labels", () => {
  it("states the count in a bulk action's confirmation", () => {
    expect(actionOnHosts("cycle", 12)).toBe("Power cycle 12 hosts");
    expect(actionOnHosts("off", 1)).toBe("Power off 1 host");
    expect(actionOnHosts("reset", 1234)).toBe("Reset 1,234 hosts");
    expect(hostCount(0)).toBe("0 hosts");
  });

  it("asks before off, cycle and reset only", () => {
    expect(POWER_ACTIONS.filter(needsConfirmation)).toEqual(["off", "cycle", "reset"]);
  });

  it("counts each host's result", () => {
    expect(outcomeSummary([{ ok: true }, { ok: false }])).toBe("2 hosts: 1 ok, 1 failed");
    expect(outcomeSummary([{ ok: true }])).toBe("1 host: 1 ok, 0 failed");
  });

  it("says which settings come from the network", () => {
    expect(inheritedText([], "lab")).toBeNull();
    expect(inheritedText(["command"], "lab")).toBe("command comes from network lab");
    expect(inheritedText(["driver", "password", "command"], "lab")).toBe("driver, password and command come from network lab");
  });
});
