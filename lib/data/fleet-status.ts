import "server-only";
import { db } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { bootedVsAssigned, effectiveState, type BootState, type Stage } from "@/lib/boot/stages";
import { env } from "@/lib/env";
import { authorize } from "./authorize";
import { latestActive } from "@/lib/boot/latest-version";

// The live dashboard's data: hosts by state, what is booting now, recent failures, and how long
// boots take per release. One query over every host's last boot (10,000 rows of a few columns),
// computed in memory and shared for 2 s between the dashboards polling it.

export type FleetState = BootState | "never";

export interface FleetStatus {
  generatedAt: Date;
  total: number;
  counts: Record<FleetState, number> & { rebootPending: number };
  bootingNow: { host: string; stage: Stage; state: "booting" | "stalled"; startedAt: Date; lastEventAt: Date }[];
  recentFailures: { host: string; failedStage: Stage | null; message: string | null; at: Date; bootId: string }[];
  /** boots that reached up in the last 7 days, per release version: seconds from first report to up */
  durations: { releaseVersion: string; count: number; p50: number; p90: number; max: number; buckets: { le: number; count: number }[] }[];
}

const BUCKETS = [15, 30, 45, 60, 90, 120, 180, 300, 600, Infinity];
let cache: { at: number; value: FleetStatus } | null = null;

/**
 * Every host's state from its last boot, and whether a reboot is pending: one join over the
 * hosts (their last boot by primary key; ~20 ms at 10,000 hosts, where loading the relation
 * through the ORM took ten times that), classified in memory.
 */
export async function hostStates(now = new Date(), limits = env().AFSBOOT_STALL_SECONDS) {
  const [hosts, releases] = await Promise.all([
    db.$queryRaw<
      {
        id: string;
        name: string;
        releaseId: string;
        assignedInitrdSha256: string | null;
        pinned: string | null;
        state: string | null;
        currentStage: string | null;
        startedAt: Date | string | null;
        lastEventAt: Date | string | null;
        releaseVersion: string | null;
        initrdSha256: string | null;
      }[]
    >`SELECT h."id", h."name", h."releaseId", h."assignedInitrdSha256", pv."version" AS "pinned",
        b."state", b."currentStage", b."startedAt", b."lastEventAt", b."releaseVersion", b."initrdSha256"
      FROM "Host" h LEFT JOIN "Boot" b ON b."id" = h."lastBootId" LEFT JOIN "ReleaseVersion" pv ON pv."id" = h."pinnedVersionId"`,
    db.release.findMany({ select: { id: true, name: true, versions: { select: { version: true, status: true, activatedAt: true } } } }),
  ]);
  const release = new Map(releases.map((r) => [r.id, { name: r.name, latest: latestActive(r.versions)?.version ?? null }]));
  return hosts.map((h) => {
    const b = h.state
      ? { state: h.state, currentStage: h.currentStage!, startedAt: new Date(h.startedAt!), lastEventAt: new Date(h.lastEventAt!), releaseVersion: h.releaseVersion, initrdSha256: h.initrdSha256 }
      : null;
    const r = release.get(h.releaseId)!;
    return {
      id: h.id,
      name: h.name,
      lastBoot: b,
      state: (b ? effectiveState(b, now, limits) : "never") as FleetState,
      rebootPending: bootedVsAssigned({ release: r.name, assignedVersion: h.pinned ?? r.latest, assignedInitrdSha256: h.assignedInitrdSha256 }, b).rebootPending,
    };
  });
}

export async function fleetStatus(actor: Actor): Promise<FleetStatus> {
  authorize(actor, "viewer");
  if (cache && Date.now() - cache.at < 2000) return cache.value;
  const now = new Date();
  const [hosts, [failures, finished]] = await Promise.all([
    hostStates(now),
    db.$transaction([
      db.boot.findMany({ where: { state: "failed" }, orderBy: { lastEventAt: "desc" }, take: 10, select: { bootId: true, failedStage: true, message: true, lastEventAt: true, host: { select: { name: true } } } }),
      db.boot.findMany({
        where: { state: "up", finishedAt: { gte: new Date(now.getTime() - 7 * 86_400_000) } },
        orderBy: { finishedAt: "desc" },
        take: 20_000,
        select: { releaseVersion: true, startedAt: true, finishedAt: true },
      }),
    ]),
  ]);
  const counts: FleetStatus["counts"] = { up: 0, booting: 0, failed: 0, stalled: 0, never: 0, rebootPending: 0 };
  const bootingNow: FleetStatus["bootingNow"] = [];
  for (const h of hosts) {
    counts[h.state]++;
    if (h.rebootPending) counts.rebootPending++;
    const b = h.lastBoot;
    if (b && (h.state === "booting" || h.state === "stalled")) bootingNow.push({ host: h.name, stage: b.currentStage as Stage, state: h.state, startedAt: b.startedAt, lastEventAt: b.lastEventAt });
  }
  bootingNow.sort((a, b) => b.lastEventAt.getTime() - a.lastEventAt.getTime());
  const per = new Map<string, number[]>();
  for (const f of finished) {
    const key = f.releaseVersion ?? "unknown";
    per.set(key, [...(per.get(key) ?? []), (f.finishedAt!.getTime() - f.startedAt.getTime()) / 1000]);
  }
  const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
  const durations = [...per.entries()]
    .map(([releaseVersion, xs]) => {
      xs.sort((a, b) => a - b);
      return {
        releaseVersion,
        count: xs.length,
        p50: q(xs, 0.5),
        p90: q(xs, 0.9),
        max: xs[xs.length - 1]!,
        buckets: BUCKETS.map((le, i) => ({ le, count: xs.filter((x) => x <= le && (i === 0 || x > BUCKETS[i - 1]!)).length })),
      };
    })
    .sort((a, b) => b.count - a.count);
  const value: FleetStatus = {
    generatedAt: now,
    total: hosts.length,
    counts,
    bootingNow: bootingNow.slice(0, 50),
    recentFailures: failures.map((f) => ({ host: f.host.name, failedStage: f.failedStage as Stage | null, message: f.message, at: f.lastEventAt, bootId: f.bootId })),
    durations,
  };
  cache = { at: Date.now(), value };
  return value;
}
