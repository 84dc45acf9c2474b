"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { actionActor, actionFailure } from "@/lib/actions";
import type { Actor } from "@/lib/auth/roles";
import { checkEnrollment, enrollHosts } from "@/lib/data/host-bulk";
import { AppError } from "@/lib/errors";
import { expandHostRange, ipSequence, splitList } from "@/lib/inventory/range";
import { log } from "@/lib/log";
import { dnsName, fieldErrors, ipv4, text } from "@/lib/validation/common";
import { hostInput, releaseRef, tags, type HostInput } from "@/lib/validation/host";
import { problemsFromFields, summarize, type LineProblem } from "@/lib/inventory/bulk-result";
import { rangeRows, type RangeFormValues, type RangePreview, type RangeResult } from "@/lib/inventory/range-result";

// Range enrollment: node[001-120] + a starting IP + one pasted MAC per name. The browser sends the
// form as an object; everything is validated again here, row by row and against the database.

const raw = z.object({
  pattern: text("Hostname pattern", 100),
  startIp: ipv4("Starting IP"),
  macs: z.string({ error: "Paste one MAC per hostname" }).max(400_000, "The MAC list is too long"),
  cell: dnsName("Cell"),
  release: z.string({ error: "Release is required" }).pipe(releaseRef),
  tags: z.preprocess((v) => v ?? "", tags),
});

type Built =
  | { ok: false; error: string; fieldErrors: Record<string, string> }
  | { ok: true; generated: { name: string; mac: string; ip: string }[]; rows: { line: number; input: HostInput }[]; problems: LineProblem[] };

const FIELD_OF: Record<string, string> = { name: "hostname" };

function build(input: unknown): Built {
  const parsed = raw.safeParse(input);
  if (!parsed.success) return { ok: false, error: "Please correct the highlighted fields", fieldErrors: fieldErrors(parsed.error) };
  const form = input as RangeFormValues; // validated above: the strings the rows are built from
  const names = expandHostRange(parsed.data.pattern);
  if (!names.ok) return { ok: false, error: "Please correct the highlighted fields", fieldErrors: { pattern: `Hostname pattern: ${names.reason}` } };
  const count = names.names.length;
  const macs = splitList(parsed.data.macs);
  if (macs.length !== count) {
    const what = `${names.names[0]} … ${names.names[count - 1]}`;
    const message =
      macs.length === 0
        ? `Paste ${count} MACs, one per hostname (${what}), in the same order`
        : `${macs.length} MAC${macs.length === 1 ? "" : "s"} for ${count} hostnames (${what}): paste exactly one MAC per hostname, in the same order`;
    return { ok: false, error: `The number of MACs (${macs.length}) must match the number of hostnames (${count})`, fieldErrors: { macs: message } };
  }
  const ips = ipSequence(parsed.data.startIp, count);
  if (!ips.ok) return { ok: false, error: "Please correct the highlighted fields", fieldErrors: { startIp: `Starting IP: ${ips.reason}` } };
  const generated = names.names.map((name, i) => ({ name, mac: macs[i]!, ip: ips.ips[i]! }));
  const rows: { line: number; input: HostInput }[] = [];
  const problems: LineProblem[] = [];
  generated.forEach((g, i) => {
    const result = hostInput.safeParse({ ...g, cell: form.cell, release: form.release, tags: form.tags ?? "" });
    if (result.success) {
      rows.push({ line: i + 1, input: result.data });
      g.mac = result.data.mac; // shown normalized
      return;
    }
    const seen = new Set<string>();
    for (const issue of result.error.issues) {
      const field = FIELD_OF[String(issue.path[0])] ?? String(issue.path[0]);
      if (!seen.has(field)) problems.push({ line: i + 1, field, message: issue.message });
      seen.add(field);
    }
  });
  return { ok: true, generated, rows, problems };
}


async function check(actor: Actor, built: Extract<Built, { ok: true }>, started: number): Promise<RangePreview> {
  const dbProblems = built.rows.length ? await checkEnrollment(actor, built.rows) : [];
  const problems = [...built.problems, ...dbProblems];
  const preview = summarize(built.generated.length, built.rows, problems, Math.round(performance.now() - started));
  return { ...preview, hosts: rangeRows(built.generated, problems) };
}


const refused = (preview: RangePreview): RangeResult => ({
  ok: false,
  error: `${preview.problemCount} problem${preview.problemCount === 1 ? "" : "s"} in the range: nothing was saved. Fix them and preview again.`,
  preview,
});

/** Generates the hosts and checks them. Saves nothing. */
export async function previewRange(input: unknown): Promise<RangeResult> {
  const started = performance.now();
  const actor = await actionActor("operator");
  if ("ok" in actor) return actor;
  const built = build(input);
  if (!built.ok) return built;
  try {
    return { ok: true, result: await check(actor, built, started) };
  } catch (e) {
    return actionFailure(e);
  }
}

/** Regenerates, re-checks and enrolls every host of the range or none. */
export async function enrollRange(input: unknown): Promise<RangeResult> {
  const started = performance.now();
  const actor = await actionActor("operator");
  if ("ok" in actor) return actor;
  const built = build(input);
  if (!built.ok) return built;
  let preview: RangePreview | undefined;
  try {
    preview = await check(actor, built, started);
    if (preview.problemCount > 0) return refused(preview);
    const created = await enrollHosts(actor, built.rows.map((r) => r.input));
    revalidatePath("/hosts");
    revalidatePath("/hosts/unknown");
    log.info("hosts enrolled from a range", { actor: actor.name, count: created.length });
    const serverMs = Math.round(performance.now() - started);
    return { ok: true, result: { stage: "enrolled", created: created.length, first: created[0]?.name ?? null, last: created.at(-1)?.name ?? null, serverMs } };
  } catch (e) {
    if (e instanceof AppError && e.status === 422 && e.fields && preview) {
      const problems = problemsFromFields(e.fields, built.rows.map((r) => r.line)).sort((a, b) => a.line - b.line);
      const bad = new Set(problems.map((p) => p.line)).size;
      return refused({ ...preview, valid: preview.valid - bad, problemLines: bad, problemCount: problems.length, problems, hosts: rangeRows(built.generated, problems) });
    }
    return actionFailure(e);
  }
}
