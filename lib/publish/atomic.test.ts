import { afterAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { commitStaged, discardStaged, removeFile, removeStaleTemps, safeJoin, stageFiles, writeFileAtomic, writeFilesAtomic } from "./atomic";

const made: string[] = [];
const tmpDir = (prefix: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
};
afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe("atomic writes", () => {
  it("refuses paths outside the export directory", () => {
    const bad = ["/etc/passwd", "../x", "a/../../x", "a//b", "./a", "a/.", "a/..", "a/", "..", ".", "", "/"];
    for (const rel of bad) expect(() => safeJoin("/srv/x", rel)).toThrow(/outside/);
    expect(safeJoin("/srv/x", "dhcp/a.conf")).toBe("/srv/x/dhcp/a.conf");
    expect(safeJoin("/srv/x", "a/.b/..c/c..")).toBe("/srv/x/a/.b/..c/c..");
  });

  it("stages files under the export directory however it is spelled (trailing slash, relative), and refuses the same paths", async () => {
    const dir = tmpDir("afsboot-spelled-");
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      for (const [i, root] of [`${dir}/one/`, "two", "./three/", `${dir}//four`].entries()) {
        const files = [
          { rel: "top", bytes: Buffer.from(`top ${i}`) },
          { rel: "a/.b/c", bytes: Buffer.from(`c ${i}`) },
        ];
        fs.mkdirSync(root, { recursive: true });
        const staged = await stageFiles(root, files, { flush: "fsync" });
        for (const r of staged.renames) expect(path.normalize(r.tmp)).toBe(r.tmp);
        await commitStaged(staged);
        for (const f of files) expect(fs.readFileSync(path.join(root, f.rel), "utf8")).toBe(f.bytes.toString());
        for (const rel of ["../x", "a//b", "a/./b"])
          await expect(stageFiles(root, [{ rel, bytes: Buffer.from("x") }], { flush: "fsync" })).rejects.toThrow(/outside/);
      }
      expect(fs.readdirSync(dir).sort()).toEqual(["four", "one", "three", "two"]);
      expect(fs.existsSync(path.join(dir, "x"))).toBe(false);
      // an empty root is the current directory (as path.join has it), never "/"
      await commitStaged(await stageFiles("", [{ rel: "five/x", bytes: Buffer.from("five") }], { flush: "fsync" }));
      expect(fs.readFileSync(path.join(dir, "five/x"), "utf8")).toBe("five");
      expect(fs.existsSync("/five")).toBe(false);
    } finally {
      process.chdir(cwd);
    }
  });

  it("replaces and removes files, leaving no temporary files", () => {
    const dir = tmpDir("afsboot-atomic-");
    writeFileAtomic(dir, "a/b.txt", Buffer.from("one"));
    writeFileAtomic(dir, "a/b.txt", Buffer.from("two"));
    expect(fs.readFileSync(path.join(dir, "a/b.txt"), "utf8")).toBe("two");
    expect(fs.readdirSync(path.join(dir, "a"))).toEqual(["b.txt"]);
    removeFile(dir, "a/b.txt");
    expect(fs.existsSync(path.join(dir, "a/b.txt"))).toBe(false);
  });

  it("a publisher killed mid-way leaves every file whole: old bytes or new bytes, never a mix", async () => {
    const dir = tmpDir("afsboot-crash-");
    const N = 300;
    const size = 256 * 1024;
    const old = Buffer.alloc(size, "o");
    for (let i = 0; i < N; i++) writeFileAtomic(dir, `f/${i}`, old);
    // a child process rewrites all files with new bytes, over and over, until it is killed; it says
    // when it has replaced the first tenth (however long that took), and is killed right then,
    // while it goes on writing
    const script = path.join(dir, "writer.mts");
    fs.writeFileSync(
      script,
      `import { writeFileAtomic } from ${JSON.stringify(path.resolve("lib/publish/atomic.ts"))};\n` +
        `const bytes = Buffer.alloc(${size}, "n");\n` +
        `for (let pass = 0; ; pass++) for (let i = 0; i < ${N}; i++) {\n` +
        `  writeFileAtomic(${JSON.stringify(dir)}, "f/" + i, bytes);\n` +
        `  if (pass === 0 && i === ${N / 10 - 1}) process.send?.("started");\n` +
        `}\n`,
    );
    const child = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    await new Promise<void>((resolve) => child.once("message", () => resolve()));
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const seen = { old: 0, new: 0 };
    for (let i = 0; i < N; i++) {
      const b = fs.readFileSync(path.join(dir, `f/${i}`));
      expect(b.length).toBe(size);
      const first = b[0];
      expect(b.every((x) => x === first)).toBe(true);
      seen[first === "o".charCodeAt(0) ? "old" : "new"]++;
    }
    expect(seen.old + seen.new).toBe(N);
    expect(seen.new).toBeGreaterThanOrEqual(N / 10); // what the writer had replaced when it said so
  }, 60_000);

  // the batch writer as publish uses it: files fsynced in parallel (a wave on a busy machine), or one syncfs
  for (const [label, batch, flush] of [
    ["a batch fsynced file by file in parallel", 50, "fsync"],
    ["a batch flushed by one syncfs", 300, "syncfs"],
  ] as const) {
    it(`a publisher killed while writing ${label} leaves every file whole: old bytes or new bytes`, async () => {
      const dir = tmpDir("afsboot-crash-batch-");
      const N = batch;
      const size = 16 * 1024;
      await writeFilesAtomic(
        dir,
        Array.from({ length: N }, (_, i) => ({ rel: `f/${i}`, bytes: Buffer.alloc(size, "o") })),
      );
      const script = path.join(dir, "writer.mts");
      fs.writeFileSync(
        script,
        `import { writeFilesAtomic } from ${JSON.stringify(path.resolve("lib/publish/atomic.ts"))};\n` +
          `const files = Array.from({ length: ${N} }, (_, i) => ({ rel: "f/" + i, bytes: Buffer.alloc(${size}, "n") }));\n` +
          `for (let pass = 0; ; pass++) {\n` +
          `  await writeFilesAtomic(${JSON.stringify(dir)}, files, { flush: ${JSON.stringify(flush)} });\n` +
          `  if (pass === 0) process.send?.("started");\n` +
          `}\n`,
      );
      const child = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
      await new Promise<void>((resolve) => child.once("message", () => resolve()));
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      for (let i = 0; i < N; i++) {
        const b = fs.readFileSync(path.join(dir, `f/${i}`));
        expect(b.length).toBe(size);
        expect(b.every((x) => x === b[0])).toBe(true);
        expect(b[0]).toBe("n".charCodeAt(0)); // the first pass had replaced them all
      }
    }, 60_000);
  }
});

