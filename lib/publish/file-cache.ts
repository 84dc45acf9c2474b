import crypto from "node:crypto";
import fs from "node:fs";

// Kernels, base initrds and the static busybox are megabytes that rarely change: a long-running
// console reads and hashes them once, and again only when the file's identity changes (inode,
// size, mtime: the quick check make and rsync use). Returning the same Buffer object also keeps
// the overlay builder's per-buffer compression cache warm.

interface Entry {
  key: string;
  bytes?: Buffer;
  sha256?: string;
}

const entries = new Map<string, Entry>();

function entry(file: string): Entry {
  const st = fs.statSync(file);
  const key = `${st.ino}:${st.size}:${st.mtimeMs}`;
  let e = entries.get(file);
  if (!e || e.key !== key) {
    e = { key };
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
    const bytes = fs.readFileSync(file);
    e.sha256 = crypto.createHash("sha256").update(bytes).digest("hex");
    e.bytes = undefined;
  }
  return { sha256: e.sha256, size: Number(e.key.split(":")[1]) };
}

const hashed = new WeakMap<Buffer, string>();

/** The sha256 of bytes that stay the same object while unchanged (a cached overlay): hashed once. */
export function sha256OfBuffer(bytes: Buffer): string {
  let sha = hashed.get(bytes);
  if (!sha) hashed.set(bytes, (sha = crypto.createHash("sha256").update(bytes).digest("hex")));
  return sha;
}
