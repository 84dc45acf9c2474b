import { generateOverlay } from "@/lib/generate/initrd/overlay";
import type { SnapCell, SnapVersion } from "@/lib/generate/snapshot";
import { diskSegments } from "./segment-cache";

// generateOverlay is pure: the same version, cell and busybox give the same bytes. A console that
// publishes wave after wave of a rollout builds each (version, cell)'s overlay once (~6 ms and
// ~1 MB of gzip each) instead of once per publication. Keyed by the busybox buffer (the same
// object while the file is unchanged: file-cache.ts) and by the values the overlay is made of.
// Busybox's compressed segment is also kept on disk (segment-cache.ts), for the next process: a
// CLI command builds its overlays once and exits.

type Built = ReturnType<typeof generateOverlay>;

/** A few versions × cells: the pairs a fleet boots during a rollout, and those it just left. */
const MAX = 32;
const cache = new WeakMap<Buffer, Map<string, Built>>();

export function cachedOverlay(version: SnapVersion, cell: SnapCell, opts: { busybox: Buffer }): Built {
  let byKey = cache.get(opts.busybox);
  if (!byKey) cache.set(opts.busybox, (byKey = new Map()));
  const key = JSON.stringify([version, cell]);
  let built = byKey.get(key);
  if (built) {
    byKey.delete(key); // most recently used last
  } else {
    built = generateOverlay(version, cell, { busybox: opts.busybox, segments: diskSegments() });
    if (byKey.size >= MAX) byKey.delete(byKey.keys().next().value!);
  }
  byKey.set(key, built);
  return built;
}
