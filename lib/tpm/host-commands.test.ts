import { describe, expect, it } from "vitest";
import { AK_HANDLE, hostCommands } from "./host-commands";

// The commands themselves are exercised against swtpm in credential.test.ts and public.test.ts
// (lib/testing/swtpm.ts runs exactly these); here: the shape /init relies on.

describe("hostCommands", () => {
  it("flushes transient objects after every command (no resource manager in the initrd)", () => {
    for (const [step, cmds] of Object.entries(hostCommands)) {
      if (step === "cleanup") continue;
      const flushes = cmds.map((c) => c.argv.join(" ") === "tpm2_flushcontext -t");
      expect(flushes, step).toEqual(cmds.map((_, i) => i % 2 === 1));
    }
  });

  it("never lets activatecredential print K: its stdout is discarded", () => {
    const activate = hostCommands.activate.find((c) => c.argv[0] === "tpm2_activatecredential");
    expect(activate?.argv).toContain(AK_HANDLE);
    expect(activate?.discardStdout).toBe(true);
  });
});
