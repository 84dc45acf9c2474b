import fs from "node:fs";
import path from "node:path";
import { env } from "@/lib/env";

// What the caches this console keeps on disk share (segment-cache.ts: the overlays' compressed
// busybox; file-cache.ts: the images' digests): a directory of their own under
// $AFSBOOT_DATA_DIR/cache/, 0700, whose files (0600) are only trusted while this user owns them and
// nobody else may write them, and a bound on how many files each keeps.

/** The directory a cache named `name` keeps its files in. */
export function cacheDir(name: string, dataDir = env().AFSBOOT_DATA_DIR): string {
  return path.resolve(/*turbopackIgnore: true*/ dataDir, "cache", name);
}

/** Owned by this user, and none of the `mask` bits set (0o022: nobody else may write it; 0o077: nor read it). */
export function ours(st: fs.Stats, mask: number): boolean {
  return st.uid === process.getuid?.() && (st.mode & mask) === 0;
}

/** Keeps the `keep` newest files of `dir` ending in `suffix` (and removes temporary files of writers that died, once an hour old). */
export function pruneCache(dir: string, suffix: string, keep: number, names = fs.readdirSync(dir)) {
  const now = Date.now();
  const kept: { file: string; mtime: number }[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (!st) continue;
    if (name.endsWith(suffix)) kept.push({ file, mtime: st.mtimeMs });
    else if (name.endsWith(".tmp") && now - st.mtimeMs > 3_600_000) fs.rmSync(file, { force: true });
  }
  kept.sort((a, b) => b.mtime - a.mtime);
  for (const k of kept.slice(keep)) fs.rmSync(k.file, { force: true });
}
