import { describe, expect, it, vi } from "vitest";
import fc from "fast-check";
import { applyPatch, createTwoFilesPatch } from "diff";
import { DIFF_LIMITS, unifiedDiff } from "./diff";

// jsdiff as it is, watched: what unifiedDiff hands it shows how much work the diff does
vi.mock("diff", async (importOriginal) => {
  const actual = await importOriginal<typeof import("diff")>();
  return { ...actual, createTwoFilesPatch: vi.fn(actual.createTwoFilesPatch) };
});

const lines = (n: number, tag = "line") => Array.from({ length: n }, (_, i) => `${tag} ${i}`).join("\n") + "\n";

describe("publication diffs", () => {
  it("is a standard unified diff with 3 lines of context", () => {
    expect(unifiedDiff({ path: "pxelinux.cfg/default", kind: "pxelinux", oldText: "a\nb\nc\n", newText: "a\nB\nc\n" })).toBe(
      "--- a/pxelinux.cfg/default\n+++ b/pxelinux.cfg/default\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n",
    );
    expect(unifiedDiff({ path: "x.ipxe", kind: "ipxe", oldText: null, newText: "#!ipxe\n" })).toBe("--- /dev/null\n+++ b/x.ipxe\n@@ -0,0 +1,1 @@\n+#!ipxe\n");
    expect(unifiedDiff({ path: "x.ipxe", kind: "ipxe", oldText: "#!ipxe\n", newText: null })).toBe("--- a/x.ipxe\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-#!ipxe\n");
  });

  it("cutting the common head and tail first still gives a patch that turns the old file into the new one", () => {
    // (not always jsdiff's own patch of the whole files: among repeated lines an edit may be placed
    // differently, which is just as correct)
    const text = fc.array(fc.constantFrom("a", "b", "c", "host x {", "}", ""), { maxLength: 60 });
    fc.assert(
      fc.property(text, text, fc.boolean(), fc.boolean(), (a, b, na, nb) => {
        const oldText = a.join("\n") + (na ? "\n" : "");
        const newText = b.join("\n") + (nb ? "\n" : "");
        const patch = unifiedDiff({ path: "f", kind: "dhcpd", oldText, newText });
        if (oldText === newText) return;
        expect(applyPatch(oldText, patch)).toBe(newText);
      }),
      { numRuns: 2000 },
    );
  });

  it("without repeated lines it is exactly jsdiff's patch of the whole files", () => {
    const distinct = fc.uniqueArray(fc.integer({ min: 0, max: 80 }), { maxLength: 40 }).map((xs) => xs.map((x) => `line ${x}`));
    fc.assert(
      fc.property(distinct, distinct, (a, b) => {
        const oldText = a.join("\n") + "\n";
        const newText = b.join("\n") + "\n";
        const full = createTwoFilesPatch("a/f", "b/f", oldText, newText, undefined, undefined, { context: 3 }).replace(/^={10,}\n/m, "");
        expect(unifiedDiff({ path: "f", kind: "dhcpd", oldText, newText })).toBe(full);
      }),
      { numRuns: 500 },
    );
  });

  it("one change in a 50,000-line file is a small hunk with the right line numbers, quickly", () => {
    const old = lines(50_000);
    vi.mocked(createTwoFilesPatch).mockClear();
    const d = unifiedDiff({ path: "dhcp/dhcpd-lab.conf", kind: "dhcpd", oldText: old, newText: old.replace("line 25000\n", "LINE 25000\n") });
    // quickly, by construction rather than by the clock: jsdiff (a full Myers diff of 50,000 lines
    // takes seconds) sees only the changed line and its context, not the whole file
    expect(vi.mocked(createTwoFilesPatch)).toHaveBeenCalledTimes(1);
    const [, , oldSeen, newSeen] = vi.mocked(createTwoFilesPatch).mock.calls[0]!;
    expect([oldSeen.split("\n").length, newSeen.split("\n").length]).toEqual([8, 8]); // 7 lines and the newline after the last
    expect(d).toBe("--- a/dhcp/dhcpd-lab.conf\n+++ b/dhcp/dhcpd-lab.conf\n@@ -24998,7 +24998,7 @@\n line 24997\n line 24998\n line 24999\n-line 25000\n+LINE 25000\n line 25001\n line 25002\n line 25003\n");
  });

  it("summarises rewrites too large to keep, binary files, and cuts long diffs", () => {
    expect(unifiedDiff({ path: "dhcp/a.conf", kind: "dhcpd", oldText: lines(5000), newText: lines(5000, "other") })).toBe(
      `dhcp/a.conf: 10000 lines changed; diff not kept (more than ${DIFF_LIMITS.maxChangedLines})`,
    );
    expect(unifiedDiff({ path: "overlays/x.cpio.gz", kind: "overlay", oldText: "", newText: "" })).toBe("Binary file overlays/x.cpio.gz changed");
    const long = unifiedDiff({ path: "a", kind: "kea", oldText: "", newText: "x".repeat(200) + "\n" + lines(1500, "y".repeat(60)) });
    expect(Buffer.byteLength(long)).toBeLessThan(DIFF_LIMITS.maxBytes + 100);
    expect(long).toMatch(/… diff cut at 64 KiB\n$/);
  });
});
