import type { ActionFailure } from "@/lib/action-state";
import type { BulkEnrolled, BulkPreview, LineProblem } from "./bulk-result";

// What the range-enrollment actions send back: the generated hosts with their problems.

/** The generated hosts the preview table shows (the rest are counted, not listed). */
export const MAX_RANGE_ROWS_SHOWN = 500;

export interface RangeFormValues {
  pattern: string;
  startIp: string;
  macs: string;
  cell: string;
  release: string;
  tags: string;
}

export interface RangeRow {
  row: number;
  name: string;
  mac: string;
  ip: string;
  problems: { field: string; message: string }[];
}

export interface RangePreview extends BulkPreview {
  hosts: RangeRow[];
}

export type RangeResult = { ok: true; result: RangePreview | BulkEnrolled } | (ActionFailure & { preview?: RangePreview });

export function rangeRows(generated: { name: string; mac: string; ip: string }[], problems: LineProblem[]): RangeRow[] {
  const byRow = new Map<number, RangeRow["problems"]>();
  for (const p of problems) byRow.set(p.line, [...(byRow.get(p.line) ?? []), { field: p.field, message: p.message }]);
  return generated.slice(0, MAX_RANGE_ROWS_SHOWN).map((g, i) => ({ row: i + 1, ...g, problems: byRow.get(i + 1) ?? [] }));
}
