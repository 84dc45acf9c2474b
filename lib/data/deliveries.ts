import "server-only";
import path from "node:path";
import { db } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { env, exportDir } from "@/lib/env";
import { KEEP_PREVIOUS, deliverAll, type DeliveryOutcome, type DeliveryTarget } from "@/lib/publish/deliver";
import { storedBootServers } from "@/lib/validation/network";
import { recordAudit } from "./audit";
import { authorize } from "./authorize";

// Boot servers' copies of the export directory (lib/publish/deliver.ts): who gets one, the
// delivery after each publication, and how far each server is behind.

/** Every boot server with a delivery target, by name (networks that share a server agree on it: checked at the edge). */
export async function deliveryTargets(): Promise<DeliveryTarget[]> {
  const networks = await db.network.findMany({ select: { bootServers: true }, orderBy: { name: "asc" } });
  const targets = new Map<string, string>();
  for (const n of networks) for (const b of storedBootServers(n.bootServers)) if (b.deliverTo && !targets.has(b.name)) targets.set(b.name, b.deliverTo);
  return [...targets].sort(([a], [b]) => (a < b ? -1 : 1)).map(([server, deliverTo]) => ({ server, deliverTo }));
}

/** The publications whose snapshots a server holds (its last delivered ones, newest first). */
async function deliveredSnapshots(server: string, take: number): Promise<string[]> {
  const rows = await db.delivery.findMany({ where: { server, status: "delivered" }, orderBy: { at: "desc" }, take, select: { publicationId: true } });
  return rows.map((r) => r.publicationId);
}

/**
 * Delivers publication `publicationId` (written into `outDir`) to every boot server that needs it:
 * all of them when files changed; else only those whose last delivery failed or never happened
 * (a later publish catches a server up). Records one Delivery per server and an audit entry.
 */
export async function deliverPublication(actor: Actor, publicationId: string, outDir: string, changed: boolean): Promise<DeliveryOutcome[]> {
  // the boot servers copy the console's export directory, not a directory a CLI run named with --out
  if (path.resolve(outDir) !== exportDir()) return [];
  const all = await deliveryTargets();
  if (all.length === 0) return [];
  const last = await Promise.all(all.map((t) => db.delivery.findFirst({ where: { server: t.server }, orderBy: { at: "desc" }, select: { status: true, target: true } })));
  const targets = all.filter((t, i) => changed || last[i]?.status !== "delivered" || last[i]?.target !== t.deliverTo);
  if (targets.length === 0) return [];
  const keep = new Map(await Promise.all(targets.map(async (t) => [t.server, await deliveredSnapshots(t.server, KEEP_PREVIOUS)] as const)));
  const e = env();
  const outcomes = await deliverAll(outDir, targets, publicationId, (s) => keep.get(s) ?? [], {
    rsync: e.AFSBOOT_RSYNC,
    rsh: e.AFSBOOT_RSYNC_RSH,
    ioTimeoutSeconds: e.AFSBOOT_DELIVERY_TIMEOUT,
    parallel: e.AFSBOOT_DELIVERY_PARALLEL,
  });
  await db.$transaction(async (tx) => {
    await tx.delivery.createMany({ data: outcomes.map((o) => ({ publicationId, server: o.server, target: o.target, status: o.status, message: o.message, durationMs: o.durationMs })) });
    const failed = outcomes.filter((o) => o.status === "failed");
    await recordAudit(tx, actor, failed.length ? "publish.delivery_failed" : "publish.delivered", { type: "publication", id: publicationId, name: outDir }, undefined, {
      delivered: outcomes.filter((o) => o.status === "delivered").map((o) => o.server),
      failed: failed.map((o) => ({ server: o.server, message: o.message })),
    });
  });
  return outcomes;
}

export interface BootServerState {
  server: string;
  target: string;
  /** its latest delivery, or null: never delivered */
  last: { status: string; at: Date; message: string | null; publicationId: string } | null;
  /** publications that changed files since its last successful delivery (0: up to date) */
  behind: number;
  /** whether a delivery to it ever succeeded (until one does, `behind` counts every publication) */
  hasCopy: boolean;
}

/** Each boot server with a delivery target: its latest delivery and how many publications it is behind. */
export async function bootServerStates(actor: Actor): Promise<BootServerState[]> {
  authorize(actor, "viewer");
  const targets = await deliveryTargets();
  return Promise.all(
    targets.map(async (t) => {
      const [last, ok] = await Promise.all([
        db.delivery.findFirst({ where: { server: t.server }, orderBy: { at: "desc" }, select: { status: true, at: true, message: true, publicationId: true } }),
        db.delivery.findFirst({ where: { server: t.server, status: "delivered" }, orderBy: { at: "desc" }, select: { publication: { select: { startedAt: true } } } }),
      ]);
      const behind = await db.publication.count({
        where: { outDir: exportDir(), status: "succeeded", filesChanged: { gt: 0 }, ...(ok ? { startedAt: { gt: ok.publication.startedAt } } : {}) },
      });
      return { server: t.server, target: t.deliverTo, last, behind, hasCopy: ok !== null };
    }),
  );
}

/** A publication's deliveries, by server. */
export async function publicationDeliveries(actor: Actor, publicationId: string) {
  authorize(actor, "viewer");
  return db.delivery.findMany({ where: { publicationId }, orderBy: { server: "asc" }, select: { server: true, target: true, status: true, message: true, durationMs: true, at: true } });
}
