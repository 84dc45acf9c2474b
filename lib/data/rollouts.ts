import "server-only";
import { db } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { conflict, notFound } from "@/lib/errors";
import type { Prisma, RolloutHostState, RolloutState } from "@/lib/generated/prisma/client";
import { waveLabel } from "@/lib/rollout/plan";
import { waveLimit } from "@/lib/rollout/gate";
import { ROLLOUT_LEVERS, type Lever, type RolloutListQuery, type StartRollout } from "@/lib/validation/rollout";
import { recordAudit } from "./audit";
import { authorize, pageArgs, type Paged } from "./authorize";
import { withClusterLock } from "./cluster-lock";
import { heldHosts, planStart, refuseHeld } from "./rollout-select";

// Rollouts as people and scripts see them: start (and its preview; the input validated at the
// edge with lib/validation/rollout.ts startRollout), list, one rollout with its
// waves, and the admin's levers (pause, resume, abort, rollback). The console's ticker drives them
// (lib/data/rollout-driver.ts); everything here is a row change, audited in its transaction.

export interface RolloutPreview {
  version: string;
  mode: "power" | "manual";
  hostCount: number;
  waves: { index: number; label: string; hosts: string[] }[];
}

/** What a start would do, without writing anything (the version page's "Roll out this version…", `rollout start --dry-run`). */
export async function previewRollout(actor: Actor, input: StartRollout): Promise<RolloutPreview> {
  authorize(actor, "operator");
  const plan = await planStart(input);
  return {
    version: plan.version.label,
    mode: input.mode,
    hostCount: plan.hosts.length,
    waves: plan.waves.map((hosts, index) => ({ index, label: waveLabel(index, input.canary), hosts })),
  };
}

/** Starts a rollout: the Rollout and its hosts in one transaction (audited rollout.start), or a 422 changing nothing. */
export async function startRolloutFor(actor: Actor, input: StartRollout): Promise<RolloutDetail> {
  authorize(actor, "operator");
  // one start at a time across replicas: two starts on the same hosts must not both pass the check
  const id = await withClusterLock(
    "rollout-start",
    async () => {
      const plan = await planStart(input);
      return db.$transaction(async (tx) => {
        // again inside the transaction: a rollout started since the plan was made holds its hosts
        refuseHeld(await heldHosts(tx, plan.hosts.map((h) => h.id)));
        const ids = new Map(plan.hosts.map((h) => [h.name, h.id]));
        const r = await tx.rollout.create({
          data: {
            versionId: plan.version.id,
            selector: JSON.parse(JSON.stringify(input.selector)) as Prisma.InputJsonValue,
            mode: input.mode,
            canary: input.canary,
            waveSize: "count" in input.wave ? input.wave.count : null,
            wavePercent: "percent" in input.wave ? input.wave.percent : null,
            maxFailures: "count" in input.maxFailures ? input.maxFailures.count : 0,
            maxFailurePercent: "percent" in input.maxFailures ? input.maxFailures.percent : null,
            canaryMaxFailures: input.canaryMaxFailures,
            pauseSeconds: input.pauseSeconds,
            reportDeadlineSeconds: input.reportDeadlineSeconds,
            upDeadlineSeconds: input.upDeadlineSeconds,
            rollback: input.rollback,
            waves: plan.waves.length,
            actorType: actor.type,
            actorName: actor.name,
          },
          select: { id: true },
        });
        await tx.rolloutHost.createMany({
          data: plan.waves.flatMap((names, wave) =>
            names.map((hostName, position) => ({ rolloutId: r.id, hostId: ids.get(hostName)!, hostName, wave, position, expectedVersion: plan.version.label })),
          ),
        });
        await recordAudit(tx, actor, "rollout.start", { type: "rollout", id: r.id, name: `${plan.version.label} to ${plan.hosts.length} hosts` }, undefined, {
          ...input,
          version: plan.version.label,
          waves: plan.waves.map((w) => w.length),
        });
        return r.id;
      });
    },
    10_000,
  );
  return getRollout(actor, id);
}

// ---------------------------------------------------------------- reading

export type HostStateCounts = Partial<Record<RolloutHostState, number>>;