describe("temporary files a killed publisher left", () => {
  it("are removed from folders changed since the last clean-up, and from those changed just before it (the kernel's coarse clock)", () => {
    const dir = tmpDir("afsboot-stale-");
    fs.mkdirSync(path.join(dir, "pxelinux.cfg"));
    fs.mkdirSync(path.join(dir, "old"));
    const fresh = path.join(dir, "pxelinux.cfg", ".01-52-54-00-00-00-01.tmp-99999-0123abcd");
    const old = path.join(dir, "old", ".a.tmp-99999-0123abcd");
    fs.writeFileSync(fresh, "half");
    fs.writeFileSync(old, "half");
    fs.writeFileSync(path.join(dir, "pxelinux.cfg", "keep"), "a published file");
    const since = Date.now();
    // the folder's mtime a tick before the end of the last clean-up, as the kernel may stamp it
    fs.utimesSync(path.join(dir, "pxelinux.cfg"), new Date(since - 5), new Date(since - 5));
    // a folder untouched for a minute is not read
    fs.utimesSync(path.join(dir, "old"), new Date(since - 60_000), new Date(since - 60_000));
    expect(removeStaleTemps(dir, 4, since)).toBe(1);
    expect(fs.existsSync(fresh)).toBe(false);
    expect(fs.existsSync(old)).toBe(true);
    expect(fs.existsSync(path.join(dir, "pxelinux.cfg", "keep"))).toBe(true);
    // without a last clean-up every folder is read
    expect(removeStaleTemps(dir)).toBe(1);
    expect(fs.existsSync(old)).toBe(false);
  });
});

describe("directories that do not exist yet", () => {
  it("are written whole aside and put in place with one rename; a temporary directory left behind is removed like a temporary file", async () => {
    const dir = tmpDir("afsboot-newdir-");
    const files = Array.from({ length: 40 }, (_, i) => ({ rel: `new/sub/${i}`, bytes: Buffer.from(`file ${i}`) }));
    const staged = await stageFiles(dir, [...files, { rel: "top", bytes: Buffer.from("top") }], { flush: "fsync" });
    // nothing is in place yet: one temporary directory for new/, one temporary file for top
    expect(fs.existsSync(path.join(dir, "new"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "top"))).toBe(false);
    expect(staged.renames).toHaveLength(2);
    await commitStaged(staged);
    for (const f of files) expect(fs.readFileSync(path.join(dir, f.rel), "utf8")).toBe(f.bytes.toString());
    expect(fs.readdirSync(dir).sort()).toEqual(["new", "top"]);
    // a publisher killed before the renames: its temporary directory is gone after the clean-up
    await stageFiles(dir, [{ rel: "other/a", bytes: Buffer.from("a") }], { flush: "fsync" });
    expect(fs.readdirSync(dir).filter((n) => n.startsWith(".other.tmp-"))).toHaveLength(1);
    expect(removeStaleTemps(dir)).toBe(1);
    expect(fs.readdirSync(dir).sort()).toEqual(["new", "top"]);
    // and one refused (a validator): discarded, nothing in place
    discardStaged(
      await stageFiles(
        dir,
        [
          { rel: "third/b", bytes: Buffer.from("b") },
          { rel: "top", bytes: Buffer.from("new top") },
        ],
        { flush: "fsync" },
      ),
    );
    expect(fs.readdirSync(dir).sort()).toEqual(["new", "top"]);
    expect(fs.readFileSync(path.join(dir, "top"), "utf8")).toBe("top");
  });
});
