import "server-only";
import crypto from "node:crypto";
import { db } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { notFound } from "@/lib/errors";
import type { BootEventInput } from "@/lib/validation/boot-event";
import { recordAudit } from "./audit";
import { authorize, pageArgs } from "./authorize";
import { sqlDate } from "./bulk-insert";

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

/**
 * A report from a MAC nobody enrolled: kept apart for the Unknown hosts list, never attached to a
 * host. In a transaction of its own: on SQLite, Prisma's adapter runs a raw statement sent outside
 * a transaction at once on its one connection, inside whatever transaction another request has
 * open (a publication's record, say), and with it rolled back if that one fails.
 */
export async function recordDiscovery(input: BootEventInput, at = new Date()) {
  await db.$transaction((tx) => tx.$executeRaw`INSERT INTO "DiscoveredHost" ("id", "mac", "firstSeenAt", "lastSeenAt", "lastIp", "lastStage", "lastMessage", "reports", "dismissed")
    VALUES (${`d${crypto.randomBytes(12).toString("hex")}`}, ${input.mac}, ${sqlDate(at)}, ${sqlDate(at)}, ${input.ip ?? null}, ${input.stage}, ${input.message ?? null}, 1, false)
    ON CONFLICT ("mac") DO UPDATE SET "lastSeenAt" = excluded."lastSeenAt", "lastIp" = COALESCE(excluded."lastIp", "DiscoveredHost"."lastIp"),
      "lastStage" = excluded."lastStage", "lastMessage" = excluded."lastMessage", "reports" = "DiscoveredHost"."reports" + 1`);
}
