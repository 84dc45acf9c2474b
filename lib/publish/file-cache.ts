import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { cacheDir, ours, pruneCache } from "./disk-cache";

// Kernels, base initrds and the static busybox are megabytes that rarely change: a long-running
// console reads and hashes them once, and again only when the file's identity changes (device,
// inode, size, mtime, ctime: the quick check make and rsync use). Returning the same Buffer keeps
// the overlay builder's per-buffer compression cache warm.
//
// A process that publishes once (`afsboot publish`, a dry run) would hash every image of every
// active release version each time (a 60 MB initrd: ~0.15 s): their digests are also kept on disk,
// under $AFSBOOT_DATA_DIR/cache/sha256/ (the directory 0700, each file 0600, as the segment cache
// keeps its files), one file per image, named by the sha256 of its path. An entry holds the path,
// the file's identity (device, inode, size, and mtime and ctime in nanoseconds) and its digest,
// and is used only while the file's identity is that one. A file changed twice within one tick of
// the file system's clock could keep its identity: an entry is only written for a file whose mtime
// and ctime were over RACY_MS old when it was hashed, and unchanged after (as git does with its
// index), so that a later change shows. A digest a publication finds wrong (the copy's bytes are
// not those it names) is forgotten (forgetDigest). Only a cache: a directory that cannot be read
// or written costs the hashing. One identity serves both: the in-memory entry and the one on disk.

interface Entry extends Identity {
  bytes?: Buffer;
  sha256?: string;
}

const entries = new Map<string, Entry>();

function entry(file: string): Entry {
  const id = identityOf(file);
  let e = entries.get(file);
  if (!e || e.key !== id.key) {
    e = id;
    entries.set(file, e);
  }
  return e;
}

export function readCached(file: string): Buffer {
  const e = entry(file);
  e.bytes ??= fs.readFileSync(file);
  return e.bytes;
}

export function sha256Cached(file: string): { sha256: string; size: number } {
  const e = entry(file);
  if (!e.sha256) {
    const kept = readDigest(file, e.key);
    if (kept) e.sha256 = kept;
    else {
      const hashedAt = Date.now();
      const bytes = fs.readFileSync(file);
      e.sha256 = crypto.createHash("sha256").update(bytes).digest("hex");
      // kept only for a file that was neither changed shortly before nor while it was read
      if (hashedAt - e.changedMs > RACY_MS && identityOf(file).key === e.key) writeDigest(file, e.key, e.sha256);
    }
    e.bytes = undefined;
  }
  return { sha256: e.sha256, size: e.size };
}

/**
 * Forgets the digest of `file`, in memory and on disk: its bytes turned out not to be the ones the
 * digest names (a publication found so when it copied them), so the next look hashes them again.
 */
export function forgetDigest(file: string): void {
  entries.delete(file);
  try {
    fs.rmSync(path.join(digestCacheDir(), entryName(file)), { force: true });
  } catch {
    // (no cache to forget it in)
  }
}

interface Identity {
  /** device, inode, size, mtime and ctime (ns): the same key, the same file (see above) */
  key: string;
  size: number;
  /** when it last changed (mtime or ctime, the later) */
  changedMs: number;
}

function identityOf(file: string): Identity {
  const st = fs.statSync(file, { bigint: true });
  return {
    key: `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`,
    size: Number(st.size),
    changedMs: Math.max(Number(st.mtimeMs), Number(st.ctimeMs)),
  };
}

const MAGIC = "afsboot-sha256 1";
/** How old a file's last change must be for its digest to be kept on disk (see above). */
const RACY_MS = 2000;
/** Entries kept: the newest, by when they were written (an image a fleet no longer boots goes in time). */
const KEEP = 1024;

/** The directory the digests of this data directory are kept in. */
export function digestCacheDir(dataDir?: string): string {
  return cacheDir("sha256", dataDir);
}

const entryName = (file: string) => `${crypto.createHash("sha256").update(path.resolve(file)).digest("hex").slice(0, 40)}.sha256`;

/** The digest kept for `file` with this identity, or null (none, another identity, not ours, unreadable). */
function readDigest(file: string, identity: string): string | null {
  try {
    const dir = digestCacheDir();
    const fd = fs.openSync(path.join(dir, entryName(file)), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile() || st.size > 4096 || !ours(st, 0o077) || !ours(fs.statSync(dir), 0o077)) return null;
      const [magic, p, id, sha] = fs.readFileSync(fd, "utf8").split("\n");
      return magic === MAGIC && p === path.resolve(file) && id === identity && /^[0-9a-f]{64}$/.test(sha ?? "") ? sha! : null;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
}

/** Keeps `sha256` as the digest of `file` with this identity, atomically; a failure is not an error. */
function writeDigest(file: string, identity: string, sha256: string) {
  let tmp: string | null = null;
  try {
    const dir = digestCacheDir();
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!ours(fs.statSync(dir), 0o077)) return; // (made by someone else, or opened up since: not ours to fill)
    tmp = path.join(dir, `.${process.pid}.${crypto.randomBytes(6).toString("hex")}.tmp`);
    fs.writeFileSync(tmp, `${MAGIC}\n${path.resolve(file)}\n${identity}\n${sha256}\n`, { mode: 0o600, flag: "wx" });
    fs.renameSync(tmp, path.join(dir, entryName(file)));
    tmp = null;
    const names = fs.readdirSync(dir);
    if (names.length > KEEP) pruneCache(dir, ".sha256", KEEP, names);
  } catch {
    if (tmp) fs.rmSync(tmp, { force: true });
  }
}

const hashed = new WeakMap<Buffer, string>();

/** The sha256 of bytes that stay the same object while unchanged (a cached overlay): hashed once. */
export function sha256OfBuffer(bytes: Buffer): string {
  let sha = hashed.get(bytes);
  if (!sha) hashed.set(bytes, (sha = crypto.createHash("sha256").update(bytes).digest("hex")));
  return sha;
}
