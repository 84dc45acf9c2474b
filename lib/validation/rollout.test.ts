import { describe, expect, it } from "vitest";
import { startRollout } from "./rollout";

const base = { version: "rh-7.3@2", selector: { tags: ["render"] } };
const issue = (input: Record<string, unknown>) => {
  const r = startRollout.safeParse({ ...base, ...input });
  return r.success ? null : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
};

describe("startRollout", () => {
  it("fills the defaults: a canary of 1, waves of 10%, no failure allowed, power mode, no rollback", () => {
    expect(startRollout.parse(base)).toEqual({
      version: { release: "rh-7.3", version: "2" },
      selector: { tags: ["render"] },
      canary: 1,
      wave: { percent: 10 },
      maxFailures: { count: 0 },
      canaryMaxFailures: 0,
      pauseSeconds: 0,
      reportDeadlineSeconds: 300,
      upDeadlineSeconds: 900,
      rollback: false,
      mode: "power",
    });
  });

  it("reads sizes as counts or percentages, from JSON numbers or strings", () => {
    expect(startRollout.parse({ ...base, wave: "25%", maxFailures: "10%" })).toMatchObject({ wave: { percent: 25 }, maxFailures: { percent: 10 } });
    expect(startRollout.parse({ ...base, wave: 5, maxFailures: "2" })).toMatchObject({ wave: { count: 5 }, maxFailures: { count: 2 } });
  });

  it("refuses bad input with a clear message on its field", () => {
    expect(issue({ version: "rh-7.3" })).toBe("version: Name a version: rh-7.3@VERSION");
    expect(issue({ selector: {} })).toBe("selector: Choose the hosts: by name, tag, network, release or the version they run");
    expect(issue({ selector: { hosts: [] } })).toMatch(/^selector: Choose the hosts/);
    expect(issue({ wave: 0 })).toBe("wave: The wave size must be a whole number of hosts (at least 1) or a percentage from 1% to 100%");
    expect(issue({ wave: "150%" })).toMatch(/^wave: /);
    expect(issue({ wave: "ten" })).toMatch(/^wave: /);
    expect(issue({ maxFailures: -1 })).toMatch(/^maxFailures: The failure limit must be a whole number of hosts \(at least 0\)/);
    expect(issue({ canary: -1 })).toBe("canary: The canary cannot be negative");
    expect(issue({ mode: "ipmi" })).toBe("mode: The mode is power or manual");
    expect(issue({ reportDeadlineSeconds: 600, upDeadlineSeconds: 300 })).toBe(
      "upDeadlineSeconds: The up deadline must not be shorter than the report deadline",
    );
    expect(issue({ selector: { hosts: ["Bad_Name"] } })).toMatch(/^selector\.hosts\.0: Hostname/);
    expect(issue({ extra: 1 })).toMatch(/Unrecognized key/);
  });
});
