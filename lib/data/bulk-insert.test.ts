import { describe, expect, it } from "vitest";
import { jsonChunks, newId, timeOrderedId } from "./bulk-insert";

describe("jsonChunks", () => {
  it("cuts by rows, and by the text the rows carry (diff previews of up to 64 KiB a row)", () => {
    const rows = Array.from({ length: 12 }, (_, i) => ({ id: `r${i}`, n: i }));
    expect(jsonChunks(rows, 5).map((c) => c.length)).toEqual([5, 5, 2]);
    const big = Array.from({ length: 10 }, (_, i) => ({ id: `r${i}`, diff: "x".repeat(1000) }));
    // ~1,002 characters a row: 3 rows fit in 3,100, a fourth does not
    expect(jsonChunks(big, 5000, 3100).map((c) => c.length)).toEqual([3, 3, 3, 1]);
    expect(jsonChunks(big, 5000, 3100).flat()).toEqual(big);
    // a row larger than the limit still goes, alone
    expect(jsonChunks([{ diff: "y".repeat(10) }, { diff: "z" }], 5000, 5).map((c) => c.length)).toEqual([1, 1]);
    expect(jsonChunks([])).toEqual([]);
  });
});

describe("ids", () => {
  it("newId: the prefix and 24 hex digits, never the same twice (across refills of its random pool)", () => {
    const ids = Array.from({ length: 5000 }, () => newId("f"));
    for (const id of ids) expect(id).toMatch(/^f[0-9a-f]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // random: no digit position is constant over many ids
    for (let i = 1; i <= 24; i++) expect(new Set(ids.map((id) => id[i])).size).toBeGreaterThan(8);
  });

  it("timeOrderedId: newId's form, never the same twice", () => {
    const ids = Array.from({ length: 2000 }, () => timeOrderedId("f"));
    for (const id of ids) expect(id).toMatch(/^f[0-9a-f]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
