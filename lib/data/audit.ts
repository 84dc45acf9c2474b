import "server-only";
import { db, type Tx } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { authorize, pageArgs, type Paged } from "./authorize";
import type { Prisma } from "@/lib/generated/prisma/client";

export interface AuditTarget {
  type: string;
  id?: string | null;
  name?: string | null;
}

/** Records one change. Call it inside the transaction that makes the change. */
export async function recordAudit(
  tx: Tx,
  actor: Actor,
  action: string,
  target: AuditTarget,
  before?: unknown,
  after?: unknown,
): Promise<void> {
  await tx.auditEntry.create({
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
  });
}

export interface AuditQuery {
  q?: string;
  targetType?: string;
  targetId?: string;
  page?: number;
}

export type AuditRow = Awaited<ReturnType<typeof listAudit>>["items"][number];

export async function listAudit(actor: Actor, query: AuditQuery) {
  authorize(actor, "viewer");
  const { page, skip, take } = pageArgs(query.page);
  const q = query.q?.trim();
  const where: Prisma.AuditEntryWhereInput = {
    ...(query.targetType ? { targetType: query.targetType } : {}),
    ...(query.targetId ? { targetId: query.targetId } : {}),
    ...(q
      ? { OR: [{ action: { contains: q } }, { actorName: { contains: q } }, { targetName: { contains: q } }] }
      : {}),
  };
  const [items, total] = await db.$transaction([
    db.auditEntry.findMany({ where, orderBy: [{ at: "desc" }, { id: "desc" }], skip, take }),
    db.auditEntry.count({ where }),
  ]);
  return { items, total, page, pageSize: take } satisfies Paged<(typeof items)[number]>;
}
