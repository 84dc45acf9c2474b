import { describe, expect, it, vi } from "vitest";
import fc from "fast-check";
import { applyPatch, createTwoFilesPatch, diffArrays, parsePatch } from "diff";
import { DIFF_LIMITS, fileDiff, unifiedDiff, wholeDiff, wholeFileHunk } from "./diff";
import { alignLines, formatHunks, splitLines } from "./line-diff";

// jsdiff as it is, watched: what the diff hands to Myers' algorithm shows how much work it does
vi.mock("diff", async (importOriginal) => {
  const actual = await importOriginal<typeof import("diff")>();
  return { ...actual, diffArrays: vi.fn(actual.diffArrays) };
});

/** Lines a patch removes or adds. */
const changedLines = (patch: string) => parsePatch(patch).flatMap((p) => p.hunks.flatMap((h) => h.lines.filter((l) => l[0] === "+" || l[0] === "-"))).length;

/** A dhcpd.conf as the generator writes it: a global part, then a block per host. */
function dhcpdConf(hosts: number, ip: (i: number) => string): string {
  const head = 'option domain-name "lab.example";\nsubnet 10.0.0.0 netmask 255.255.0.0 {\n  option routers 10.0.0.1;\n}\n';
  const blocks = Array.from({ length: hosts }, (_, i) => {
    const mac = `52:54:00:${[i >> 16, (i >> 8) & 255, i & 255].map((x) => x.toString(16).padStart(2, "0")).join(":")}`;
    return `host node${i} {\n  hardware ethernet ${mac};\n  fixed-address ${ip(i)};\n  option host-name "node${i}";\n}\n`;
  });
  return head + blocks.join("");
}

const lines = (n: number, tag = "line") => Array.from({ length: n }, (_, i) => `${tag} ${i}`).join("\n") + "\n";

