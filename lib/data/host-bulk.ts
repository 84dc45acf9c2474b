import "server-only";
import { db } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { AppError, invalid, notFound } from "@/lib/errors";
import { csvColumn, problemsFromFields, summarize, type BulkEnrolled, type BulkPreview, type HostBatch, type LineProblem } from "@/lib/inventory/bulk-result";
import type { HostInput, ReleaseRef } from "@/lib/validation/host";
import { authorize } from "./authorize";
import { loadContext, resolveHosts } from "./host-resolve";
import { auditHosts, hostSnapshot, insertHosts, replaceTags } from "./host-rows";
import { hostView, hostsNamed, inputFromView, problemsError } from "./hosts";
import { afterHostChange } from "./boot-reporters";

// Enrolling many hosts (CSV, ranges) and actions on many selected hosts. All-or-nothing: one
// transaction, and a batch with any problem saves nothing. Each action is one audit entry that
// lists its hosts (auditHosts).

const BULK_TX = { timeout: 120_000, maxWait: 10_000 };

/** Database checks of a parsed batch (duplicates, clashes, unknown cells and releases) by line. */
export async function checkEnrollment(actor: Actor, rows: { line: number; input: HostInput }[]): Promise<LineProblem[]> {
  authorize(actor, "operator");
  const { problems } = resolveHosts(await loadContext(db), rows.map((r) => r.input));
  return problems.map((p) => ({
    line: rows[p.row]!.line,
    field: csvColumn(p.field),
    message: p.message.replace(/\(also row (\d+)\)/, (_, n) => `(also line ${rows[Number(n) - 1]!.line})`),
  }));
}

/** Enrolls every row or none. Returns the created hosts. */
export async function enrollHosts(actor: Actor, inputs: HostInput[]) {
  authorize(actor, "operator");
  if (inputs.length === 0) throw invalid("Nothing to enroll");
  return afterHostChange(() =>
    db.$transaction(async (tx) => {
      const { problems, resolved } = resolveHosts(await loadContext(tx), inputs);
      if (problems.length) throw problemsError(problems, inputs.length === 1);
      return insertHosts(tx, actor, resolved);
    }, BULK_TX),
  );
}

export interface BatchOutcome {
  preview: BulkPreview;
  /** every problem (the preview lists the first ones), by line */
  problems: LineProblem[];
  /** null: nothing was saved (not asked to, or a problem) */
  enrolled: BulkEnrolled | null;
}

/**
 * A parsed batch (CSV rows, a range) checked against the database and, with `enroll`, enrolled:
 * every row or none. A batch with problems saves nothing and comes back with them, also those
 * the commit finds when something changed since the check (another enrollment). `started`: when
 * the request began (performance.now()), for the times the pages show.
 */
export async function enrollBatch(actor: Actor, batch: HostBatch, opts: { enroll: boolean; started: number }): Promise<BatchOutcome> {
  authorize(actor, "operator");
  const ms = () => Math.round(performance.now() - opts.started);
  const problems = [...batch.problems, ...(batch.rows.length ? await checkEnrollment(actor, batch.rows) : [])];
  const preview = summarize(batch.total, batch.rows, problems, ms());
  if (!opts.enroll || preview.problemCount > 0 || preview.valid === 0) return { preview, problems, enrolled: null };
  try {
    const created = await enrollHosts(actor, batch.rows.map((r) => r.input));
    return { preview, problems: [], enrolled: { stage: "enrolled", created: created.length, first: created[0]?.name ?? null, last: created.at(-1)?.name ?? null, serverMs: ms() } };
  } catch (e) {
    if (!(e instanceof AppError && e.status === 422 && e.fields)) throw e;
    // changed between the check and the commit: the problems by line again
    const late = problemsFromFields(e.fields, batch.rows.map((r) => r.line)).sort((a, b) => a.line - b.line);
    const bad = new Set(late.map((p) => p.line)).size;
    return { preview: { ...preview, valid: preview.valid - bad, problemLines: bad, problemCount: late.length, problems: late }, problems: late, enrolled: null };
  }
}

