import "server-only";
import { redactReportTokens, wholeDiff } from "@/lib/publish/diff";
import { db, isPostgres } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import type { Actor } from "@/lib/auth/roles";
import { exportDir } from "@/lib/env";
import { notFound } from "@/lib/errors";
import type { HookResult } from "@/lib/publish/hooks";
import { listHooks } from "@/lib/publish/hooks";
import type { ValidatorResult } from "@/lib/publish/validate";
import { authorize } from "./authorize";
import { hasLikeWildcard, literalLike } from "./search";

// Reading publications: the history, one publication with its files and diffs, and how many
// changes wait to be published (the badge in the navigation).

export const PUBLICATIONS_PAGE_SIZE = 25;
export const FILES_PAGE_SIZE = 100;

/** Audit targets whose changes alter boot files. */
const BOOT_TARGETS = ["network", "cell", "release", "release-version", "host"];

export interface PublicationRow {
  id: string;
  status: "running" | "succeeded" | "failed" | "dry_run";
  scope: string;
  scopeHosts: string[] | null;
  startedAt: Date;
  finishedAt: Date | null;
  actor: string;
  outDir: string;
  filesChanged: number;
  filesAdded: number;
  filesRemoved: number;
  filesTotal: number;
  /** "ok", "failed" (some hook did not exit 0) or "none" */
  hooks: "ok" | "failed" | "none";
  error: string | null;
  durationMs: number | null;
}

type PubRecord = Awaited<ReturnType<typeof db.publication.findFirstOrThrow>>;

function row(p: PubRecord): PublicationRow {
  const hooks = (p.hooks as HookResult[] | null) ?? [];
  return {
    id: p.id,
    status: p.status,
    scope: p.scope,
    scopeHosts: (p.scopeHosts as string[] | null) ?? null,
    startedAt: p.startedAt,
    finishedAt: p.finishedAt,
    actor: `${p.actorName}${p.actorType === "user" ? "" : ` (${p.actorType})`}`,
    outDir: p.outDir,
    filesChanged: p.filesChanged,
    filesAdded: p.filesAdded,
    filesRemoved: p.filesRemoved,
    filesTotal: p.filesTotal,
    hooks: hooks.length === 0 ? "none" : hooks.every((h) => h.status === "ok") ? "ok" : "failed",
    error: p.error,
    durationMs: p.finishedAt ? p.finishedAt.getTime() - p.startedAt.getTime() : null,
  };
}

export async function listPublications(actor: Actor, opts: { page?: number; status?: "succeeded" | "failed" } = {}) {
  authorize(actor, "viewer");
  const page = Math.max(1, opts.page ?? 1);
  // dry runs are previews, kept a while to be paged through (lib/data/publish-record.ts), not history
  const where = { status: opts.status ?? { not: "dry_run" as const } };
  const [total, rows] = await db.$transaction([
    db.publication.count({ where }),
    db.publication.findMany({ where, orderBy: { startedAt: "desc" }, skip: (page - 1) * PUBLICATIONS_PAGE_SIZE, take: PUBLICATIONS_PAGE_SIZE }),
  ]);
  return { total, page, pageSize: PUBLICATIONS_PAGE_SIZE, rows: rows.map(row) };
}

export interface FileFilter {
  page?: number;
  change?: "added" | "changed" | "removed";
  /** a part of the path or of the host's name; a MAC with colons finds the files named by it */
  q?: string;
}

type FileRow = { path: string; kind: string; sha256: string; size: number; change: "added" | "changed" | "removed" | "unchanged"; diff: string | null; host: string | null; diffWholeSize: number | null };
const FILE_SELECT = { path: true, kind: true, sha256: true, size: true, change: true, diff: true, host: true, diffWholeSize: true } as const;

/**
 * One page of a publication's files, and how many match: by change, and by a text in the path or
 * the host's name (a MAC typed with colons finds the files named with dashes). Searches are
 * literal and ignore case on both databases; with a LIKE wildcard in the text (`_`, `%`) the
 * match runs as an escaped LIKE in SQL, paged there too.
 */
