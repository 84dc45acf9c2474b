// scripts/lab/afs-dump.mjs against OpenAFS's own dump reader: restorevol (openafs-client) turns
// the generated dump back into a unix tree, which must match the source tree. restorevol is lax
// about directory internals, so the dump is also read here, independently, and every directory
// goes through the checks of the salvager's DirOK (src/dir/salvage.c).
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

interface DumpOptions {
  name: string;
  id: number;
  acl?: (string | [string, string])[];
  now?: number | Date;
  quota?: number;
}
interface AfsDumpModule {
  volumeDump(src: string, opts: DumpOptions): Buffer;
  planVolume(src: string, opts: DumpOptions): unknown;
  dumpChunks(plan: unknown): Generator<Buffer, void, undefined>;
  checkName(name: Buffer, where: string): void;
  parseAcl(acl: (string | [string, string])[]): { id: number; rights: number }[];
  AfsDumpError: new (message: string) => Error;
}
const SCRIPT = path.join(import.meta.dirname, "afs-dump.mjs");
// imported by URL: the module is plain JS without type declarations
const afs = (await import(pathToFileURL(SCRIPT).href)) as AfsDumpModule;

const VOL = "rel.test";
const VOLID = 536870930;
const NOW = 1_700_000_000;
const MOUNT_TARGET = "#lab.test:rel.deb12.";
const LONG_NAME_LENGTHS = [1, 15, 16, 27, 28, 100, 255];

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-afsdump-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const src = path.join(tmp, "src");

function findRestorevol(): string {
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/bin", "/usr/sbin"];
  for (const d of dirs) {
    const p = path.join(d, "restorevol");
    if (d && fs.existsSync(p)) return p;
  }
  throw new Error("restorevol (OpenAFS's dump reader) not found: apt-get install openafs-client");
}

function nameOfLength(n: number): string {
  const base = `n${n}-`;
  return (base + "abcdefghijklmnopqrstuvwxyz0123456789".repeat(8)).slice(0, n);
}

