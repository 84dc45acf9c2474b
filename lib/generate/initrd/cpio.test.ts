import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { buildOverlay, gzipDeterministic, writeCpio, type CpioEntry } from "./cpio";

interface Rec {
  name: string;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  data: Buffer;
  offset: number;
}

/** An independent newc reader: checks magic, alignment and that nothing trails the trailer. */
function parse(buf: Buffer): Rec[] {
  const out: Rec[] = [];
  let off = 0;
  const align = (n: number) => (n + 3) & ~3;
  for (;;) {
    expect(off % 4).toBe(0);
    expect(buf.toString("ascii", off, off + 6)).toBe("070701");
    const f = (i: number) => parseInt(buf.toString("ascii", off + 6 + i * 8, off + 14 + i * 8), 16);
    const namesize = f(11);
    const size = f(6);
    const name = buf.toString("utf8", off + 110, off + 110 + namesize - 1);
    expect(buf[off + 110 + namesize - 1]).toBe(0);
    const dataAt = align(off + 110 + namesize);
    out.push({ name, ino: f(0), mode: f(1), uid: f(2), gid: f(3), nlink: f(4), mtime: f(5), data: buf.subarray(dataAt, dataAt + size), offset: off });
    off = align(dataAt + size);
    if (name === "TRAILER!!!") break;
  }
  expect(off).toBe(buf.length);
  return out;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-cpio-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const SAMPLE: CpioEntry[] = [
  { type: "file", path: "/b/c/file.txt", mode: 0o644, data: "hello\n" },
  { type: "symlink", path: "b/link", target: "c/file.txt" },
  { type: "file", path: "init", mode: 0o755, data: Buffer.from([1, 2, 3]) },
  { type: "dir", path: "b/c/d", mode: 0o700 },
  { type: "file", path: "a-b", mode: 0o600, data: "" },
];

describe("writeCpio", () => {
  const recs = parse(writeCpio(SAMPLE));

  it("sorts, creates parents, numbers inodes by position and ends with the trailer", () => {
    expect(recs.map((r) => r.name)).toEqual(["a-b", "b", "b/c", "b/c/d", "b/c/file.txt", "b/link", "init", "TRAILER!!!"]);
    expect(recs.map((r) => r.ino)).toEqual([1, 2, 3, 4, 5, 6, 7, 0]);
  });

  it("writes fixed owners and times, modes by type and nlink as on disk", () => {
    for (const r of recs) expect([r.uid, r.gid, r.mtime]).toEqual([0, 0, 0]);
    const by = Object.fromEntries(recs.map((r) => [r.name, r]));
    expect(by["b"]!.mode).toBe(0o040755); // implied parent
    expect(by["b/c/d"]!.mode).toBe(0o040700); // explicit mode kept
    expect(by["b/c/file.txt"]!.mode).toBe(0o100644);
    expect(by["b/link"]!.mode).toBe(0o120777);
    expect(by["b/link"]!.data.toString()).toBe("c/file.txt");
    expect(by["init"]!.data).toEqual(Buffer.from([1, 2, 3]));
    expect([by["b"]!.nlink, by["b/c"]!.nlink, by["b/c/d"]!.nlink, by["init"]!.nlink]).toEqual([3, 3, 2, 1]);
    expect(by["TRAILER!!!"]!.nlink).toBe(1);
  });

  it("does not depend on the order of the input", () => {
    expect(writeCpio([...SAMPLE].reverse())).toEqual(writeCpio(SAMPLE));
  });

  it("rejects duplicates, '..', and a file used as a directory", () => {
    expect(() => writeCpio([...SAMPLE, { type: "file", path: "init", mode: 0o644, data: "" }])).toThrow(/twice/);
    expect(() =>
      writeCpio([
        { type: "dir", path: "x" },
        { type: "dir", path: "/x/" },
      ]),
    ).toThrow(/twice/);
    expect(() => writeCpio([{ type: "file", path: "a/../b", mode: 0o644, data: "" }])).toThrow(/\.\./);
    expect(() =>
      writeCpio([
        { type: "file", path: "init/x", mode: 0o644, data: "" },
        { type: "file", path: "init", mode: 0o755, data: "" },
      ]),
    ).toThrow(/parent/);
    expect(() => writeCpio([{ type: "file", path: "/", mode: 0o644, data: "" }])).toThrow(/empty/);
  });

  it("is read back by GNU cpio with the same names, modes and contents", () => {
    const file = path.join(tmp, "sample.cpio");
    fs.writeFileSync(file, writeCpio(SAMPLE));
    const listing = execFileSync("cpio", ["-itv", "--quiet", "-F", file], { encoding: "utf8" });
    expect(listing).toMatch(/^-rwxr-xr-x\s+1 root\s+root\s+3 Jan\s+1\s+1970 init$/m);
    expect(listing).toMatch(/^lrwxrwxrwx .* b\/link -> c\/file\.txt$/m);
    const dir = path.join(tmp, "x");
    fs.mkdirSync(dir);
    execFileSync("cpio", ["-idm", "--quiet", "--no-absolute-filenames", "-F", file], { cwd: dir });
    expect(fs.readFileSync(path.join(dir, "b/c/file.txt"), "utf8")).toBe("hello\n");
    expect(fs.readlinkSync(path.join(dir, "b/link"))).toBe("c/file.txt");
    expect(fs.statSync(path.join(dir, "b/c/d")).mode & 0o777).toBe(0o700);
  });
});

describe("gzipDeterministic", () => {
  it("writes a fixed header (mtime 0, no name, OS 3) and round-trips", () => {
    const data = Buffer.from("some cpio bytes ".repeat(100));
    const gz = gzipDeterministic(data);
    expect([...gz.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]); // magic, deflate, no FNAME/FEXTRA
    expect(gz.readUInt32LE(4)).toBe(0);
    expect([gz[8], gz[9]]).toEqual([2, 3]);
    expect(zlib.gunzipSync(gz)).toEqual(data);
    expect(gzipDeterministic(data)).toEqual(gz);
  });

  it("stitches separately deflated large chunks into one stream that every gunzip reads", () => {
    const big = Buffer.alloc(300_000);
    for (let i = 0, x = 1; i < big.length; i++) big[i] = (x = (x * 1103515245 + 12345) % 2 ** 31) >> 23; // LCG noise
    const parts = [Buffer.from("head"), big, Buffer.from("middle"), big, Buffer.from("tail")];
    const gz = gzipDeterministic(parts);
    const whole = Buffer.concat(parts);
    expect(zlib.gunzipSync(gz).equals(whole)).toBe(true); // (toEqual on big buffers is slow)
    const file = path.join(tmp, "parts.gz");
    fs.writeFileSync(file, gz);
    expect(execFileSync("gzip", ["-dc", file]).equals(whole)).toBe(true);
    expect(execFileSync("/bin/busybox", ["zcat", file]).equals(whole)).toBe(true);
    execFileSync("gzip", ["-t", file]);
    expect(gzipDeterministic(parts).equals(gz)).toBe(true); // the memo of the large chunk changes nothing
  });

  it("buildOverlay hashes the compressed bytes", () => {
    const a = buildOverlay(SAMPLE);
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(buildOverlay(SAMPLE)).toEqual(a);
    expect(buildOverlay(SAMPLE.slice(1)).sha256).not.toBe(a.sha256);
  });
});