async function loadSelected(names: string[]) {
  const unique = [...new Set(names)];
  if (unique.length === 0) throw invalid("Select at least one host");
  const rows = await hostsNamed(db, unique);
  if (rows.length !== unique.length) {
    const found = new Set(rows.map((r) => r.name));
    throw notFound(`Host ${unique.find((n) => !found.has(n))}`);
  }
  return rows.map(hostView);
}

/**
 * Applies `change` to each selected host's settings and saves them all, through the same checks
 * as a single edit. The hosts' revisions are bumped, so editors with stale forms are refused.
 */
async function changeMany(actor: Actor, names: string[], action: string, change: (h: HostInput) => HostInput) {
  authorize(actor, "operator");
  const hosts = await loadSelected(names);
  return db.$transaction(async (tx) => {
    const befores = hosts.map(inputFromView);
    const afters = befores.map((b) => change({ ...b, tags: [...b.tags] }));
    const { problems, resolved } = resolveHosts(await loadContext(tx), afters, hosts.map((h) => h.name));
    if (problems.length) throw problemsError(problems.map((p) => ({ ...p, field: `${hosts[p.row]!.name}.${p.field}` })), true);
    // one UPDATE per distinct result (a bulk action gives every host the same cell/release)
    const groups = new Map<string, { data: { cellId: string; releaseId: string; pinnedVersionId: string | null }; ids: string[] }>();
    resolved.forEach((r, i) => {
      const data = { cellId: r.cellId, releaseId: r.releaseId, pinnedVersionId: r.pinnedVersionId };
      const key = JSON.stringify(data);
      const g = groups.get(key) ?? { data, ids: [] };
      g.ids.push(hosts[i]!.id);
      groups.set(key, g);
    });
    for (const { data, ids } of groups.values()) {
      for (let i = 0; i < ids.length; i += 500) {
        await tx.host.updateMany({ where: { id: { in: ids.slice(i, i + 500) } }, data: { ...data, revision: { increment: 1 } } });
      }
    }
    const tagChanges = hosts.map((h, i) => ({ id: h.id, before: befores[i]!.tags, after: afters[i]!.tags })).filter((t) => t.before.join() !== t.after.join());
    await replaceTags(tx, tagChanges.map((t) => ({ id: t.id, tags: t.after })));
    await auditHosts(tx, actor, action, hosts.map((h, i) => ({ id: h.id, name: h.name, before: hostSnapshot(befores[i]!), after: hostSnapshot(afters[i]!) })));
    return { count: hosts.length };
  }, BULK_TX);
}

export function assignRelease(actor: Actor, names: string[], release: ReleaseRef) {
  return changeMany(actor, names, "host.assign", (h) => ({ ...h, release }));
}

export function changeCell(actor: Actor, names: string[], cell: string) {
  return changeMany(actor, names, "host.cell", (h) => ({ ...h, cell }));
}

export function changeTags(actor: Actor, names: string[], add: string[], remove: string[]) {
  const drop = new Set(remove);
  return changeMany(actor, names, "host.tags", (h) => ({ ...h, tags: [...new Set([...h.tags.filter((t) => !drop.has(t)), ...add])].sort() }));
}

export async function deleteHosts(actor: Actor, names: string[]) {
  authorize(actor, "operator");
  const hosts = await loadSelected(names);
  return afterHostChange(() =>
    db.$transaction(async (tx) => {
      const ids = hosts.map((h) => h.id);
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        await tx.host.updateMany({ where: { id: { in: chunk } }, data: { lastBootId: null } });
        await tx.host.deleteMany({ where: { id: { in: chunk } } });
      }
      await auditHosts(tx, actor, "host.delete", hosts.map((h) => ({ id: h.id, name: h.name, before: hostSnapshot(inputFromView(h), h.bmc.passwordSet) })));
      return { count: hosts.length };
    }, BULK_TX),
  );
}
