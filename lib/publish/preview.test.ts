import { describe, expect, it } from "vitest";
import type { PublishResult } from "@/lib/data/publish";
import { PREVIEW_FILES, toPreview } from "./preview";

const result = (changes: PublishResult["changes"], extra: Partial<PublishResult> = {}): PublishResult => ({
  publicationId: null,
  status: "dry_run",
  changes,
  unchanged: 7,
  validation: [],
  hooks: [],
  skipped: [],
  timings: { snapshot: 3 },
  ...extra,
});
const change = (i: number, c: "added" | "changed" | "removed", diff: string | null = `+line ${i}\n`) => ({
  path: `ipxe/${String(i).padStart(5, "0")}.ipxe`,
  change: c,
  kind: "ipxe",
  sha256: "a".repeat(64),
  diff,
});

describe("toPreview", () => {
  it("counts every change but lists the first files only", () => {
    const changes = Array.from({ length: PREVIEW_FILES + 50 }, (_, i) => change(i, i % 3 === 0 ? "added" : i % 3 === 1 ? "changed" : "removed"));
    const p = toPreview(result(changes));
    expect(p.total).toBe(PREVIEW_FILES + 50);
    expect(p.counts.added + p.counts.changed + p.counts.removed).toBe(PREVIEW_FILES + 50);
    expect(p.files).toHaveLength(PREVIEW_FILES);
    expect(p.files[0]).toEqual({
      path: "ipxe/00000.ipxe",
      change: "added",
      kind: "ipxe",
      sha256: "a".repeat(64),
      diff: "+line 0\n",
      host: null,
      wholeDiff: false,
      wholeDiffSize: null,
    });
    expect(p.unchanged).toBe(7);
  });

  it("drops diffs past the size budget, keeping the files", () => {
    const big = "+".repeat(900 * 1024);
    const p = toPreview(result([change(1, "changed", big), change(2, "changed", big), change(3, "changed", big), change(4, "changed", "+small\n")]));
    expect(p.files.map((f) => f.diff === null)).toEqual([false, false, true, false]);
  });

  it("keeps a missing diff as null and caps the skipped hosts", () => {
    const skipped = Array.from({ length: 30 }, (_, i) => ({ host: `h${i}`, reason: "release r has no active version" }));
    const p = toPreview(result([change(1, "removed", null)], { skipped }));
    expect(p.files[0]!.diff).toBeNull();
    expect(p.skipped).toHaveLength(20);
    expect(p.skippedTotal).toBe(30);
  });
});
