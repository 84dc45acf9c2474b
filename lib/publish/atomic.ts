import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

// Writes that a crash never leaves half-done: a temporary file in the same directory, fsync,
// rename over the target (atomic on POSIX), fsync of the directory so the rename is durable.
// A reader (TFTP, HTTP, a DHCP daemon) sees the old file or the new one, never a mix.

export function fsyncDir(dir: string) {
  const fd = fs.openSync(dir, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** `rel` must be a plain relative path (the generators' layout); anything else is refused. */
export function safeJoin(root: string, rel: string): string {
  if (rel.startsWith("/") || rel.split("/").some((s) => s === ".." || s === "." || s === "")) throw new Error(`refusing to write outside the export directory: ${rel}`);
  return path.join(root, rel);
}

/**
 * `syncDir: false` leaves the directory fsync to the caller, who writes many files and syncs each
 * directory once at the end (20,000 files: 5.6 s with a directory fsync per file). Each file is
 * still whole at any moment; only which renames survive a power cut before that sync is open.
 */
export function writeFileAtomic(root: string, rel: string, bytes: Buffer, opts: { syncDir?: boolean } = {}): void {
  const target = safeJoin(root, rel);
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(target)}.tmp-${process.pid}-${crypto.randomBytes(4).toString("hex")}`);
  const fd = fs.openSync(tmp, "wx", 0o644);
  try {
    fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, target);
  if (opts.syncDir !== false) fsyncDir(dir);
}

export function removeFile(root: string, rel: string): void {
  const target = safeJoin(root, rel);
  fs.rmSync(target, { force: true });
  if (fs.existsSync(path.dirname(target))) fsyncDir(path.dirname(target));
}

export function sha256(bytes: Buffer): string {
  return crypto.createHash("sha256").update(bytes).digest("hex");
}