export interface RolloutSummary {
  id: string;
  version: string;
  state: RolloutState;
  mode: string;
  hostCount: number;
  waves: number;
  currentWave: number;
  /** the gate's last decision, in words */
  decision: string | null;
  counts: HostStateCounts;
  actorName: string;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface RolloutHostView {
  name: string;
  state: RolloutHostState;
  /** the stage its deciding (or current) boot reached */
  stage: string | null;
  reason: string | null;
  expectedVersion: string | null;
  previousVersion: string | null;
  cycledAt: Date | null;
  powerMessage: string | null;
  finishedAt: Date | null;
}

export interface RolloutWave {
  index: number;
  label: string;
  /** failures it may have before the rollout halts */
  limit: number;
  counts: HostStateCounts;
  hosts: RolloutHostView[];
}

export interface RolloutDetail extends RolloutSummary {
  selector: unknown;
  settings: {
    canary: number;
    wave: string;
    maxFailures: string;
    canaryMaxFailures: number;
    pauseSeconds: number;
    reportDeadlineSeconds: number;
    upDeadlineSeconds: number;
    rollback: boolean;
  };
  /** the next wave starts no earlier */
  notBefore: Date | null;
  /** the console process driving it, until when */
  leaseOwner: string | null;
  leaseUntil: Date | null;
  waveList: RolloutWave[];
}

const rolloutInclude = { version: { select: { version: true, release: { select: { name: true } } } } } satisfies Prisma.RolloutInclude;
type RolloutRow = Prisma.RolloutGetPayload<{ include: typeof rolloutInclude }>;

const label = (v: { version: string; release: { name: string } }) => `${v.release.name}@${v.version}`;

function summary(r: RolloutRow, counts: HostStateCounts): RolloutSummary {
  return {
    id: r.id,
    version: label(r.version),
    state: r.state,
    mode: r.mode,
    hostCount: Object.values(counts).reduce((a, b) => a + (b ?? 0), 0),
    waves: r.waves,
    currentWave: r.currentWave,
    decision: r.decision,
    counts,
    actorName: r.actorName,
    createdAt: r.createdAt,
    finishedAt: r.finishedAt,
  };
}

const versionWhere = (ref: { release: string; version: string }): Prisma.RolloutWhereInput => ({ version: { version: ref.version, release: { name: ref.release } } });

/** Rollouts, newest first (of one state, that one host took part in, to one version), with their hosts counted by state. */
export async function listRollouts(actor: Actor, query: RolloutListQuery = {}): Promise<Paged<RolloutSummary>> {
  authorize(actor, "viewer");
  const { page, skip, take } = pageArgs(query.page);
  const where: Prisma.RolloutWhereInput = {
    ...(query.state ? { state: query.state } : {}),
    ...(query.host ? { hosts: { some: { hostName: query.host } } } : {}),
    ...(query.version ? versionWhere(query.version) : {}),
  };
  const [rows, total] = await Promise.all([db.rollout.findMany({ where, include: rolloutInclude, orderBy: [{ createdAt: "desc" }, { id: "desc" }], skip, take }), db.rollout.count({ where })]);
  const grouped = rows.length ? await db.rolloutHost.groupBy({ by: ["rolloutId", "state"], where: { rolloutId: { in: rows.map((r) => r.id) } }, _count: { _all: true } }) : [];
  const counts = new Map<string, HostStateCounts>();
  for (const g of grouped) counts.set(g.rolloutId, { ...counts.get(g.rolloutId), [g.state]: g._count._all });
  return { items: rows.map((r) => summary(r, counts.get(r.id) ?? {})), total, page, pageSize: take };
}

/** How many rollouts went to one version, by state (the version page). */
export async function rolloutsOfVersion(actor: Actor, ref: { release: string; version: string }): Promise<{ total: number; byState: Partial<Record<RolloutState, number>> }> {
  authorize(actor, "viewer");
  const grouped = await db.rollout.groupBy({ by: ["state"], where: versionWhere(ref), _count: { _all: true } });
  const byState: Partial<Record<RolloutState, number>> = {};
  for (const g of grouped) byState[g.state] = g._count._all;
  return { total: grouped.reduce((n, g) => n + g._count._all, 0), byState };
}

const sizeText = (count: number | null, percent: number | null) => (percent !== null ? `${percent}%` : String(count ?? 0));

/** One rollout with its waves: each host's state, stage reached, reason; per wave the counts and the limit. */
export async function getRollout(actor: Actor, id: string): Promise<RolloutDetail> {
  authorize(actor, "viewer");
  const r = await db.rollout.findUnique({ where: { id }, include: rolloutInclude });
  if (!r) throw notFound(`Rollout ${id}`);
  const hosts = await db.rolloutHost.findMany({ where: { rolloutId: id }, orderBy: [{ wave: "asc" }, { position: "asc" }] });
  const previous = await db.releaseVersion.findMany({
    where: { id: { in: [...new Set(hosts.map((h) => h.previousVersionId).filter((v): v is string => !!v))] } },
    select: { id: true, version: true, release: { select: { name: true } } },
  });
  const previousLabel = new Map(previous.map((v) => [v.id, label(v)]));
  const counts: HostStateCounts = {};
  const waveList: RolloutWave[] = Array.from({ length: r.waves }, (_, index) => ({ index, label: waveLabel(index, r.canary), limit: 0, counts: {}, hosts: [] }));
  for (const h of hosts) {
    const w = waveList[h.wave]!;
    w.hosts.push({
      name: h.hostName,
      state: h.state,
      stage: h.stage,
      reason: h.reason,
      expectedVersion: h.expectedVersion,
      previousVersion: h.previousVersionId ? (previousLabel.get(h.previousVersionId) ?? null) : null,
      cycledAt: h.cycledAt,
      powerMessage: h.powerMessage,
      finishedAt: h.finishedAt,
    });
    w.counts[h.state] = (w.counts[h.state] ?? 0) + 1;
    counts[h.state] = (counts[h.state] ?? 0) + 1;
  }
  for (const w of waveList) w.limit = waveLimit(r, w.index, w.hosts.length);
  return {
    ...summary(r, counts),
    selector: r.selector,
    settings: {
      canary: r.canary,
      wave: sizeText(r.waveSize, r.wavePercent),
      maxFailures: sizeText(r.maxFailures, r.maxFailurePercent),
      canaryMaxFailures: r.canaryMaxFailures,
      pauseSeconds: r.pauseSeconds,
      reportDeadlineSeconds: r.reportDeadlineSeconds,
      upDeadlineSeconds: r.upDeadlineSeconds,
      rollback: r.rollback,
    },
    notBefore: r.notBefore,
    leaseOwner: r.leaseOwner,
    leaseUntil: r.leaseUntil,
    waveList,
  };
}

// ---------------------------------------------------------------- the admin's levers

export { ROLLOUT_LEVERS, type Lever };

const LEVERS: Record<Lever, { from: RolloutState[]; to: RolloutState; refused: string }> = {
  pause: { from: ["running"], to: "paused", refused: "only a running rollout can be paused" },
  resume: { from: ["paused"], to: "running", refused: "only a paused rollout can be resumed (a halted one is rolled back or aborted)" },
  abort: { from: ["running", "paused", "halted", "rolling_back"], to: "aborted", refused: "it is already over" },
  rollback: { from: ["halted"], to: "rolling_back", refused: "only a halted rollout can be rolled back on demand" },
};

/**
 * Pause (nothing new starts; hosts already cycled are still watched and a failed wave still
 * halts it), resume, abort (hosts not yet touched are skipped and never will be; hosts already
 * cycled are still watched to the end, for the record), rollback of a halted rollout.
 */
export async function moveRollout(actor: Actor, id: string, lever: Lever, now = new Date()): Promise<RolloutDetail> {
  authorize(actor, "operator");
  const { from, to, refused } = LEVERS[lever];
  await db.$transaction(async (tx) => {
    const r = await tx.rollout.findUnique({ where: { id }, select: { state: true, currentWave: true } });
    if (!r) throw notFound(`Rollout ${id}`);
    const done = await tx.rollout.updateMany({
      where: { id, state: { in: from } },
      data: { state: to, revision: { increment: 1 }, ...(lever === "abort" ? { finishedAt: now, decision: `Aborted by ${actor.name}` } : {}) },
    });
    if (done.count === 0) throw conflict(`Rollout ${id} is ${r.state.replace("_", " ")}: ${refused}`);
    let skipped = 0;
    if (lever === "abort") {
      skipped = (await tx.rolloutHost.updateMany({ where: { rolloutId: id, state: "pending" }, data: { state: "skipped", reason: `the rollout was aborted by ${actor.name}`, finishedAt: now } })).count;
      await tx.rolloutHost.updateMany({
        where: { rolloutId: id, state: { in: ["published", "rollback_published"] } },
        data: { reason: "the rollout was aborted before its power cycle: it is assigned the version and boots it at its next reboot" },
      });
    }
    await recordAudit(tx, actor, `rollout.${lever}`, { type: "rollout", id }, { state: r.state }, { state: to, ...(lever === "abort" ? { skipped } : {}) });
  });
  return getRollout(actor, id);
}
