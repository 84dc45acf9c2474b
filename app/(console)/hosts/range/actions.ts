"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { inputAction } from "@/lib/actions";
import { enrollBatch } from "@/lib/data/host-bulk";
import { rowProblems, type HostBatch } from "@/lib/inventory/bulk-result";
import { expandHostRange, ipSequence, splitList } from "@/lib/inventory/range";
import { rangeRows, type RangePreview, type RangeResult } from "@/lib/inventory/range-result";
import { log } from "@/lib/log";
import { dnsName, ipv4, text } from "@/lib/validation/common";
import { hostInput, releaseRef, tags } from "@/lib/validation/host";

// Range enrollment: node[001-120] + a starting IP + one pasted MAC per name. The browser sends the
// form as an object; everything is validated again here, row by row and against the database.

const rangeInput = z.object({
  pattern: text("Hostname pattern", 100),
  startIp: ipv4("Starting IP"),
  macs: z.string({ error: "Paste one MAC per hostname" }).max(400_000, "The MAC list is too long"),
  cell: dnsName("Cell"),
  release: z.string({ error: "Release is required" }).pipe(releaseRef),
  tags: z.preprocess((v) => v ?? "", tags),
});
type RangeInput = z.output<typeof rangeInput>;

/** What a range's hosts differ in; the rest (cell, release, tags) is the form's, checked once. */
const ownFields = hostInput.pick({ name: true, mac: true, ip: true });

type Generated = { name: string; mac: string; ip: string }[];
type Built = (HostBatch & { ok: true; generated: Generated }) | { ok: false; error: string; fieldErrors: Record<string, string> };

const correct = (fieldErrors: Record<string, string>) => ({ ok: false as const, error: "Please correct the highlighted fields", fieldErrors });

/** The range's hosts: names from the pattern, one pasted MAC each, consecutive IPs. */
function build(form: RangeInput): Built {
  const names = expandHostRange(form.pattern);
  if (!names.ok) return correct({ pattern: `Hostname pattern: ${names.reason}` });
  const count = names.names.length;
  const macs = splitList(form.macs);
  if (macs.length !== count) {
    const what = `${names.names[0]} … ${names.names[count - 1]}`;
    const message =
      macs.length === 0
        ? `Paste ${count} MACs, one per hostname (${what}), in the same order`
        : `${macs.length} MAC${macs.length === 1 ? "" : "s"} for ${count} hostnames (${what}): paste exactly one MAC per hostname, in the same order`;
    return { ok: false, error: `The number of MACs (${macs.length}) must match the number of hostnames (${count})`, fieldErrors: { macs: message } };
  }
  const ips = ipSequence(form.startIp, count);
  if (!ips.ok) return correct({ startIp: `Starting IP: ${ips.reason}` });
  const generated = names.names.map((name, i) => ({ name, mac: macs[i]!, ip: ips.ips[i]! }));
  const batch: HostBatch = { total: count, rows: [], problems: [] };
  generated.forEach((g, i) => {
    const own = ownFields.safeParse(g);
    if (!own.success) {
      batch.problems.push(...rowProblems(i + 1, own.error));
      return;
    }
    batch.rows.push({ line: i + 1, input: { ...own.data, cell: form.cell, release: form.release, tags: form.tags, notes: "" } });
    g.mac = own.data.mac; // shown normalized
  });
  return { ok: true, generated, ...batch };
}

const refused = (preview: RangePreview): RangeResult => ({
  ok: false,
  error: `${preview.problemCount} problem${preview.problemCount === 1 ? "" : "s"} in the range: nothing was saved. Fix them and preview again.`,
  preview,
});

/** Generates the hosts and checks them. Saves nothing. */
export const previewRange = inputAction({ role: "operator", schema: rangeInput }, async (actor, form): Promise<RangeResult> => {
  const started = performance.now();
  const built = build(form);
  if (!built.ok) return built;
  const { preview, problems } = await enrollBatch(actor, built, { enroll: false, started });
  return { ok: true, result: { ...preview, hosts: rangeRows(built.generated, problems) } };
});

/** Regenerates, re-checks and enrolls every host of the range or none. */
export const enrollRange = inputAction({ role: "operator", schema: rangeInput }, async (actor, form): Promise<RangeResult> => {
  const started = performance.now();
  const built = build(form);
  if (!built.ok) return built;
  const { preview, problems, enrolled } = await enrollBatch(actor, built, { enroll: true, started });
  if (!enrolled) return refused({ ...preview, hosts: rangeRows(built.generated, problems) });
  revalidatePath("/hosts");
  revalidatePath("/hosts/unknown");
  log.info("hosts enrolled from a range", { actor: actor.name, count: enrolled.created });
  return { ok: true, result: enrolled };
});