async function filePage(id: string, opts: FileFilter, page: number): Promise<{ total: number; rows: FileRow[] }> {
  const text = opts.q?.trim().toLowerCase();
  const texts = text ? [...new Set([text, text.replace(/:/g, "-")])] : [];
  const skip = (page - 1) * FILES_PAGE_SIZE;
  if (!texts.some(hasLikeWildcard)) {
    const mode = isPostgres() ? { mode: "insensitive" as const } : {};
    const where: Prisma.PublicationFileWhereInput = {
      publicationId: id,
      ...(opts.change ? { change: opts.change } : {}),
      ...(texts.length ? { OR: texts.flatMap((t) => [{ path: { contains: t, ...mode } }, { host: { contains: t, ...mode } }]) } : {}),
    };
    const [total, rows] = await db.$transaction([db.publicationFile.count({ where }), db.publicationFile.findMany({ where, orderBy: { path: "asc" }, skip, take: FILES_PAGE_SIZE, select: FILE_SELECT })]);
    return { total, rows };
  }
  const conds = texts.flatMap((t) => [literalLike({ column: `LOWER("path")`, mode: "contains" }, t), literalLike({ column: `LOWER(COALESCE("host", ''))`, mode: "contains" }, t)]);
  const where = Prisma.sql`"publicationId" = ${id}${opts.change ? Prisma.sql` AND CAST("change" AS TEXT) = ${opts.change}` : Prisma.empty} AND (${Prisma.join(conds, " OR ")})`;
  const [count] = await db.$queryRaw<{ n: bigint | number }[]>`SELECT COUNT(*) AS "n" FROM "PublicationFile" WHERE ${where}`;
  const ids = await db.$queryRaw<{ id: string }[]>`SELECT "id" FROM "PublicationFile" WHERE ${where} ORDER BY "path" LIMIT ${FILES_PAGE_SIZE} OFFSET ${skip}`;
  const rows = await db.publicationFile.findMany({ where: { id: { in: ids.map((r) => r.id) } }, orderBy: { path: "asc" }, select: FILE_SELECT });
  return { total: Number(count?.n ?? 0), rows };
}

export async function getPublication(actor: Actor, id: string, opts: FileFilter = {}) {
  authorize(actor, "viewer");
  const p = await db.publication.findUnique({ where: { id } });
  if (!p) throw notFound(`no publication ${id}`);
  const page = Math.max(1, opts.page ?? 1);
  const { total, rows } = await filePage(id, opts, page);
  // a host deleted since is named, not linked
  const names = [...new Set(rows.flatMap((f) => (f.host ? [f.host] : [])))];
  const existing = new Set((await db.host.findMany({ where: { name: { in: names } }, select: { name: true } })).map((h) => h.name));
  return {
    ...row(p),
    validation: (p.validation as ValidatorResult[] | null) ?? [],
    hookResults: (p.hooks as HookResult[] | null) ?? [],
    timings: (p.timings as Record<string, number> | null) ?? {},
    files: {
      total,
      page,
      pageSize: FILES_PAGE_SIZE,
      // diffs stored before tokens were redacted on write are redacted on the way out
      rows: rows.map(({ diffWholeSize, ...f }) => ({
        ...f,
        diff: f.diff === null ? null : redactReportTokens(f.diff),
        wholeDiff: diffWholeSize !== null,
        wholeDiffSize: diffWholeSize,
        hostExists: f.host !== null && existing.has(f.host),
      })),
    },
  };
}

/** One file's whole diff (kept compressed when the shown one was cut), as text. */
export async function getWholeDiff(actor: Actor, id: string, path: string): Promise<string> {
  authorize(actor, "viewer");
  const f = await db.publicationFile.findUnique({ where: { publicationId_path: { publicationId: id, path } }, select: { diff: true, diffGzip: true } });
  if (!f) throw notFound(`publication ${id} changed no file ${path}`);
  if (f.diffGzip) return wholeDiff(f.diffGzip);
  if (f.diff === null) throw notFound(`no diff was kept of ${path} in publication ${id}`);
  return redactReportTokens(f.diff);
}

/**
 * Changes not yet published to the console's export directory: audit entries on networks, cells,
 * releases, versions and hosts since the last successful full publication there. A publication
 * of single hosts does not count as publishing the rest, so it leaves the number as it is; the
 * Publish page's preview shows the exact files.
 */
export async function pendingChanges(actor: Actor): Promise<{ count: number; lastPublishedAt: Date | null; neverPublished: boolean }> {
  authorize(actor, "viewer");
  const last = await db.publication.findFirst({ where: { outDir: exportDir(), status: "succeeded", scope: "full" }, orderBy: { startedAt: "desc" }, select: { startedAt: true } });
  const count = await db.auditEntry.count({ where: { targetType: { in: BOOT_TARGETS }, ...(last ? { at: { gt: last.startedAt } } : {}) } });
  return { count, lastPublishedAt: last?.startedAt ?? null, neverPublished: !last };
}

/** What the Publish page shows beside the button: where files go and which hooks run after. */
export function publishSettings(actor: Actor) {
  authorize(actor, "viewer");
  return { exportDir: exportDir(), hooks: listHooks() };
}
