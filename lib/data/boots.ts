import "server-only";
import { db } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { notFound } from "@/lib/errors";
import { effectiveState, stageTimeline, type BootState, type Stage } from "@/lib/boot/stages";
import { env } from "@/lib/env";
import { authorize } from "./authorize";

// A host's boots, newest first, as DESIGN.md's GET /api/v1/hosts/{hostname}/boots returns them
// (bootId, state, startedAt, stages [{stage, at, message?}] in order, initrdSha256,
// releaseVersion) plus what the host page's timeline draws: durations, failure, artifacts.

export interface BootView {
  bootId: string;
  state: BootState;
  startedAt: Date;
  finishedAt: Date | null;
  lastEventAt: Date;
  durationMs: number | null;
  currentStage: Stage;
  failedStage: Stage | null;
  message: string | null;
  stages: { stage: Stage; at: Date; clientAt: string | null; message?: string; ms: number | null; failed: boolean }[];
  initrdSha256: string | null;
  releaseVersion: string | null;
  clientIp: string | null;
}

export async function listHostBoots(actor: Actor, hostName: string, opts: { state?: BootState; limit?: number; before?: Date } = {}): Promise<{ host: string; boots: BootView[] }> {
  authorize(actor, "viewer");
  const host = await db.host.findUnique({ where: { name: hostName }, select: { id: true, name: true } });
  if (!host) throw notFound(`no host named ${hostName}`);
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 500);
  const now = new Date();
  const limits = env().AFSBOOT_STALL_SECONDS;
  // stalled is decided on read: filter booting rows here, then by their effective state
  const stored = opts.state === "stalled" ? "booting" : opts.state;
  const rows = await db.boot.findMany({
    where: { hostId: host.id, ...(stored ? { state: stored } : {}), ...(opts.before ? { startedAt: { lt: opts.before } } : {}) },
    orderBy: { startedAt: "desc" },
    take: limit,
    include: { events: { select: { stage: true, failedStage: true, at: true, clientAt: true, message: true, initrdSha256: true, releaseVersion: true, ip: true } } },
  });
  const boots = rows
    .map((b): BootView => {
      const events = b.events.map((e) => ({ ...e, stage: e.stage as Stage, failedStage: e.failedStage as Stage | null }));
      const timeline = stageTimeline(events);
      const clientAt = new Map(b.events.map((e) => [`${e.stage}`, e.clientAt]));
      return {
        bootId: b.bootId,
        state: effectiveState(b, now, limits),
        startedAt: b.startedAt,
        finishedAt: b.finishedAt,
        lastEventAt: b.lastEventAt,
        durationMs: b.finishedAt ? b.finishedAt.getTime() - b.startedAt.getTime() : null,
        currentStage: b.currentStage as Stage,
        failedStage: b.failedStage as Stage | null,
        message: b.message,
        stages: timeline.map((t) => ({ stage: t.stage, at: t.at, clientAt: clientAt.get(t.failed ? "failed" : t.stage) ?? null, ...(t.message ? { message: t.message } : {}), ms: t.ms, failed: t.failed })),
        initrdSha256: b.initrdSha256,
        releaseVersion: b.releaseVersion,
        clientIp: b.clientIp,
      };
    })
    .filter((b) => !opts.state || b.state === opts.state);
  return { host: host.name, boots };
}
