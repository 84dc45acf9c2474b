import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";

// The images' digests kept on disk (file-cache.ts): a fresh process (a fresh module here) takes a
// kept digest only while the file is the one it was taken of.

const root = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-digests-"));
const saved = process.env.AFSBOOT_DATA_DIR;
afterEach(() => {
  process.env.AFSBOOT_DATA_DIR = saved;
  vi.useRealTimers();
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** file-cache as a process that has hashed nothing yet sees it */
async function fresh() {
  vi.resetModules();
  return import("./file-cache");
}
const sha = (b: Buffer | string) => crypto.createHash("sha256").update(b).digest("hex");
const hourAgo = () => new Date(Date.now() - 3_600_000);
/** The files written so far as an hour old to the cache (their ctime, which utimes sets to now, too): the clock an hour on. */
const anHourLater = () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.now() + 3_600_000);
};

describe("digests of images kept on disk", () => {
  it("are taken by the next process while the file is unchanged, and not once it changed", async () => {
    process.env.AFSBOOT_DATA_DIR = fs.mkdtempSync(path.join(root, "data-"));
    const image = path.join(root, "vmlinuz-a");
    fs.writeFileSync(image, "kernel one");
    fs.utimesSync(image, hourAgo(), hourAgo());
    anHourLater();
    const first = await fresh();
    expect(first.sha256Cached(image)).toEqual({ sha256: sha("kernel one"), size: 10 });
    const dir = first.digestCacheDir();
    const [entry] = fs.readdirSync(dir);
    expect(fs.statSync(path.join(dir, entry!)).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    // the next process reads the entry, not the file: an entry altered by hand shows it
    const faked = fs.readFileSync(path.join(dir, entry!), "utf8").replace(sha("kernel one"), "f".repeat(64));
    fs.writeFileSync(path.join(dir, entry!), faked);
    expect((await fresh()).sha256Cached(image).sha256).toBe("f".repeat(64));
    // same size, same old mtime, other bytes: its ctime (and inode, for a replaced file) differ
    vi.useRealTimers();
    fs.writeFileSync(image, "kernel two");
    fs.utimesSync(image, hourAgo(), hourAgo());
    expect((await fresh()).sha256Cached(image).sha256).toBe(sha("kernel two"));
    const replaced = path.join(root, "vmlinuz-a.new");
    fs.writeFileSync(replaced, "kernel 333");
    fs.utimesSync(replaced, hourAgo(), hourAgo());
    fs.renameSync(replaced, image);
    expect((await fresh()).sha256Cached(image).sha256).toBe(sha("kernel 333"));
    // a digest found wrong (a publication's copy did not match it) is forgotten, on disk too
    anHourLater();
    const m = await fresh();
    m.sha256Cached(image);
    expect(fs.readdirSync(dir)).toHaveLength(1);
    m.forgetDigest(image);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("are not kept for a file changed just now, its mtime set back or not (a change within the same clock tick would not show)", async () => {
    process.env.AFSBOOT_DATA_DIR = fs.mkdtempSync(path.join(root, "data-"));
    const image = path.join(root, "initrd-b");
    fs.writeFileSync(image, "fresh");
    fs.utimesSync(image, hourAgo(), hourAgo()); // (as cp -p leaves it: its ctime says now)
    const m = await fresh();
    expect(m.sha256Cached(image).sha256).toBe(sha("fresh"));
    expect(fs.existsSync(m.digestCacheDir()) ? fs.readdirSync(m.digestCacheDir()) : []).toEqual([]);
  });

  it("ignores an entry others could have written, and works without a writable cache", async () => {
    process.env.AFSBOOT_DATA_DIR = fs.mkdtempSync(path.join(root, "data-"));
    const image = path.join(root, "initrd-c");
    fs.writeFileSync(image, "bytes of c");
    anHourLater();
    const m = await fresh();
    m.sha256Cached(image);
    const dir = m.digestCacheDir();
    const entry = path.join(dir, fs.readdirSync(dir)[0]!);
    fs.writeFileSync(entry, fs.readFileSync(entry, "utf8").replace(sha("bytes of c"), "e".repeat(64)));
    fs.chmodSync(entry, 0o666);
    expect((await fresh()).sha256Cached(image).sha256).toBe(sha("bytes of c"));
    // a data directory where the cache cannot be made: the digest all the same
    const blocked = fs.mkdtempSync(path.join(root, "data-"));
    fs.writeFileSync(path.join(blocked, "cache"), "in the way");
    process.env.AFSBOOT_DATA_DIR = blocked;
    expect((await fresh()).sha256Cached(image).sha256).toBe(sha("bytes of c"));
  });
});
