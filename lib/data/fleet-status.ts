import "server-only";
import { db } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { bootedVsAssigned, effectiveState, stallSeconds, type BootState, type Stage } from "@/lib/boot/stages";
import { authorize } from "./authorize";
import { latestActive } from "./releases";

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

export async function fleetStatus(actor: Actor): Promise<FleetStatus> {
  authorize(actor, "viewer");
  if (cache && Date.now() - cache.at < 2000) return cache.value;
  const now = new Date();
  const limits = stallSeconds();
  const [hosts, releases, failures, finished] = await db.$transaction([
    db.host.findMany({
      select: {
        name: true,
        releaseId: true,
        assignedInitrdSha256: true,
        pinnedVersion: { select: { version: true } },
        lastBoot: { select: { state: true, currentStage: true, startedAt: true, lastEventAt: true, releaseVersion: true, initrdSha256: true } },
      },
    }),
    db.release.findMany({ select: { id: true, name: true, versions: { select: { version: true, status: true, activatedAt: true } } } }),
    db.boot.findMany({ where: { state: "failed" }, orderBy: { lastEventAt: "desc" }, take: 10, select: { bootId: true, failedStage: true, message: true, lastEventAt: true, host: { select: { name: true } } } }),
    db.boot.findMany({
      where: { state: "up", finishedAt: { gte: new Date(now.getTime() - 7 * 86_400_000) } },
      orderBy: { finishedAt: "desc" },
      take: 20_000,
      select: { releaseVersion: true, startedAt: true, finishedAt: true },
    }),
  ]);
  const release = new Map(releases.map((r) => [r.id, { name: r.name, latest: latestActive(r.versions)?.version ?? null }]));
  const counts: FleetStatus["counts"] = { up: 0, booting: 0, failed: 0, stalled: 0, never: 0, rebootPending: 0 };
  const bootingNow: FleetStatus["bootingNow"] = [];
  for (const h of hosts) {
    const b = h.lastBoot;
    if (!b) {
      counts.never++;
      continue;
    }
    const state = effectiveState(b, now, limits);
    counts[state]++;
    if (state === "booting" || state === "stalled") bootingNow.push({ host: h.name, stage: b.currentStage as Stage, state, startedAt: b.startedAt, lastEventAt: b.lastEventAt });
    const r = release.get(h.releaseId)!;
    if (bootedVsAssigned({ release: r.name, assignedVersion: h.pinnedVersion?.version ?? r.latest, assignedInitrdSha256: h.assignedInitrdSha256 }, b).rebootPending) counts.rebootPending++;
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