describe("publication diffs", () => {
  it("is a standard unified diff with 3 lines of context", () => {
    expect(unifiedDiff({ path: "pxelinux.cfg/default", kind: "pxelinux", oldText: "a\nb\nc\n", newText: "a\nB\nc\n" })).toBe(
      "--- a/pxelinux.cfg/default\n+++ b/pxelinux.cfg/default\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n",
    );
    expect(unifiedDiff({ path: "x.ipxe", kind: "ipxe", oldText: null, newText: "#!ipxe\n" })).toBe("--- /dev/null\n+++ b/x.ipxe\n@@ -0,0 +1,1 @@\n+#!ipxe\n");
    expect(unifiedDiff({ path: "x.ipxe", kind: "ipxe", oldText: "#!ipxe\n", newText: null })).toBe("--- a/x.ipxe\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-#!ipxe\n");
  });

  it("a file added or removed whole has the one hunk the line-by-line diff makes of it", () => {
    const text = fc.array(fc.constantFrom("a", "b", "host x {", "}", "", " ", "\\ x", "+", "-", "é"), { maxLength: 40 });
    fc.assert(
      fc.property(text, fc.boolean(), (ls, eol) => {
        const t = ls.join("\n") + (eol ? "\n" : "");
        const lines = splitLines(t);
        const added = formatHunks(alignLines([], lines), [], lines).hunks.join("");
        const removed = formatHunks(alignLines(lines, []), lines, []).hunks.join("");
        expect(t === "" ? "" : wholeFileHunk(t, "+")).toBe(added);
        expect(t === "" ? "" : wholeFileHunk(t, "-")).toBe(removed);
        expect(unifiedDiff({ path: "f", kind: "dhcpd", oldText: null, newText: t })).toBe(`--- /dev/null\n+++ b/f\n${added}`);
        expect(unifiedDiff({ path: "f", kind: "dhcpd", oldText: t, newText: null })).toBe(`--- a/f\n+++ /dev/null\n${removed}`);
        if (t !== "") expect(applyPatch("", unifiedDiff({ path: "f", kind: "dhcpd", oldText: null, newText: t }))).toBe(t);
      }),
      { numRuns: 1000 },
    );
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

  it("without repeated lines it changes as few lines as jsdiff's Myers diff of the whole files", () => {
    // (every line then anchors: the common lines kept are a longest common subsequence, though
    // not always the one Myers' diff picks among equally long ones)
    const distinct = fc.uniqueArray(fc.integer({ min: 0, max: 80 }), { maxLength: 40 }).map((xs) => xs.map((x) => `line ${x}`));
    fc.assert(
      fc.property(distinct, distinct, fc.boolean(), (a, b, eol) => {
        const oldText = a.join("\n") + (eol ? "\n" : "");
        const newText = b.join("\n") + "\n";
        if (oldText === newText) return;
        const ours = unifiedDiff({ path: "f", kind: "dhcpd", oldText, newText });
        expect(applyPatch(oldText, ours)).toBe(newText);
        expect(changedLines(ours)).toBe(changedLines(createTwoFilesPatch("a/f", "b/f", oldText, newText, undefined, undefined, { context: 3 })));
      }),
      { numRuns: 1000 },
    );
  });

  it("one change in a 50,000-line file is a small hunk with the right line numbers, quickly", () => {
    const old = lines(50_000);
    vi.mocked(diffArrays).mockClear();
    const d = unifiedDiff({ path: "dhcp/dhcpd-lab.conf", kind: "dhcpd", oldText: old, newText: old.replace("line 25000\n", "LINE 25000\n") });
    // quickly, by construction rather than by the clock: the common head and tail are cut off and
    // Myers' diff (a full one of 50,000 lines takes seconds) sees the changed line only
    expect(vi.mocked(diffArrays).mock.calls.map(([a, b]) => [a.length, b.length])).toEqual([[1, 1]]);
    expect(d).toBe(
      "--- a/dhcp/dhcpd-lab.conf\n+++ b/dhcp/dhcpd-lab.conf\n@@ -24998,7 +24998,7 @@\n line 24997\n line 24998\n line 24999\n-line 25000\n+LINE 25000\n line 25001\n line 25002\n line 25003\n",
    );
  });

  it("a 10,000-host dhcpd.conf with every host renumbered gets its whole diff, host block by host block", () => {
    const before = dhcpdConf(10_000, (i) => `10.0.${i >> 8}.${i & 255}`);
    const after = dhcpdConf(10_000, (i) => `10.1.${i >> 8}.${i & 255}`);
    vi.mocked(diffArrays).mockClear();
    const { maxBytes } = DIFF_LIMITS;
    DIFF_LIMITS.maxBytes = 64 * 1024 * 1024;
    try {
      const d = unifiedDiff({ path: "dhcp/dhcpd-lab.conf", kind: "dhcpd", oldText: before, newText: after });
      expect(applyPatch(before, d)).toBe(after);
      expect(changedLines(d)).toBe(20_000); // each host: its fixed-address line, out and in
      expect(d).toContain('\n   hardware ethernet 52:54:00:00:00:01;\n-  fixed-address 10.0.0.1;\n+  fixed-address 10.1.0.1;\n   option host-name "node1";\n');
      // the host names and MACs anchor every block: Myers' diff sees one changed line at a time
      const seen = vi.mocked(diffArrays).mock.calls.map(([a, b]) => a.length + b.length);
      expect([seen.length, Math.max(...seen)]).toEqual([10_000, 2]);
    } finally {
      DIFF_LIMITS.maxBytes = maxBytes;
    }
  });

  it("the first publish's DHCP file is a diff too: every line added, shown cut, kept whole compressed", () => {
    const conf = dhcpdConf(10_000, (i) => `10.0.${i >> 8}.${i & 255}`);
    const d = fileDiff({ path: "dhcp/dhcpd-lab.conf", kind: "dhcpd", oldText: null, newText: conf });
    expect(d.shown.startsWith("--- /dev/null\n+++ b/dhcp/dhcpd-lab.conf\n@@ -0,0 +1,50004 @@\n+option domain-name")).toBe(true);
    expect(d.shown).toMatch(/… diff cut at 64 KiB\n$/);
    expect(Buffer.byteLength(d.shown)).toBeLessThan(DIFF_LIMITS.maxBytes + 100);
    const whole = wholeDiff(d.whole!);
    expect(applyPatch("", whole)).toBe(conf);
    expect(d.whole!.length).toBeLessThan(whole.length / 5); // what the database stores
    // a small diff is whole as it is
    expect(fileDiff({ path: "x.ipxe", kind: "ipxe", oldText: "a\n", newText: "b\n" }).whole).toBeNull();
  });

  it("repeated lines without any anchor: Myers' diff within its bounds, else a replacement that still applies", () => {
    const same = (n: number, s: string) => Array.from({ length: n }, () => s).join("\n") + "\n";
    const small = unifiedDiff({ path: "f", kind: "dnsmasq", oldText: same(10, "x"), newText: same(12, "x") });
    expect(changedLines(small)).toBe(2);
    const { maxBytes } = DIFF_LIMITS;
    DIFF_LIMITS.maxBytes = 64 * 1024 * 1024;
    try {
      const oldText = same(5000, "a") + same(5000, "b");
      const newText = same(5000, "b") + same(5000, "c");
      const big = unifiedDiff({ path: "f", kind: "dnsmasq", oldText, newText });
      expect(applyPatch(oldText, big)).toBe(newText);
    } finally {
      DIFF_LIMITS.maxBytes = maxBytes;
    }
  });

  it("a long diff of many hunks is shown up to the last hunk that fits, every hunk whole", () => {
    const before = dhcpdConf(3000, (i) => `10.0.${i >> 8}.${i & 255}`);
    const after = dhcpdConf(3000, (i) => (i % 4 === 0 ? `10.9.${i >> 8}.${i & 255}` : `10.0.${i >> 8}.${i & 255}`));
    const d = fileDiff({ path: "dhcp/dhcpd-lab.conf", kind: "dhcpd", oldText: before, newText: after });
    expect(d.shown).toMatch(/\n… diff cut at 64 KiB\n$/);
    const shown = d.shown.replace(/… diff cut at 64 KiB\n$/, "");
    expect(Buffer.byteLength(shown)).toBeLessThanOrEqual(DIFF_LIMITS.maxBytes);
    // each hunk's header counts match its lines: jsdiff parses it strictly
    const hunks = parsePatch(shown)[0]!.hunks;
    expect(hunks.length).toBeGreaterThan(100);
    for (const h of hunks) {
      expect(h.lines.filter((l) => l[0] !== "+").length).toBe(h.oldLines);
      expect(h.lines.filter((l) => l[0] !== "-").length).toBe(h.newLines);
    }
    expect(applyPatch(before, wholeDiff(d.whole!))).toBe(after);
  });

  it("summarises binary files, and cuts a diff whose first hunk alone is too long at a line", () => {
    expect(unifiedDiff({ path: "overlays/x.cpio.gz", kind: "overlay", oldText: "", newText: "" })).toBe("Binary file overlays/x.cpio.gz changed");
    const long = unifiedDiff({ path: "a", kind: "kea", oldText: "", newText: "x".repeat(200) + "\n" + lines(1500, "y".repeat(60)) });
    expect(Buffer.byteLength(long)).toBeLessThan(DIFF_LIMITS.maxBytes + 100);
    expect(long).toMatch(/… diff cut at 64 KiB\n$/);
  });
});
