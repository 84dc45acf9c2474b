import type { PublishResult } from "@/lib/data/publish";
import type { ValidatorResult } from "@/lib/publish/validate";

// What the Publish page's preview shows of a dry run: the counts, the validators' verdicts and
// the first files with their diffs. Bounded, because it travels to the browser as the server
// action's result: a dry run of a new fleet changes tens of thousands of files. All of them are
// on the dry run's own page (it is kept: lib/data/publish-record.ts), paged and filtered.

/** Files listed in the preview; the publication itself keeps every one. */
export const PREVIEW_FILES = 200;
/** Diff text sent with the preview, in all; files past it are listed without their diff. */
const PREVIEW_DIFF_BYTES = 2 * 1024 * 1024;
const PREVIEW_SKIPPED = 20;

export type ChangeKind = "added" | "changed" | "removed";

export interface ChangedFile {
  path: string;
  /** ("unchanged" is in the database's enum; publications record changed files only) */
  change: ChangeKind | "unchanged";
  kind: string;
  sha256: string;
  /** size in bytes, when known (recorded publications) */
  size?: number;
  /** unified diff, a one-line summary, or null (not kept, or left out of the preview) */
  diff: string | null;
  /** the host a per-host file (named by its MAC) belongs to */
  host?: string | null;
  /** the whole diff can be downloaded (the shown one was cut), and its size */
  wholeDiff?: boolean;
  wholeDiffSize?: number | null;
  /** false: the host was deleted since (named, not linked) */
  hostExists?: boolean;
}

export interface ChangeCounts {
  added: number;
  changed: number;
  removed: number;
}

export interface Preview {
  /** the dry run, kept a while: its page lists every file, with a filter */
  publicationId: string | null;
  total: number;
  counts: ChangeCounts;
  unchanged: number;
  files: ChangedFile[];
  validation: ValidatorResult[];
  skipped: { host: string; reason: string }[];
  skippedTotal: number;
  timings: Record<string, number>;
}

export function toPreview(r: PublishResult): Preview {
  let budget = PREVIEW_DIFF_BYTES;
  const files = r.changes.slice(0, PREVIEW_FILES).map((c): ChangedFile => {
    const diff = c.diff ?? null;
    const fits = diff !== null && diff.length <= budget;
    if (fits) budget -= diff.length;
    return {
      path: c.path,
      change: c.change,
      kind: c.kind,
      sha256: c.sha256,
      diff: fits ? diff : null,
      host: c.host ?? null,
      wholeDiff: fits && !!c.diffGzip,
      wholeDiffSize: fits ? (c.diffWholeSize ?? null) : null,
    };
  });
  const count = (change: ChangeKind) => r.changes.filter((c) => c.change === change).length;
  return {
    publicationId: r.publicationId,
    total: r.changes.length,
    counts: { added: count("added"), changed: count("changed"), removed: count("removed") },
    unchanged: r.unchanged,
    files,
    validation: r.validation,
    skipped: r.skipped.slice(0, PREVIEW_SKIPPED),
    skippedTotal: r.skipped.length,
    timings: r.timings,
  };
}
