import { describe, expect, it } from "vitest";
import { fieldErrors } from "@/lib/validation/common";
import { startRollout } from "@/lib/validation/rollout";
import { ROLLOUT_FORM_DEFAULTS, rolloutFormInput } from "./form";
import { abortConsequence, countsText, leversFor, progressText, selectorText } from "./labels";

const form = (over: Partial<typeof ROLLOUT_FORM_DEFAULTS> = {}) => rolloutFormInput({ version: "rh-7.3@2", ...ROLLOUT_FORM_DEFAULTS, ...over });

describe("the start form's input", () => {
  it("as it opens, with a tag, is the API's start with the schema's defaults: the form shows what the API would do", () => {
    expect(startRollout.parse(form({ tags: "render" }))).toEqual(startRollout.parse({ version: "rh-7.3@2", selector: { tags: ["render"] } }));
  });

  it("splits lists, leaves empty fields to the defaults and keeps counts and percentages apart", () => {
    const parsed = startRollout.parse(
      form({ hosts: "node001, node002\nnode003", network: "racks", running: "rh-7.3@1", wave: "2", maxFailures: "50%", pauseSeconds: "" }),
    );
    expect(parsed.selector).toEqual({ hosts: ["node001", "node002", "node003"], network: "racks", version: { release: "rh-7.3", version: "1" } });
    expect(parsed).toMatchObject({ wave: { count: 2 }, maxFailures: { percent: 50 }, pauseSeconds: 0 });
  });

  it("refuses a wave of 0, an empty selector and a word for a number, each at the field the form shows it beside", () => {
    const r = startRollout.safeParse(form({ wave: "0", canary: "one" }));
    expect(r.success).toBe(false);
    const errors = fieldErrors(r.error!);
    expect(errors.wave).toMatch(/^The wave size must be a whole number of hosts \(at least 1\)/);
    expect(errors.selector).toBe("Choose the hosts: by name, tag, network, release or the version they run");
    expect(errors.canary).toBe("The canary must be a number of hosts");
  });
});

describe("rollouts in words", () => {
  it("counts, progress, levers, the selector and what an abort does", () => {
    expect(countsText({ up: 3, pending: 4, failed: 1 })).toBe("4 pending, 3 up, 1 failed");
    expect(countsText({})).toBe("no hosts");
    expect(progressText(1, 5)).toBe("wave 2 of 5");
    expect(progressText(4, 5)).toBe("wave 5 of 5");
    expect(leversFor("running")).toEqual(["pause", "abort"]);
    expect(leversFor("halted")).toEqual(["rollback", "abort"]);
    expect(leversFor("completed")).toEqual([]);
    expect(selectorText({ tags: ["render", "gpu"], network: "racks", version: { release: "rh", version: "1" } })).toBe(
      "tag render or gpu, and network racks, and running rh@1",
    );
    expect(abortConsequence({ pending: 3, waiting: 1 })).toMatch(/^3 hosts not yet touched will be skipped/);
    expect(abortConsequence({ up: 2 })).toMatch(/^No host is left to skip\./);
  });
});
