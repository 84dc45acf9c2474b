import "server-only";
import { db } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { authorize } from "./authorize";

/** Counts for the dashboard's setup checklist and summary. */
export async function fleetCounts(actor: Actor) {
  authorize(actor, "viewer");
  const [networks, cells, releases, hosts, publications, recent] = await db.$transaction([
    db.network.count(),
    db.cell.count(),
    db.release.count(),
    db.host.count(),
    db.publication.count({ where: { status: { not: "dry_run" } } }),
    db.auditEntry.findMany({ orderBy: { at: "desc" }, take: 8, where: { action: { notIn: ["user.login", "user.login_failed"] } } }),
  ]);
  return { networks, cells, releases, hosts, publications, recent };
}
