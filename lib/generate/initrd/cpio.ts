import crypto from "node:crypto";
import zlib from "node:zlib";

// A newc ("070701") cpio writer and a deterministic gzip, so overlay initrds are built in-process
// (no cpio/gzip binaries, no temporary files) and the same entries always give the same bytes:
// sorted entries, mtime 0, uid/gid 0, inode numbers by position, no host-dependent header fields.
// Pure computation: node:zlib and node:crypto only, nothing touches the file system (a caller may
// hand in a SegmentStore that keeps compressed segments beyond the process: lib/publish/segment-cache.ts).

export type CpioEntry =
  | { type: "dir"; path: string; mode?: number }
  | { type: "file"; path: string; mode: number; data: Buffer | string }
  | { type: "symlink"; path: string; target: string };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const PERM_MASK = 0o7777;

/** "/afsboot//bin/" → "afsboot/bin"; archive names are relative, as the kernel's unpacker expects. */
export function normalizePath(p: string): string {
  const parts = p.split("/").filter((s) => s !== "" && s !== ".");
  if (parts.length === 0) throw new Error(`cpio: empty path "${p}"`);
  if (parts.includes("..")) throw new Error(`cpio: path "${p}" contains ".."`);
  if (parts.some((s) => s.includes("\0"))) throw new Error(`cpio: path "${p}" contains NUL`);
  return parts.join("/");
}

interface Node {
  path: string;
  mode: number;
  data: Buffer;
  subdirs: number;
}

/** Normalizes, adds missing parent directories (0755), rejects conflicting duplicates, sorts. */
function collect(entries: CpioEntry[]): Node[] {
  const nodes = new Map<string, Node>();
  const add = (path: string, mode: number, data: Buffer) => {
    if (nodes.has(path)) throw new Error(`cpio: "${path}" is listed twice`);
    nodes.set(path, { path, mode, data, subdirs: 0 });
  };
  for (const e of entries) {
    const path = normalizePath(e.path);
    if (e.type === "dir") {
      add(path, S_IFDIR | ((e.mode ?? 0o755) & PERM_MASK), Buffer.alloc(0));
    } else if (e.type === "file") {
      add(path, S_IFREG | (e.mode & PERM_MASK), typeof e.data === "string" ? Buffer.from(e.data, "utf8") : e.data);
    } else {
      if (e.target === "" || e.target.includes("\0")) throw new Error(`cpio: bad symlink target for "${path}"`);
      add(path, S_IFLNK | 0o777, Buffer.from(e.target, "utf8"));
    }
  }
  // parents: implied directories get 0755 (list a directory explicitly for another mode)
  for (const path of [...nodes.keys()]) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join("/");
      const node = nodes.get(parent);
      if (!node) nodes.set(parent, { path: parent, mode: S_IFDIR | 0o755, data: Buffer.alloc(0), subdirs: 0 });
      else if ((node.mode & ~PERM_MASK) !== S_IFDIR) throw new Error(`cpio: "${parent}" is a parent directory and a file or link`);
    }
  }
  for (const n of nodes.values()) {
    if ((n.mode & ~PERM_MASK) !== S_IFDIR) continue;
    const slash = n.path.lastIndexOf("/");
    if (slash > 0) nodes.get(n.path.slice(0, slash))!.subdirs++;
  }
  // byte order of the UTF-8 names: a parent ("a") always sorts before its children ("a/…")
  return [...nodes.values()].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

const hex8 = (n: number) => {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`cpio: header field out of range: ${n}`);
  return n.toString(16).padStart(8, "0");
};
const pad4 = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);

function record(ino: number, mode: number, nlink: number, name: string, data: Buffer): Buffer[] {
  const nameBytes = Buffer.from(`${name}\0`, "utf8");
  // magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check
  const fields = [ino, mode, 0, 0, nlink, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0];
  const header = Buffer.from(`070701${fields.map(hex8).join("")}`, "ascii");
  return [header, nameBytes, pad4(header.length + nameBytes.length), data, pad4(data.length)];
}

function cpioChunks(entries: CpioEntry[]): Buffer[] {
  const chunks: Buffer[] = [];
  collect(entries).forEach((n, i) => {
    const isDir = (n.mode & ~PERM_MASK) === S_IFDIR;
    // directories: "." plus the parent's link plus one ".." per subdirectory, as on disk.
    // Files stay at nlink 1 so the kernel's unpacker never treats them as hard links.
    chunks.push(...record(i + 1, n.mode, isDir ? 2 + n.subdirs : 1, n.path, n.data));
  });
  chunks.push(...record(0, 0, 1, "TRAILER!!!", Buffer.alloc(0)));
  return chunks;
}

