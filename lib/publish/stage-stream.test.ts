import { afterAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { commitStaged, discardStaged, stageStream } from "./atomic";

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
