import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { buildOverlay, forgetSegments, segment, segmentKey, type CpioEntry, type SegmentStore } from "@/lib/generate/initrd/cpio";
import { diskSegments, segmentCacheDir } from "./segment-cache";

// The compressed busybox kept on disk for the next process (segment-cache.ts): the overlay's bytes
// are the same with it, without it, and whatever happened to the file in between.

const root = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-segments-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

// 300 KB of noise: a "large" chunk (deflated on its own, kept by the store)
const big = Buffer.alloc(300_000);
for (let i = 0, x = 7; i < big.length; i++) big[i] = (x = (x * 1103515245 + 12345) % 2 ** 31) >> 23;
const entries: CpioEntry[] = [
  { type: "file", path: "init", mode: 0o755, data: "#!/bin/sh\n" },
  { type: "file", path: "afsboot/bin/busybox", mode: 0o755, data: big },
];
const plain = (() => {
  forgetSegments();
  return buildOverlay(entries);
})();

let dir: string;
let n = 0;
beforeEach(() => {
  forgetSegments(); // each test starts as a new process would: nothing in memory
  dir = path.join(root, `d${n++}`, "cache", "segments");
});

/** The store, counting what it found and what it was given. */
function counted(store: SegmentStore) {
  const c = { hits: 0, misses: 0, sets: 0 };
  const s: SegmentStore = {
    get: (k) => {
      const seg = store.get(k);
      if (seg) c.hits++;
      else c.misses++;
      return seg;
    },
    set: (k, seg) => {
      c.sets++;
      store.set(k, seg);
    },
  };
  return { store: s, c };
}

const file = () => path.join(dir, `${segmentKey(big)}.seg`);

describe("diskSegments", () => {
  it("keeps a segment in a file only its owner may read, and the next process uses it: same bytes", () => {
    const first = counted(diskSegments(dir));
    expect(buildOverlay(entries, { segments: first.store }).bytes.equals(plain.bytes)).toBe(true);
    expect(first.c).toEqual({ hits: 0, misses: 1, sets: 1 });
    expect(fs.statSync(file()).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.readdirSync(dir)).toEqual([path.basename(file())]); // no temporary file left

    forgetSegments();
    const second = counted(diskSegments(dir));
    const again = buildOverlay(entries, { segments: second.store });
    expect(second.c).toEqual({ hits: 1, misses: 0, sets: 0 });
    expect(again.bytes.equals(plain.bytes)).toBe(true);
    expect(again.sha256).toBe(plain.sha256);
    expect(zlib.gunzipSync(again.bytes).includes(big)).toBe(true);
  });

  it("a corrupted, truncated or foreign file reads as absent: compressed again, the same bytes, the file mended", () => {
    buildOverlay(entries, { segments: diskSegments(dir) });
    const good = fs.readFileSync(file());
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1000]! ^= 0x20; // one bit in the segment's bytes
    const cases: [string, () => void][] = [
      ["a flipped bit", () => fs.writeFileSync(file(), flipped)],
      ["cut short", () => fs.writeFileSync(file(), good.subarray(0, good.length - 1))],
      ["only a header", () => fs.writeFileSync(file(), good.subarray(0, 120))],
      ["empty", () => fs.writeFileSync(file(), "")],
      [
        "another key's header",
        () => fs.writeFileSync(file(), Buffer.concat([Buffer.from(good.toString("latin1").replace(segmentKey(big), "0".repeat(64)), "latin1")])),
      ],
      ["readable by others", () => fs.chmodSync(file(), 0o644)],
    ];
    for (const [what, spoil] of cases) {
      spoil();
      forgetSegments();
      const s = counted(diskSegments(dir));
      const built = buildOverlay(entries, { segments: s.store });
      expect(s.c, what).toEqual({ hits: 0, misses: 1, sets: 1 });
      expect(built.bytes.equals(plain.bytes), what).toBe(true);
      expect(fs.readFileSync(file()).equals(good), what).toBe(true);
      expect(fs.statSync(file()).mode & 0o777, what).toBe(0o600);
    }
  });

  it("a segment that does not match its checksum is never used, even with a valid header length", () => {
    // the bytes of another input under this key, with the header of the right segment: refused
    const store = diskSegments(dir);
    const key = segmentKey(big);
    store.set(key, segment(big));
    const bytes = fs.readFileSync(file());
    const other = segment(Buffer.alloc(big.length, 1)).subarray(0, segment(big).length);
    const headerLength = bytes.length - segment(big).length;
    fs.writeFileSync(file(), Buffer.concat([bytes.subarray(0, headerLength), Buffer.concat([other, Buffer.alloc(segment(big).length - other.length)])]), {
      mode: 0o600,
    });
    expect(store.get(key)).toBeNull();
    expect(store.get(crypto.randomBytes(32).toString("hex"))).toBeNull(); // none at all
  });

  it("a directory it cannot use costs the compression, never the overlay", () => {
    const blocked = path.join(root, "blocked");
    fs.writeFileSync(blocked, "a file where the directory would be");
    const s = counted(diskSegments(path.join(blocked, "segments")));
    expect(buildOverlay(entries, { segments: s.store }).bytes.equals(plain.bytes)).toBe(true);
    // a directory others may write is not filled
    const open = path.join(root, "open");
    fs.mkdirSync(open, { mode: 0o777 });
    fs.chmodSync(open, 0o777);
    forgetSegments();
    expect(buildOverlay(entries, { segments: diskSegments(open) }).bytes.equals(plain.bytes)).toBe(true);
    expect(fs.readdirSync(open)).toEqual([]);
  });

  it("lives under the data directory", () => {
    expect(segmentCacheDir("/srv/afsboot/data")).toBe("/srv/afsboot/data/cache/segments");
  });
});
