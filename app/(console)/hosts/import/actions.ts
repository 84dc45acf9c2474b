"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { inputAction } from "@/lib/actions";
import { enrollBatch } from "@/lib/data/host-bulk";
import type { BulkPreview, BulkResult } from "@/lib/inventory/bulk-result";
import { MAX_CSV_BYTES, parseHostCsv } from "@/lib/inventory/host-csv";
import { log } from "@/lib/log";

// CSV enrollment. Not a plain form: the file is read in the browser and sent as text, which is
// parsed and checked again here, row by row and against the database.

const csvText = z
  .string({ error: "Send the CSV as text" })
  .max(MAX_CSV_BYTES, `The file is larger than ${MAX_CSV_BYTES / 1024 / 1024} MB: split it into smaller files`)
  .refine((csv) => csv.trim() !== "", "Paste CSV text or choose a .csv file first");

/** Parses and checks the CSV against the database. Saves nothing. */
export const previewCsv = inputAction({ role: "operator", schema: csvText }, async (actor, csv): Promise<BulkResult> => {
  const { preview } = await enrollBatch(actor, parseHostCsv(csv), { enroll: false, started: performance.now() });
  return { ok: true, result: preview };
});

/** Re-parses, re-checks and enrolls every row or none. */
export const enrollCsv = inputAction({ role: "operator", schema: csvText }, async (actor, csv): Promise<BulkResult> => {
  const { preview, enrolled } = await enrollBatch(actor, parseHostCsv(csv), { enroll: true, started: performance.now() });
  if (!enrolled) return preview.problemCount > 0 ? refused(preview) : { ok: false, error: "The file has no host rows: nothing to enroll", preview };
  revalidatePath("/hosts");
  revalidatePath("/hosts/unknown");
  log.info("hosts enrolled from CSV", { actor: actor.name, count: enrolled.created });
  return { ok: true, result: enrolled };
});

function refused(preview: BulkPreview): BulkResult {
  const n = preview.problemCount;
  return { ok: false, error: `${n} problem${n === 1 ? "" : "s"} in the file: nothing was saved. Fix them and preview again.`, preview };
}