beforeAll(() => {
  const w = (rel: string, content: string | Buffer, mode = 0o644) => {
    const p = path.join(src, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
    fs.chmodSync(p, mode);
  };
  w("a/b/c/deep.txt", "deep down\n");
  w("a/b/sibling.txt", "sibling\n");
  w("empty", "");
  w("random.bin", crypto.randomBytes(1 << 20));
  w("run.sh", "#!/bin/sh\necho hi\n", 0o755);
  w("secret", "owner only\n", 0o600);
  w("héllo wörld.txt", "utf-8 name\n");
  for (const n of LONG_NAME_LENGTHS) w(`names/${nameOfLength(n)}`, `${n}\n`);
  w(`${"d".repeat(100)}/inside`, "in a dir with a 100-character name\n");
  for (let i = 0; i < 700; i++) w(`many/entry-${String(i).padStart(4, "0")}`, `${i}\n`);
  fs.mkdirSync(path.join(src, "empty-dir"));
  fs.symlinkSync("a/b/c/deep.txt", path.join(src, "link-rel"));
  fs.symlinkSync(MOUNT_TARGET, path.join(src, "mnt"));
});

// --- what a tree looks like (for comparing source and restored trees) ---------------------------

interface Node {
  type: "dir" | "file" | "symlink";
  mode?: number;
  sha256?: string;
  target?: string;
}
function walk(root: string): Map<string, Node> {
  const out = new Map<string, Node>();
  const go = (rel: string) => {
    for (const name of fs.readdirSync(path.join(root, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      const p = path.join(root, r);
      const st = fs.lstatSync(p);
      if (st.isDirectory()) {
        out.set(r, { type: "dir" });
        go(r);
      } else if (st.isSymbolicLink()) out.set(r, { type: "symlink", target: fs.readlinkSync(p) });
      else if (st.isFile()) out.set(r, { type: "file", mode: st.mode & 0o7777, sha256: crypto.createHash("sha256").update(fs.readFileSync(p)).digest("hex") });
      else throw new Error(`unexpected file type at ${p}`);
    }
  };
  go("");
  return out;
}

/** restorevol keeps the owner's mode bits and copies them to group and other (then umask 0). */
const restorevolMode = (mode: number) => ((mode >> 6) & 7) * 0o111;

/** Runs restorevol on a dump; returns the restored tree's root and the mount point root. */
function restore(dump: Buffer, label: string): { root: string; mountRoot: string; stderr: string } {
  const restorevol = findRestorevol();
  const dir = fs.mkdtempSync(path.join(tmp, `${label}-`));
  const file = path.join(dir, "vol.dump");
  fs.writeFileSync(file, dump);
  const out = path.join(dir, "restored");
  const mountRoot = path.join(dir, "mounts");
  fs.mkdirSync(out);
  fs.mkdirSync(mountRoot);
  const r = spawnSync(restorevol, ["-file", file, "-dir", out, "-mountpoint", mountRoot, "-umask", "0"], { encoding: "utf8" });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`restorevol exited ${r.status}: ${r.stderr}`);
  return { root: path.join(out, VOL), mountRoot: fs.realpathSync(mountRoot), stderr: r.stderr };
}

/** Throws (listing every difference) unless the restored tree is the source tree as restorevol shows it. */
function compareTrees(source: string, restored: { root: string; mountRoot: string; stderr: string }) {
  const problems: string[] = [];
  const bad = restored.stderr.split("\n").filter((l) => /error|incomplete|expected|read \d+ bytes|wrote \d+ bytes|unknown/i.test(l));
  if (bad.length) problems.push(`restorevol complained: ${bad.join(" | ")}`);
  const want = walk(source);
  const got = walk(restored.root);
  for (const [rel, w] of want) {
    const g = got.get(rel);
    if (!g) {
      problems.push(`missing: ${rel}`);
      continue;
    }
    if (w.type === "symlink" && w.target === MOUNT_TARGET) {
      // restorevol turns a mount point "#cell:vol." into a symlink to MOUNTROOT/cell:vol
      const expected = path.join(restored.mountRoot, MOUNT_TARGET.slice(1, -1));
      if (g.type !== "symlink" || path.normalize(g.target ?? "") !== expected)
        problems.push(`mount point ${rel}: got ${JSON.stringify(g)}, want symlink to ${expected}`);
      continue;
    }
    if (g.type !== w.type) problems.push(`${rel}: type ${g.type}, want ${w.type}`);
    else if (w.type === "symlink" && g.target !== w.target) problems.push(`${rel}: symlink to ${g.target}, want ${w.target}`);
    else if (w.type === "file") {
      if (g.sha256 !== w.sha256) problems.push(`${rel}: content differs`);
      if (g.mode !== restorevolMode(w.mode ?? 0)) problems.push(`${rel}: mode ${g.mode?.toString(8)}, want ${restorevolMode(w.mode ?? 0).toString(8)}`);
    }
  }
  for (const rel of got.keys()) if (!want.has(rel)) problems.push(`unexpected in restore: ${rel}`);
  if (problems.length) throw new Error(`restored tree differs from the source:\n  ${problems.slice(0, 30).join("\n  ")}`);
}

// --- an independent reader of the dump (after src/volser/dumpstuff.c) ---------------------------

interface Vnode {
  vnode: number;
  unique: number;
  type?: number;
  linkCount?: number;
  dataVersion?: number;
  mode?: number;
  parent?: number;
  acl?: Buffer;
  data?: Buffer;
  longLength?: boolean;
}
interface ParsedDump {
  version: number;
  volumeId: number;
  name: string;
  dumpTimes: number[];
  volume: Record<string, number | string>;
  vnodes: Vnode[];
}

function parseDump(b: Buffer): ParsedDump {
  let i = 0;
  const u8 = () => {
    if (i >= b.length) throw new Error(`dump truncated at ${i}`);
    return b[i++] as number;
  };
  const u16 = () => {
    i += 2;
    return b.readUInt16BE(i - 2);
  };
  const u32 = () => {
    i += 4;
    return b.readUInt32BE(i - 4);
  };
  const str = () => {
    const end = b.indexOf(0, i);
    if (end < 0) throw new Error("unterminated string");
    const s = b.toString("latin1", i, end);
    i = end + 1;
    return s;
  };
  if (u8() !== 1 || u32() !== 0xb3a11322) throw new Error("no dump header / DUMPBEGINMAGIC");
  const version = u32();
  let volumeId = 0;
  let name = "";
  let dumpTimes: number[] = [];
  let tag = u8();
  for (; tag > 20; tag = u8()) {
    const t = String.fromCharCode(tag);
    if (t === "v") volumeId = u32();
    else if (t === "n") name = str();
    else if (t === "t") dumpTimes = Array.from({ length: u16() }, u32);
    else throw new Error(`unknown dump header tag ${t}`);
  }
  if (tag !== 2) throw new Error(`expected volume header, got tag ${tag}`);
  const volume: Record<string, number | string> = {};
  for (tag = u8(); tag > 20; tag = u8()) {
    const t = String.fromCharCode(tag);
    if ("sbt".includes(t)) volume[t] = u8();
    else if ("nOM".includes(t)) volume[t] = str();
    else if (t === "W") volume[t] = Array.from({ length: u16() }, u32).join(",");
    else if ("ivupcqmdfaoCAUEBDZ".includes(t)) volume[t] = u32();
    else throw new Error(`unknown volume header tag ${t}`);
  }
  const vnodes: Vnode[] = [];
  while (tag === 3) {
    const v: Vnode = { vnode: u32(), unique: u32() };
    for (tag = u8(); tag > 20; tag = u8()) {
      const t = String.fromCharCode(tag);
      if (t === "t") v.type = u8();
      else if (t === "l") v.linkCount = u16();
      else if (t === "b") v.mode = u16();
      else if (t === "p") v.parent = u32();
      else if (t === "v") v.dataVersion = u32();
      else if ("msaog".includes(t)) u32();
      else if (t === "A") {
        v.acl = b.subarray(i, i + 192);
        i += 192;
      } else if (t === "f" || t === "h") {
        const len = t === "h" ? u32() * 2 ** 32 + u32() : u32();
        v.longLength = t === "h";
        if (i + len > b.length) throw new Error(`vnode ${v.vnode}: data runs past the end`);
        v.data = b.subarray(i, i + len);
        i += len;
      } else throw new Error(`unknown vnode tag ${t}`);
    }
    vnodes.push(v);
  }
  if (tag !== 4 || u32() !== 0x3a214b6e) throw new Error("no dump end / DUMPENDMAGIC");
  if (i !== b.length) throw new Error(`${b.length - i} bytes after the end of the dump`);
  return { version, volumeId, name, dumpTimes, volume, vnodes };
}

/** afs_dir_DirHash, written out with BigInt so it does not share a bug with Math.imul. */
function dirHash(name: Buffer): number {
  let h = 0n;
  for (const c of name) h = (h * 173n + BigInt(c)) & 0xffffffffn;
  const t = Number(h & 127n);
  return t === 0 ? 0 : h >= 0x80000000n ? 128 - t : t;
}

interface DirEntry {
  name: Buffer;
  vnode: number;
  unique: number;
  blob: number;
}
/** salvage.c DirOK, plus: "." and ".." point where they should. Returns the entries. */
function checkDir(data: Buffer, self: { vnode: number; unique: number }, parent?: { vnode: number; unique: number }): DirEntry[] {
  const fail = (m: string) => {
    throw new Error(`directory vnode ${self.vnode}: ${m}`);
  };
  if (data.length === 0 || data.length % 2048) fail(`length ${data.length} is not whole 2048-byte pages`);
  const pages = data.length / 2048;
  if (data.readUInt16BE(0) !== pages) fail(`pgcount ${data.readUInt16BE(0)} but ${pages} pages`);
  const alloMap = (p: number) => data[32 + p] as number;
  let seenEnd = false;
  for (let p = 0; p < 128; p++) {
    const j = alloMap(p);
    if (p === 0 ? j > 64 - 15 : j > 64) fail(`alloMap[${p}] = ${j}`);
    if (seenEnd && j !== 64) fail(`partially full page ${p} after the end`);
    if (j === 64) seenEnd = true;
    if (p < pages && j === 64) fail(`page ${p} in use but alloMap says empty`);
  }
  const used = new Uint8Array(pages * 64);
  for (let p = 0; p < pages; p++) {
    if (data.readUInt16BE(p * 2048 + 2) !== 1234) fail(`page ${p} has a bad tag`);
    if (p > 0 && data.readUInt16BE(p * 2048) !== 0) fail(`page ${p} pgcount not 0`);
    used[p * 64] = 1;
  }
  for (let k = 0; k < 13; k++) used[k] = 1;
  const entries: DirEntry[] = [];
  for (let bucket = 0; bucket < 128; bucket++) {
    for (let blob = data.readUInt16BE(160 + 2 * bucket), n = 0; blob; n++) {
      if (n > pages * 64 || blob >= pages * 64) fail(`bad hash chain ${bucket}`);
      const off = (blob >> 6) * 2048 + (blob & 63) * 32;
      if (data[off] !== 1) fail(`entry ${blob} flag is not FFIRST`);
      const end = data.indexOf(0, off + 12);
      if (end < 0 || end >= (blob >> 6) * 2048 + 2048) fail(`entry ${blob} name runs off its page`);
      const name = data.subarray(off + 12, end);
      if (name.length === 0 || name.length > 255) fail(`entry ${blob} name length ${name.length}`);
      if (dirHash(name) !== bucket) fail(`entry ${name} in hash bucket ${bucket}, DirHash says ${dirHash(name)}`);
      const blobs = 1 + ((name.length + 1 + 15) >> 5);
      for (let k = 0; k < blobs; k++) {
        if (used[blob + k]) fail(`blob ${blob + k} used twice`);
        used[blob + k] = 1;
      }
      entries.push({ name, vnode: data.readUInt32BE(off + 4), unique: data.readUInt32BE(off + 8), blob });
      blob = data.readUInt16BE(off + 2);
    }
  }
  for (let p = 0; p < pages; p++) {
    let free = 0;
    for (let k = 0; k < 64; k++) {
      const bit = ((data[p * 2048 + 5 + (k >> 3)] as number) >> (k & 7)) & 1;
      if (bit !== used[p * 64 + k]) fail(`freebitmap of page ${p}, blob ${k}: ${bit}, entries say ${used[p * 64 + k]}`);
      free += 1 - bit;
    }
    if (p < 128 && alloMap(p) !== free) fail(`alloMap[${p}] = ${alloMap(p)}, bitmap has ${free} free`);
  }
  const dot = entries.find((e) => e.name.toString() === ".");
  const dotdot = entries.find((e) => e.name.toString() === "..");
  if (dot?.blob !== 13 || dot.vnode !== self.vnode || dot.unique !== self.unique) fail(`"." is ${JSON.stringify(dot)}`);
  if (dotdot?.blob !== 14 || (parent && (dotdot.vnode !== parent.vnode || dotdot.unique !== parent.unique))) fail(`".." is ${JSON.stringify(dotdot)}`);
  return entries;
}

/** Everything about the dump's structure that restorevol does not look at. */
function checkStructure(d: ParsedDump) {
  expect(d.version).toBe(1);
  expect(d.volumeId).toBe(VOLID);
  expect(d.name).toBe(VOL);
  expect(d.dumpTimes).toEqual([0, NOW]);
  expect(d.volume).toMatchObject({ i: VOLID, n: VOL, s: 1, b: 1, t: 0, p: VOLID, c: 0, C: NOW, U: NOW });
  const byNumber = new Map(d.vnodes.map((v) => [v.vnode, v]));
  expect(byNumber.size).toBe(d.vnodes.length);
  expect(d.volume.f).toBe(d.vnodes.length);
  // large (directory) vnodes first, ascending, then small ones
  const numbers = d.vnodes.map((v) => v.vnode);
  const dirs = d.vnodes.filter((v) => v.type === 2);
  expect(numbers).toEqual([...dirs.map((v) => v.vnode), ...d.vnodes.filter((v) => v.type !== 2).map((v) => v.vnode)]);
  expect(dirs.map((v) => v.vnode)).toEqual([...dirs.map((v) => v.vnode)].sort((a, b) => a - b));
  const root = d.vnodes[0];
  expect(root).toMatchObject({ vnode: 1, unique: 1, type: 2, parent: 0 });
  const uniques = new Set(d.vnodes.map((v) => v.unique));
  expect(uniques.size).toBe(d.vnodes.length);
  expect(Number(d.volume.u)).toBeGreaterThan(Math.max(...uniques));
  const acl = Buffer.alloc(192);
  [36, 1, 2, 2, 0, -204, 0x7f, -101, 0x9].forEach((x, k) => acl.writeInt32BE(x, 4 * k));
  let diskused = 0;
  const subdirs = new Map<number, number>();
  const claimed = new Map<number, number>();
  for (const v of d.vnodes) {
    expect(v.vnode % 2, `vnode ${v.vnode} class`).toBe(v.type === 2 ? 1 : 0);
    expect(v.dataVersion).toBe(1);
    expect(v.data, `vnode ${v.vnode} has data`).toBeDefined();
    diskused += Math.max(1, Math.ceil((v.data?.length ?? 0) / 1024));
    if (v.type !== 2) {
      expect(v.linkCount).toBe(1);
      continue;
    }
    expect(v.acl?.equals(acl), `ACL of vnode ${v.vnode}`).toBe(true);
    const parentVnode = v.vnode === 1 ? v : byNumber.get(v.parent ?? 0);
    if (!parentVnode) throw new Error(`directory vnode ${v.vnode} has no parent vnode ${v.parent}`);
    for (const e of checkDir(v.data ?? Buffer.alloc(0), v, parentVnode)) {
      if (e.blob === 13 || e.blob === 14) continue;
      const t = byNumber.get(e.vnode);
      if (!t || t.unique !== e.unique) throw new Error(`entry ${e.name} in vnode ${v.vnode} points to missing ${e.vnode}.${e.unique}`);
      expect(t.parent, `parent of ${e.name}`).toBe(v.vnode);
      claimed.set(e.vnode, (claimed.get(e.vnode) ?? 0) + 1);
      if (t.type === 2) subdirs.set(v.vnode, (subdirs.get(v.vnode) ?? 0) + 1);
    }
  }
  for (const v of d.vnodes) {
    if (v.vnode !== 1) expect(claimed.get(v.vnode), `vnode ${v.vnode} has exactly one directory entry`).toBe(1);
    if (v.type === 2) expect(v.linkCount, `link count of directory ${v.vnode}`).toBe(2 + (subdirs.get(v.vnode) ?? 0));
  }
  expect(d.volume.d).toBe(diskused);
}

// --- the tests ----------------------------------------------------------------------------------

describe("afs-dump", () => {
  let dump: Buffer;
  beforeAll(() => {
    dump = afs.volumeDump(src, { name: VOL, id: VOLID, now: NOW });
  });

  it("finds restorevol (OpenAFS's own dump reader)", () => {
    expect(findRestorevol()).toMatch(/restorevol$/);
  });

  it("restorevol restores the source tree: names, contents, modes, symlinks, mount point", () => {
    const restored = restore(dump, "ok");
    compareTrees(src, restored);
    // spot checks on top of the full comparison
    expect(fs.readlinkSync(path.join(restored.root, "link-rel"))).toBe("a/b/c/deep.txt");
    expect(fs.statSync(path.join(restored.root, "run.sh")).mode & 0o777).toBe(0o777);
    expect(fs.readdirSync(path.join(restored.root, "many"))).toHaveLength(700);
    for (const n of LONG_NAME_LENGTHS) expect(fs.readFileSync(path.join(restored.root, "names", nameOfLength(n)), "utf8")).toBe(`${n}\n`);
  });

  it("writes the structures the fileserver and salvager expect", () => {
    const d = parseDump(dump);
    checkStructure(d);
    const byName = (rel: string) => {
      // follow the path through the directory objects
      let v = d.vnodes[0] as Vnode;
      for (const part of rel.split("/")) {
        const e = checkDir(v.data as Buffer, v).find((x) => x.name.toString() === part && x.blob > 14);
        if (!e) throw new Error(`${rel}: no ${part}`);
        v = d.vnodes.find((x) => x.vnode === e.vnode) as Vnode;
      }
      return v;
    };
    expect(byName("run.sh").mode).toBe(0o755);
    expect(byName("secret").mode).toBe(0o600);
    expect(byName("mnt")).toMatchObject({ type: 3, mode: 0o644 });
    expect(byName("mnt").data?.toString()).toBe(MOUNT_TARGET);
    expect(byName("link-rel").type).toBe(3);
    expect((byName("link-rel").mode ?? 0) & 0o111).toBe(0o111);
    expect(byName("empty").data?.length).toBe(0);
    expect(byName("many").data?.length).toBeGreaterThanOrEqual(4 * 2048); // 700 entries: several pages
    expect(byName("a").linkCount).toBe(3);
    expect(byName("a/b/c/deep.txt").data?.toString()).toBe("deep down\n");
  });

  it("is deterministic for the same tree and time", () => {
    expect(afs.volumeDump(src, { name: VOL, id: VOLID, now: NOW }).equals(dump)).toBe(true);
    expect(afs.volumeDump(src, { name: VOL, id: VOLID, now: NOW + 1 }).equals(dump)).toBe(false);
  });

  it("negative controls: a damaged dump is caught", () => {
    // a flipped byte inside random.bin's contents: restorevol restores it, the comparison must object
    const random = fs.readFileSync(path.join(src, "random.bin"));
    const at = dump.indexOf(random.subarray(0, 64));
    expect(at).toBeGreaterThan(0);
    const flipped = Buffer.from(dump);
    flipped[at + 1000] = (flipped[at + 1000] as number) ^ 0xff;
    expect(() => compareTrees(src, restore(flipped, "flipped"))).toThrow(/random\.bin: content differs/);
    // a wrong hash bucket in the root directory: restorevol does not care, DirOK does
    const d = parseDump(dump);
    const rootData = d.vnodes[0]?.data as Buffer;
    const off = rootData.byteOffset - dump.byteOffset;
    const moved = Buffer.from(dump);
    let b = 0;
    while (rootData.readUInt16BE(160 + 2 * b) === 0) b++;
    moved.writeUInt16BE(rootData.readUInt16BE(160 + 2 * b), off + 160 + 2 * ((b + 1) % 128));
    moved.writeUInt16BE(0, off + 160 + 2 * b);
    expect(() => checkStructure(parseDump(moved))).toThrow(/hash bucket/);
  });

  it("uses the 64-bit length tag for a file over 2 GiB", () => {
    const dir = fs.mkdtempSync(path.join(tmp, "big-"));
    const fd = fs.openSync(path.join(dir, "big"), "w");
    fs.ftruncateSync(fd, 2 ** 31 + 5); // sparse: nothing is read, only the vnode header is taken
    fs.closeSync(fd);
    const gen = afs.dumpChunks(afs.planVolume(dir, { name: VOL, id: VOLID, now: NOW }));
    const chunks = [gen.next().value, gen.next().value, gen.next().value, gen.next().value] as Buffer[];
    gen.return();
    const header = chunks[3] as Buffer;
    expect(header.readUInt32BE(1)).toBe(2); // vnode 2, the file
    const h = header.length - 9;
    expect(String.fromCharCode(header[h] as number)).toBe("h");
    expect([header.readUInt32BE(h + 1), header.readUInt32BE(h + 5)]).toEqual([0, 2 ** 31 + 5]);
  });

  it("refuses what AFS cannot hold, naming the path", () => {
    const dir = fs.mkdtempSync(path.join(tmp, "fifo-"));
    fs.mkdirSync(path.join(dir, "sub"));
    const fifo = path.join(dir, "sub", "pipe");
    const r = spawnSync("mkfifo", [fifo]);
    expect(r.status).toBe(0);
    expect(() => afs.volumeDump(dir, { name: VOL, id: VOLID })).toThrow(new RegExp(`unsupported file type \\(fifo\\): ${fifo}`));
    expect(() => afs.checkName(Buffer.alloc(256, 0x61), "/x/long")).toThrow(/too long .*256 bytes.*\/x\/long/);
    expect(() => afs.checkName(Buffer.from("a/b"), "/x/slash")).toThrow(/"\/"/);
    expect(() => afs.checkName(Buffer.from("a\0b"), "/x/nul")).toThrow(/NUL/);
    expect(() => afs.volumeDump(src, { name: "x".repeat(23), id: VOLID })).toThrow(/longer than 22/);
    expect(() => afs.volumeDump(src, { name: VOL, id: 0 })).toThrow(/bad volume id/);
    expect(() => afs.parseAcl(["system:nobody rl"])).toThrow(/unknown ACL name/);
    expect(() => afs.parseAcl(["system:anyuser rx"])).toThrow(/bad ACL rights/);
    expect(afs.parseAcl(["system:anyuser rl", "system:administrators all", "1000 rlidwk"])).toEqual([
      { id: -204, rights: 0x7f },
      { id: -101, rights: 0x9 },
      { id: 1000, rights: 0x3f },
    ]);
  });

  it("CLI: writes the same dump, exits 2 with usage on bad arguments, 1 on a bad tree", () => {
    const out = path.join(tmp, "cli.dump");
    const ok = spawnSync(process.execPath, [SCRIPT, "--name", VOL, "--id", String(VOLID), "--now", String(NOW), "--out", out, src], { encoding: "utf8" });
    expect(ok.status, ok.stderr).toBe(0);
    expect(fs.readFileSync(out).equals(dump)).toBe(true);
    const piped = spawnSync(
      process.execPath,
      [SCRIPT, "--name", VOL, "--id", String(VOLID), "--now", String(NOW), "--acl", "system:anyuser rl", "--acl", "system:administrators all", src],
      { maxBuffer: 1 << 26 },
    );
    expect(piped.status).toBe(0);
    expect(piped.stdout.equals(dump)).toBe(true);
    for (const args of [
      [],
      ["--name", VOL, src],
      ["--name", VOL, "--id", "x", src],
      ["--name", VOL, "--id", "5", "--bogus", src],
      ["--name", "a/b", "--id", "5", src],
      ["--name", VOL, "--id", "5", "--acl", "nobody rl", src],
    ]) {
      const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: "utf8" });
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/usage: node scripts\/lab\/afs-dump\.mjs --name VOLNAME --id NUMBER/);
    }
    const missing = spawnSync(process.execPath, [SCRIPT, "--name", VOL, "--id", "5", "--out", path.join(tmp, "x.dump"), path.join(tmp, "nope")], {
      encoding: "utf8",
    });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/afs-dump: error: cannot read .*nope/);
    expect(fs.existsSync(path.join(tmp, "x.dump"))).toBe(false);
  });
});
