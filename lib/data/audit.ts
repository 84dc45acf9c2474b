import "server-only";
import { db, type Tx } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { Prisma } from "@/lib/generated/prisma/client";
import type { AuditQuery } from "@/lib/validation/audit";
import { authorize, pageArgs, type Paged } from "./authorize";
import { sqlDate } from "./bulk-insert";
import { literalLike } from "./search";

export interface AuditTarget {
  type: string;
  id?: string | null;
  name?: string | null;
}

/** Records one change and returns the entry's id. Call it inside the transaction that makes the change. */
export async function recordAudit(
  tx: Tx,
  actor: Actor,
  action: string,
  target: AuditTarget,
  before?: unknown,
  after?: unknown,
): Promise<string> {
  const { id } = await tx.auditEntry.create({
    data: {
      actorType: actor.type,
      actorId: actor.id,
      actorName: actor.name,
      action,
      targetType: target.type,
      targetId: target.id ?? null,
      targetName: target.name ?? null,
      before: before === undefined ? undefined : (JSON.parse(JSON.stringify(before)) as Prisma.InputJsonValue),
      after: after === undefined ? undefined : (JSON.parse(JSON.stringify(after)) as Prisma.InputJsonValue),
    },
    select: { id: true },
  });
  return id;
}

// ------------------------------------------------------------------ reading

/** How many hosts of an action on many hosts a list shows by name (the rest are counted). */
export const AUDIT_HOSTS_SHOWN = 20;

type EntryWithHosts = Prisma.AuditEntryGetPayload<{ include: { _count: { select: { hosts: true } }; hosts: { select: { hostName: true } } } }>;

export interface AuditRow {
  id: string;
  at: Date;
  actorType: string;
  actorName: string;
  action: string;
  targetType: string;
  targetName: string | null;
  before: unknown;
  after: unknown;
  /** an action on many hosts: how many, and the first names (before/after keep only theirs) */
  hosts: { count: number; shown: string[] } | null;
}

/** Of an entry's `{ hosts: { name: … } }` side, only the named hosts. */
function pickHosts(side: unknown, names: string[]): unknown {
  const all = (side as { hosts?: Record<string, unknown> } | null)?.hosts;
  return all ? { hosts: Object.fromEntries(names.filter((n) => n in all).map((n) => [n, all[n]])) } : side;
}

const ENTRY_HOSTS = { _count: { select: { hosts: true } }, hosts: { select: { hostName: true }, orderBy: { hostName: "asc" }, take: AUDIT_HOSTS_SHOWN } } as const;

function toRow({ _count, hosts, before, after, targetId: _id, actorId: _actor, ...e }: EntryWithHosts): AuditRow {
  if (_count.hosts === 0) return { ...e, before, after, hosts: null };
  const shown = hosts.map((h) => h.hostName);
  return { ...e, before: pickHosts(before, shown), after: pickHosts(after, shown), hosts: { count: _count.hosts, shown } };
}

/**
 * The WHERE of an audit query (entries `e`), as SQL: Prisma's `contains` would read "_" and "%"
 * as LIKE wildcards, so text matches are escaped LIKEs (lib/data/search.ts). "object" and the
 * search also find an action on many hosts by one of its hosts.
 */
function auditWhere(query: AuditQuery): Prisma.Sql {
  const hostNamed = (q: string) => Prisma.sql`EXISTS (SELECT 1 FROM "AuditHost" h WHERE h."entryId" = e."id" AND ${literalLike({ column: `h."hostName"`, mode: "contains" }, q)})`;
  const contains = (column: string, q: string) => literalLike({ column, mode: "contains" }, q);
  const and: Prisma.Sql[] = [];
  if (query.user) and.push(Prisma.sql`e."actorName" = ${query.user}`);
  if (query.action) and.push(Prisma.sql`e."action" = ${query.action}`);
  if (query.type) and.push(Prisma.sql`e."targetType" = ${query.type}`);
  if (query.object) and.push(Prisma.sql`(${contains(`e."targetName"`, query.object)} OR ${hostNamed(query.object)})`);
  if (query.q) {
    const q = query.q;
    and.push(Prisma.sql`(${contains(`e."action"`, q)} OR ${contains(`e."actorName"`, q)} OR ${contains(`e."targetName"`, q)} OR ${hostNamed(q)})`);
  }
  if (query.from) and.push(Prisma.sql`e."at" >= ${sqlDate(query.from)}`);
  if (query.to) and.push(Prisma.sql`e."at" < ${sqlDate(query.to)}`);
  return and.length ? Prisma.sql`WHERE ${Prisma.join(and, " AND ")}` : Prisma.empty;
}

/** The audit log, newest first, filtered by user, action, object (type and name) and time. */
export async function listAudit(actor: Actor, query: AuditQuery): Promise<Paged<AuditRow>> {
  authorize(actor, "viewer");
  const { page, skip, take } = pageArgs(query.page);
  const where = auditWhere(query);
  const [ids, [{ n }]] = await Promise.all([
    db.$queryRaw<{ id: string }[]>`SELECT e."id" FROM "AuditEntry" e ${where} ORDER BY e."at" DESC, e."id" DESC LIMIT ${take} OFFSET ${skip}`,
    db.$queryRaw<[{ n: number | bigint }]>`SELECT COUNT(*) AS "n" FROM "AuditEntry" e ${where}`,
  ]);
  const rows = await db.auditEntry.findMany({ where: { id: { in: ids.map((r) => r.id) } }, include: ENTRY_HOSTS });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const items = ids.flatMap(({ id }) => (byId.has(id) ? [toRow(byId.get(id)!)] : []));
  return { items, total: Number(n), page, pageSize: take };
}

/** A host's audit trail: its own entries and the actions on many hosts it was part of (its part of them). */
export async function hostAuditRows(hostId: string, take: number): Promise<AuditRow[]> {
  const rows = await db.auditEntry.findMany({
    where: { OR: [{ targetType: "host", targetId: hostId }, { hosts: { some: { hostId } } }] },
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take,
    include: { ...ENTRY_HOSTS, hosts: { select: { hostName: true }, where: { hostId } } },
  });
  return rows.map((r) => {
    const row = toRow(r);
    if (!row.hosts) return row;
    const [name] = row.hosts.shown;
    const part = (side: unknown) => (side as { hosts?: Record<string, unknown> } | null)?.hosts?.[name!] ?? null;
    return { ...row, targetName: `${name} (one of ${row.hosts.count} hosts)`, before: part(row.before), after: part(row.after), hosts: null };
  });
}

/** What the filters offer: the users, actions and object types the log holds. */
export async function auditChoices(actor: Actor) {
  authorize(actor, "viewer");
  const [users, actions, types] = await Promise.all([
    db.auditEntry.groupBy({ by: ["actorName"], orderBy: { actorName: "asc" } }),
    db.auditEntry.groupBy({ by: ["action"], orderBy: { action: "asc" } }),
    db.auditEntry.groupBy({ by: ["targetType"], orderBy: { targetType: "asc" } }),
  ]);
  return { users: users.map((u) => u.actorName), actions: actions.map((a) => a.action), types: types.map((t) => t.targetType) };
}
