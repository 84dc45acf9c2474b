import "server-only";
import { Prisma } from "@/lib/generated/prisma/client";
import { db } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { env } from "@/lib/env";
import { errorFields, log } from "@/lib/log";
import { authorize } from "./authorize";
import { ClusterLockBusy, withClusterLock } from "./cluster-lock";
import { loginThrottle } from "./sign-in-throttle";
import { sqlDate } from "./bulk-insert";

// Boot history stays bounded: per host the newest AFSBOOT_BOOT_HISTORY boots (default 100) and
// none older than AFSBOOT_BOOT_HISTORY_DAYS (default 365), never a host's last boot; discovery
// candidates not seen for 30 days, and beyond the newest 10,000. The console prunes every hour
// (and a few seconds after it starts); `afsboot prune` does it on demand.

export interface RetentionPolicy {
  perHost: number;
  days: number;
}

export function retentionPolicy(): RetentionPolicy {
  const e = env();
  return { perHost: e.AFSBOOT_BOOT_HISTORY, days: e.AFSBOOT_BOOT_HISTORY_DAYS };
}

const DISCOVERY_DAYS = 30;
const HOUR = 3_600_000;
const DISCOVERY_MAX = 10_000;

export async function pruneBoots(actor: Actor, policy = retentionPolicy(), now = new Date()) {
  authorize(actor, "operator");
  const cutoff = sqlDate(new Date(now.getTime() - policy.days * 86_400_000));
  // boots past the per-host count or the age limit, except each host's last boot
  const doomed = await db.$queryRaw<{ id: string }[]>`
    SELECT "id" FROM (
      SELECT "id", "startedAt", ROW_NUMBER() OVER (PARTITION BY "hostId" ORDER BY "startedAt" DESC) AS "rn" FROM "Boot"
    ) AS "ranked"
    WHERE ("rn" > ${policy.perHost} OR "startedAt" < ${cutoff})
      AND "id" NOT IN (SELECT "lastBootId" FROM "Host" WHERE "lastBootId" IS NOT NULL)`;
  let events = 0;
  for (let i = 0; i < doomed.length; i += 500) {
    const ids = doomed.slice(i, i + 500).map((d) => d.id);
    await db.$transaction(async (tx) => {
      events += await tx.$executeRaw`DELETE FROM "BootEvent" WHERE "bootRowId" IN (${Prisma.join(ids)})`;
      await tx.$executeRaw`DELETE FROM "Boot" WHERE "id" IN (${Prisma.join(ids)})`;
    });
  }
  const seenCutoff = new Date(now.getTime() - DISCOVERY_DAYS * 86_400_000);
  const stale = await db.discoveredHost.deleteMany({ where: { lastSeenAt: { lt: seenCutoff } } });
  const extra = await db.discoveredHost.findMany({ orderBy: { lastSeenAt: "desc" }, skip: DISCOVERY_MAX, select: { id: true } });
  for (let i = 0; i < extra.length; i += 500) await db.discoveredHost.deleteMany({ where: { id: { in: extra.slice(i, i + 500).map((e) => e.id) } } });
  return { boots: doomed.length, events, discovered: stale.count + extra.length };
}

let timer: NodeJS.Timeout | null = null;

/**
 * One run of the hourly jobs, in one console replica at a time (a cluster lock; a replica that
 * finds it held skips this round): boot history, and sign-in attempts past their window.
 */
export async function hourlyJobs(): Promise<{ ran: boolean }> {
  const actor = { type: "system" as const, id: null, name: "retention", role: "admin" as const };
  try {
    return await withClusterLock(
      "hourly-jobs",
      async () => {
        // once an hour across the replicas: the hour of the last run is kept in the database
        const hour = Math.floor(Date.now() / HOUR);
        const last = await db.changeCounter.findUnique({ where: { key: "hourly-jobs" }, select: { value: true } });
        if (last?.value === hour) return { ran: false };
        await db.changeCounter.upsert({ where: { key: "hourly-jobs" }, create: { key: "hourly-jobs", value: hour }, update: { value: hour } });
        const r = await pruneBoots(actor);
        if (r.boots || r.discovered) log.info("pruned boot history", r);
        const attempts = await loginThrottle.prune();
        if (attempts) log.info("pruned sign-in attempts", { attempts });
        return { ran: true };
      },
      0,
    );
  } catch (e) {
    if (e instanceof ClusterLockBusy) return { ran: false }; // another replica is at it
    throw e;
  }
}

/** Hourly pruning inside the console process (started from instrumentation.ts). */
export function startRetention() {
  if (timer) return;
  const run = () => hourlyJobs().catch((e: unknown) => log.error("the hourly jobs failed", errorFields(e)));
  setTimeout(run, 10_000).unref();
  timer = setInterval(run, HOUR);
  timer.unref();
}