/** The uncompressed newc archive, ending with the TRAILER!!! record. */
export function writeCpio(entries: CpioEntry[]): Buffer {
  return Buffer.concat(cpioChunks(entries));
}

// Large chunks (file bodies: busybox is 2 MB and costs ~150 ms at level 9) are deflated on their
// own and remembered by content, so the overlays of one publish compress busybox once; a
// SegmentStore, when given, keeps them for the next process too (a CLI run). A cache keyed by the
// bytes and by how they are deflated cannot change any output: same input, same bytes, with or without it.
const LARGE = 64 * 1024;
const memo = new Map<string, Buffer>();

/**
 * What a segment's bytes depend on besides its input: the deflate parameters of `segment` and the
 * zlib (and Node) that ran them. Part of every segment key.
 */
export const SEGMENT_PARAMS = `deflate-raw level=9 flush=sync zlib=${process.versions.zlib} node=${process.version}`;

/**
 * Compressed segments kept by key (segmentKey) beyond one process. `get` returns only bytes that
 * were `set` under that key (a store checks what it reads back, and says null when in doubt).
 */
export interface SegmentStore {
  get(key: string): Buffer | null;
  set(key: string, segment: Buffer): void;
}

/** The key of a chunk's segment: sha256 over SEGMENT_PARAMS and the chunk's bytes (hex). */
export function segmentKey(buf: Buffer): string {
  return crypto.createHash("sha256").update(`${SEGMENT_PARAMS}\n`).update(buf).digest("hex");
}

/** Raw deflate blocks of `buf` ending in a sync flush (byte-aligned, not final): segments made
 *  this way concatenate into one valid deflate stream. */
export function segment(buf: Buffer): Buffer {
  return zlib.deflateRawSync(buf, { level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH });
}

function largeSegment(buf: Buffer, store: SegmentStore | undefined): Buffer {
  const key = segmentKey(buf);
  let seg = memo.get(key);
  if (!seg) {
    seg = store?.get(key) ?? undefined;
    if (!seg) {
      seg = segment(buf);
      store?.set(key, seg);
    }
    if (memo.size >= 8) memo.delete(memo.keys().next().value!);
    memo.set(key, seg);
  }
  return seg;
}

/** Forgets the segments this process remembers (tests: to read a store as a new process would). */
export function forgetSegments() {
  memo.clear();
}

/**
 * One gzip member over the concatenation of `input`, written by hand so every header byte is
 * fixed: no flags or file name, mtime 0, XFL 2 (level 9), OS 3 (Unix) whatever platform zlib
 * was built for. Caveat: deflate output is only as stable as the zlib build (same Node, same bytes).
 */
export function gzipDeterministic(input: Buffer | Buffer[], opts: { segments?: SegmentStore } = {}): Buffer {
  const chunks = Buffer.isBuffer(input) ? [input] : input;
  const out: Buffer[] = [Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3])];
  let small: Buffer[] = [];
  const flushSmall = () => {
    if (small.length > 0) out.push(segment(Buffer.concat(small)));
    small = [];
  };
  let crc = 0;
  let size = 0;
  for (const c of chunks) {
    crc = zlib.crc32(c, crc);
    size += c.length;
    if (c.length >= LARGE) {
      flushSmall();
      out.push(largeSegment(c, opts.segments));
    } else small.push(c);
  }
  flushSmall();
  out.push(zlib.deflateRawSync(Buffer.alloc(0))); // an empty final block ends the stream
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(size % 2 ** 32, 4);
  out.push(trailer);
  return Buffer.concat(out);
}

export interface BuiltOverlay {
  bytes: Buffer;
  sha256: string;
}

/** cpio + gzip + sha256 of the published bytes (the overlay is recorded by this hash). */
export function buildOverlay(entries: CpioEntry[], opts: { segments?: SegmentStore } = {}): BuiltOverlay {
  const bytes = gzipDeterministic(cpioChunks(entries), opts);
  return { bytes, sha256: crypto.createHash("sha256").update(bytes).digest("hex") };
}
