import "server-only";
import { db } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { notFound } from "@/lib/errors";
import { recordAudit } from "./audit";
import { authorize, pageArgs } from "./authorize";

// Unknown hosts: MACs that reported or PXE-booted without being enrolled. The boot-report API
// feeds this list; enrolling a MAC removes it (see insertHosts).

export async function listDiscovered(actor: Actor, query: { page?: number; all?: boolean } = {}) {
  authorize(actor, "viewer");
  const { page, skip, take } = pageArgs(query.page);
  const where = query.all ? {} : { dismissed: false };
  const [items, total] = await db.$transaction([
    db.discoveredHost.findMany({ where, orderBy: { lastSeenAt: "desc" }, skip, take }),
    db.discoveredHost.count({ where }),
  ]);
  return { items, total, page, pageSize: take };
}

export async function dismissDiscovered(actor: Actor, mac: string) {
  authorize(actor, "operator");
  await db.$transaction(async (tx) => {
    const row = await tx.discoveredHost.findUnique({ where: { mac } });
    if (!row) throw notFound(`Unknown host ${mac}`);
    await tx.discoveredHost.update({ where: { mac }, data: { dismissed: true } });
    await recordAudit(tx, actor, "discovery.dismiss", { type: "discovered-host", id: row.id, name: mac });
  });
}
