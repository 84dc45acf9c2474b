import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { cacheDir, ours, pruneCache } from "./disk-cache";
import type { SegmentStore } from "@/lib/generate/initrd/cpio";

// The overlays' compressed busybox (cpio.ts: level-9 deflate of 2 MB, 100–180 ms) kept on disk, so
// that a process that publishes once (`afsboot publish`, a dry run) does not compress it again.
// Under $AFSBOOT_DATA_DIR/cache/segments/ (the directory 0700, each file 0600), one file per
// segment, named by its key (cpio.ts, segmentKey: the sha256 of the deflate parameters, zlib's
// version and the input bytes). A file holds a header (magic, its key, the length and sha256 of
// the segment) and the segment's bytes; on reading, all of them are checked, and anything that
// does not match (a truncated or corrupted file, another format, a file another user could have
// written) reads as absent: the segment is compressed again and the file replaced. Written to a
// temporary file and renamed into place: two processes writing the same segment write the same
// bytes, and a reader sees one whole file or none. Only a cache: a directory that cannot be made
// or written costs the compression, never a publication.

const MAGIC = "afsboot-segment 1";
/** Segments kept: busybox, and a few it was before (an upgrade leaves the old one behind). */
const KEEP = 8;

/** The directory the segments of this data directory are kept in. */
export function segmentCacheDir(dataDir?: string): string {
  return cacheDir("segments", dataDir);
}

const header = (key: string, seg: Buffer) => `${MAGIC}\n${key}\n${seg.length}\n${crypto.createHash("sha256").update(seg).digest("hex")}\n`;

/** The segment stored under `key` in `dir`, checked; null if absent or not exactly what was stored. */
function read(dir: string, key: string): Buffer | null {
  let fd: number;
  try {
    fd = fs.openSync(path.join(dir, `${key}.seg`), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || !ours(st, 0o077) || !ours(fs.statSync(dir), 0o022)) return null;
    const bytes = Buffer.alloc(st.size);
    let n = 0;
    while (n < bytes.length) {
      const got = fs.readSync(fd, bytes, n, bytes.length - n, n);
      if (got === 0) return null;
      n += got;
    }
    // header: magic, key, length, sha256 of the segment, each ending in a newline
    let at = 0;
    const fields: string[] = [];
    for (let i = 0; i < 4; i++) {
      const nl = bytes.indexOf(0x0a, at);
      if (nl < 0 || nl - at > 80) return null;
      fields.push(bytes.toString("latin1", at, nl));
      at = nl + 1;
    }
    const seg = bytes.subarray(at);
    return header(key, seg) === `${fields.join("\n")}\n` && fields[0] === MAGIC ? seg : null;
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/** Stores `seg` under `key`, atomically; any failure leaves the cache as it was (and is not an error). */
function write(dir: string, key: string, seg: Buffer) {
  const tmp = path.join(dir, `.${key}.${process.pid}.${crypto.randomBytes(6).toString("hex")}.tmp`);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!ours(fs.statSync(dir), 0o077)) return; // (made by someone else, or opened up since: not ours to fill)
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(header(key, seg), "latin1"), seg]), { mode: 0o600, flag: "wx" });
    fs.renameSync(tmp, path.join(dir, `${key}.seg`));
    pruneCache(dir, ".seg", KEEP);
  } catch {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // (no directory to hold it either)
    }
  }
}

/** The segment store of a data directory (default: AFSBOOT_DATA_DIR's). */
export function diskSegments(dir = segmentCacheDir()): SegmentStore {
  return { get: (key) => read(dir, key), set: (key, seg) => write(dir, key, seg) };
}
