import { afterAll, describe, expect, it } from "vitest";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SourceChangedError, commitStaged, discardStaged, slabEncoder, stageStream } from "./atomic";

// one folder for each test, in one removed at the end
const root = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-stream-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("files staged as they are made (a worker thread writes them)", () => {
  it("are written aside as stageFiles writes them, in place only once committed", async () => {
    const dir = fs.mkdtempSync(path.join(root, "committed-"));
    fs.writeFileSync(path.join(dir, "top"), "old top");
    // more than one batch, a large file, an empty one, a directory that exists and one that does not
    const files = [
      ...Array.from({ length: 600 }, (_, i) => ({ rel: `new/sub/${i}`, bytes: Buffer.from(`file ${i}\n`) })),
      { rel: "new/big", bytes: Buffer.alloc(3 << 20, 7) },
      { rel: "new/empty", bytes: Buffer.alloc(0) },
      { rel: "top", bytes: Buffer.from("new top") },
    ];
    const stream = stageStream(dir, { flush: "fsync" });
    for (const f of files) stream.add(f.rel, f.bytes);
    expect(stream.has("new/big")).toBe(true);
    expect(() => stream.add("top", Buffer.from("again"))).toThrow(/twice/);
    const staged = await stream.finish();
    expect(fs.existsSync(path.join(dir, "new"))).toBe(false);
    expect(fs.readFileSync(path.join(dir, "top"), "utf8")).toBe("old top");
    expect(staged.renames).toHaveLength(2);
    await commitStaged(staged);
    for (const f of files) expect(fs.readFileSync(path.join(dir, f.rel)).equals(f.bytes)).toBe(true);
    expect(fs.readdirSync(dir).sort()).toEqual(["new", "top"]);
  });

  it("leaves nothing when discarded, before or after finishing, or when a write fails", async () => {
    const dir = fs.mkdtempSync(path.join(root, "discarded-"));
    const early = stageStream(dir, { flush: "fsync" });
    for (let i = 0; i < 500; i++) early.add(`a/${i}`, Buffer.from(`${i}`));
    await early.discard();
    const late = stageStream(dir, { flush: "fsync" });
    late.add("b/x", Buffer.from("x"));
    discardStaged(await late.finish());
    expect(fs.readdirSync(dir)).toEqual([]);
    // a file where the temporary directory's entry goes: the write fails, finish says so and cleans up
    const failing = stageStream(dir, { flush: "fsync" });
    failing.add("c/x", Buffer.from("x"));
    const tmp = fs.readdirSync(dir).find((n) => n.startsWith(".c.tmp-"))!;
    fs.mkdirSync(path.join(dir, tmp, "y"));
    failing.add("c/y", Buffer.from("y"));
    await expect(failing.finish()).rejects.toThrow(/EISDIR|EEXIST/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe("texts encoded into slabs (slabEncoder)", () => {
  const texts = ["", "plain ascii\n", "héllo wörld ✓ 𝄞", "x".repeat(70_000), "é".repeat(100_000), "ü".repeat(300_000), "tail"];

  it("gives each text its UTF-8 bytes, unchanged by the texts encoded after it, shared or not", () => {
    for (const shared of [false, true]) {
      const encode = slabEncoder(shared);
      // enough small texts to fill several slabs, the large ones (a buffer of their own) among them
      const all = Array.from({ length: 3000 }, (_, i) =>
        i % 500 === 7 ? texts[i % texts.length]! : `#!ipxe ${i} ${"é".repeat(i % 3)}\n`.repeat(1 + (i % 40)),
      );
      const views = [...texts, ...all].map((t) => encode(t));
      [...texts, ...all].forEach((t, i) => expect(views[i]!.equals(Buffer.from(t))).toBe(true));
      for (const v of views) expect(v.buffer instanceof SharedArrayBuffer).toBe(shared);
      // few allocations: most views share a slab
      expect(new Set(views.map((v) => v.buffer)).size).toBeLessThan(views.length / 50);
    }
  });
});

describe("a stream of encoded and other bytes", () => {
  it("writes both exactly, across write-behind flushes, and a shared slab once handed over stays readable", async () => {
    const dir = fs.mkdtempSync(path.join(root, "mixed-"));
    const stream = stageStream(dir, { flush: "syncfs" });
    const expected = new Map<string, Buffer>();
    // more files than a write-behind flush is started for (every 4,096), encoded and copied bytes mixed
    for (let i = 0; i < 9000; i++) {
      const rel = `h/${i % 3}/${i}`;
      const text = `host ${i} ${"ü".repeat(i % 5)}\n`;
      const bytes = i % 4 === 0 ? Buffer.from(text) : stream.encode(text);
      stream.add(rel, bytes);
      expected.set(rel, Buffer.from(text));
    }
    const big = Buffer.alloc(1 << 20, 9);
    stream.add("big", big);
    expected.set("big", big);
    const staged = await stream.finish();
    // each file's sha256, hashed by the worker as it wrote it
    expect(staged.digests?.size).toBe(expected.size);
    for (const [rel, bytes] of expected) expect(staged.digests?.get(rel), rel).toBe(crypto.createHash("sha256").update(bytes).digest("hex"));
    await commitStaged(staged);
    for (const [rel, bytes] of expected) expect(fs.readFileSync(path.join(dir, rel)).equals(bytes), rel).toBe(true);
    expect(fs.readdirSync(dir).sort()).toEqual(["big", "h"]);
  });
});

describe("the stream's flushes (made by the worker)", () => {
  it("flushes when told it has no more files, and again for files added after that", async () => {
    const dir = fs.mkdtempSync(path.join(root, "flush-soon-"));
    const stream = stageStream(dir, { flush: "syncfs" });
    for (let i = 0; i < 300; i++) stream.add(`a/${i}`, stream.encode(`early ${i}\n`));
    stream.flushSoon();
    // what a publication finds to write after generating (an image, say), after the worker's flush began
    stream.add("late", Buffer.from("late\n"));
    const before = performance.timeOrigin + performance.now();
    const staged = await stream.finish();
    // durable when a flush that began after the last file ended: after it was added, before finish answered
    expect(staged.durableAt).toBeGreaterThan(before - 1);
    expect(staged.durableAt).toBeLessThanOrEqual(performance.timeOrigin + performance.now());
    await commitStaged(staged);
    expect(fs.readFileSync(path.join(dir, "late"), "utf8")).toBe("late\n");
    expect(fs.readdirSync(path.join(dir, "a"))).toHaveLength(300);
  });

  it("still makes the files durable, an fsync each, when the worker cannot run `sync -f`", async () => {
    const dir = fs.mkdtempSync(path.join(root, "no-sync-"));
    const saved = process.env.PATH;
    // (the worker takes the environment as it is when the stream is made)
    process.env.PATH = path.join(root, "no-such-bin");
    let stream;
    try {
      stream = stageStream(dir, { flush: "syncfs" });
    } finally {
      process.env.PATH = saved;
    }
    for (let i = 0; i < 5000; i++) stream.add(`b/${i}`, stream.encode(`${i}\n`));
    stream.flushSoon();
    await commitStaged(await stream.finish());
    expect(fs.readdirSync(path.join(dir, "b"))).toHaveLength(5000);
    expect(fs.readFileSync(path.join(dir, "b/4999"), "utf8")).toBe("4999\n");
  });
});

describe("files copied from their source by the worker (addCopy)", () => {
  it("copies a source that is the file its sha256 names, in order with the other files", async () => {
    const dir = fs.mkdtempSync(path.join(root, "copy-"));
    const source = path.join(root, "kernel-src");
    fs.writeFileSync(source, Buffer.alloc(3 << 20, 5));
    const sha = crypto.createHash("sha256").update(fs.readFileSync(source)).digest("hex");
    const stream = stageStream(dir, { flush: "fsync" });
    stream.add("a", Buffer.from("before\n"));
    stream.addCopy("images/k", source, sha);
    stream.add("b", stream.encode("after\n"));
    expect(() => stream.addCopy("images/k", source, sha)).toThrow(/twice/);
    const staged = await stream.finish();
    expect([...staged.digests!.keys()]).toEqual(["a", "images/k", "b"]);
    expect(staged.digests!.get("images/k")).toBe(sha);
    await commitStaged(staged);
    expect(fs.readFileSync(path.join(dir, "images/k")).equals(fs.readFileSync(source))).toBe(true);
  });

  it("fails with SourceChangedError, leaving nothing, when the source is no longer that file", async () => {
    const dir = fs.mkdtempSync(path.join(root, "copy-changed-"));
    const source = path.join(root, "initrd-src");
    fs.writeFileSync(source, "the initrd as hashed");
    const sha = crypto.createHash("sha256").update("the initrd as hashed").digest("hex");
    fs.writeFileSync(source, "the initrd, rebuilt");
    const stream = stageStream(dir, { flush: "fsync" });
    for (let i = 0; i < 300; i++) stream.add(`h/${i}`, stream.encode(`${i}\n`));
    stream.addCopy("images/i", source, sha);
    await expect(stream.finish()).rejects.toThrow(SourceChangedError);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
