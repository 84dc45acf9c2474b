import type { ActionFailure } from "@/lib/action-state";
import type { z } from "zod";
import type { HostInput } from "@/lib/validation/host";

// Enrolling many hosts at once (CSV import, ranges): the batch, and what the server actions send
// back to the browser. Pure and shared by server and client: counts, a capped list of problems
// and the first rows to create.

export interface LineProblem {
  line: number;
  field: string;
  message: string;
}

/** Hosts to enroll together, as parsed from a CSV file or a range: the rows that parsed (with their line) and the problems of the others. */
export interface HostBatch {
  /** data rows in the input */
  total: number;
  rows: { line: number; input: HostInput }[];
  problems: LineProblem[];
}

/** At most this many problems travel to the browser; the counts are always complete. */
export const MAX_PROBLEMS_SHOWN = 500;
/** How many of the rows that will be created the preview shows. */
export const SAMPLE_ROWS = 10;

export interface PreviewRow {
  line: number;
  name: string;
  mac: string;
  ip: string;
  cell: string;
  release: string;
  tags: string[];
}

export interface BulkPreview {
  stage: "preview";
  /** Data rows in the input (header excluded). */
  total: number;
  /** Rows without any problem: what would be created once the others are fixed. */
  valid: number;
  /** Distinct lines with at least one problem (line 0 and header problems count as one). */
  problemLines: number;
  problemCount: number;
  /** Sorted by line, capped at MAX_PROBLEMS_SHOWN. */
  problems: LineProblem[];
  sample: PreviewRow[];
  serverMs: number;
}

export interface BulkEnrolled {
  stage: "enrolled";
  created: number;
  first: string | null;
  last: string | null;
  serverMs: number;
}

/** Result of a bulk action: `error` is a sentence for the whole attempt (nothing was saved). */
export type BulkResult = { ok: true; result: BulkPreview | BulkEnrolled } | (ActionFailure & { preview?: BulkPreview });

/** The CSV column of a host input's field (`name` is the hostname column, `secureBoot` the secureboot one). */
export const csvColumn = (field: string) =>
  field === "name" ? "hostname" : field === "secureBoot" ? "secureboot" : field.startsWith("bmc.") ? `bmc_${field.slice(4)}` : field;

/** A row's validation issues as problems on its line: the first of each field, by its column. */
export function rowProblems(line: number, error: z.ZodError): LineProblem[] {
  const byField = new Map<string, LineProblem>();
  for (const issue of error.issues) {
    const field = csvColumn(issue.path[0] === "bmc" ? issue.path.slice(0, 2).join(".") : String(issue.path[0]));
    if (!byField.has(field)) byField.set(field, { line, field, message: issue.message });
  }
  return [...byField.values()];
}

export function previewRow(line: number, input: HostInput): PreviewRow {
  const release = input.release.version ? `${input.release.release}@${input.release.version}` : input.release.release;
  return { line, name: input.name, mac: input.mac, ip: input.ip, cell: input.cell, release, tags: input.tags };
}

/** Counts and sample of a checked batch: `rows` parsed fine, `problems` from parsing and checks. */
export function summarize(
  total: number,
  rows: { line: number; input: HostInput }[],
  problems: LineProblem[],
  serverMs: number,
  sampleSize = SAMPLE_ROWS,
): BulkPreview {
  const sorted = [...problems].sort((a, b) => a.line - b.line);
  const bad = new Set(sorted.map((p) => p.line));
  const valid = rows.filter((r) => !bad.has(r.line));
  return {
    stage: "preview",
    total,
    valid: valid.length,
    problemLines: bad.size,
    problemCount: sorted.length,
    problems: sorted.slice(0, MAX_PROBLEMS_SHOWN),
    sample: valid.slice(0, sampleSize).map((r) => previewRow(r.line, r.input)),
    serverMs,
  };
}

/**
 * enrollHosts refuses a batch with fields keyed "row.field" (row = index in the batch) when
 * something changed between the check and the commit: back to line numbers.
 */
export function problemsFromFields(fields: Record<string, string> | undefined, lines: number[]): LineProblem[] {
  return Object.entries(fields ?? {}).map(([key, message]) => {
    const m = /^(\d+)\.(.+)$/.exec(key);
    const line = m ? (lines[Number(m[1])] ?? 0) : 0;
    const field = m ? csvColumn(m[2]!) : key || "batch";
    return { line, field, message };
  });
}
