"use server";

import { revalidatePath } from "next/cache";
import { actionActor, actionFailure } from "@/lib/actions";
import type { Actor } from "@/lib/auth/roles";
import { checkEnrollment, enrollHosts } from "@/lib/data/host-bulk";
import { AppError } from "@/lib/errors";
import { MAX_CSV_BYTES, parseHostCsv } from "@/lib/inventory/host-csv";
import { log } from "@/lib/log";
import { problemsFromFields, summarize, type BulkPreview, type BulkResult } from "@/lib/inventory/bulk-result";

// CSV enrollment. Not a plain form (the file is read in the browser and sent as text), so each
// action checks the session and role itself and re-parses and re-checks everything it is sent.


function textOf(csv: unknown): string | { ok: false; error: string } {
  if (typeof csv !== "string") return { ok: false, error: "Send the CSV as text" };
  if (csv.length > MAX_CSV_BYTES) return { ok: false, error: `The file is larger than ${MAX_CSV_BYTES / 1024 / 1024} MB: split it into smaller files` };
  if (csv.trim() === "") return { ok: false, error: "Paste CSV text or choose a .csv file first" };
  return csv;
}

async function check(actor: Actor, text: string, started: number) {
  const parsed = parseHostCsv(text);
  const dbProblems = parsed.rows.length > 0 ? await checkEnrollment(actor, parsed.rows) : [];
  const preview = summarize(parsed.total, parsed.rows, [...parsed.problems, ...dbProblems], Math.round(performance.now() - started));
  return { parsed, preview };
}


/** Parses and checks the CSV against the database. Saves nothing. */
export async function previewCsv(csv: unknown): Promise<BulkResult> {
  const started = performance.now();
  const actor = await actionActor("operator");
  if ("ok" in actor) return actor;
  const text = textOf(csv);
  if (typeof text !== "string") return text;
  try {
    const { preview } = await check(actor, text, started);
    return { ok: true, result: preview };
  } catch (e) {
    return actionFailure(e);
  }
}

/** Re-parses, re-checks and enrolls every row or none. */
export async function enrollCsv(csv: unknown): Promise<BulkResult> {
  const started = performance.now();
  const actor = await actionActor("operator");
  if ("ok" in actor) return actor;
  const text = textOf(csv);
  if (typeof text !== "string") return text;
  let preview: BulkPreview | undefined;
  let lines: number[] = [];
  try {
    const checked = await check(actor, text, started);
    preview = checked.preview;
    lines = checked.parsed.rows.map((r) => r.line);
    if (preview.problemCount > 0) return refused(preview);
    if (preview.valid === 0) return { ok: false, error: "The file has no host rows: nothing to enroll", preview };
    const rows = checked.parsed.rows;
    const created = await enrollHosts(actor, rows.map((r) => r.input));
    revalidatePath("/hosts");
    revalidatePath("/hosts/unknown");
    log.info("hosts enrolled from CSV", { actor: actor.name, count: created.length });
    return {
      ok: true,
      result: { stage: "enrolled", created: created.length, first: created[0]?.name ?? null, last: created.at(-1)?.name ?? null, serverMs: Math.round(performance.now() - started) },
    };
  } catch (e) {
    // something changed between the check and the commit (another enrollment): say where
    if (e instanceof AppError && e.status === 422 && e.fields && preview) {
      const problems = problemsFromFields(e.fields, lines);
      const bad = new Set(problems.map((p) => p.line)).size;
      return refused({ ...preview, valid: preview.valid - bad, problemLines: bad, problemCount: problems.length, problems: problems.sort((a, b) => a.line - b.line) });
    }
    return actionFailure(e);
  }
}

function refused(preview: BulkPreview): BulkResult {
  const n = preview.problemCount;
  return { ok: false, error: `${n} problem${n === 1 ? "" : "s"} in the file: nothing was saved. Fix them and preview again.`, preview };
}
