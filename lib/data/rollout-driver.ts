import "server-only";
import { db, type Tx } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { AppError } from "@/lib/errors";
import { env, exportDir } from "@/lib/env";
import type { Prisma, RolloutHost, RolloutHostState, RolloutState } from "@/lib/generated/prisma/client";
import { latestActive } from "@/lib/boot/latest-version";
import { decideRollback, decideWave, judgeHost, type BootFacts, type Outcome } from "@/lib/rollout/gate";
import { waveLabel } from "@/lib/rollout/plan";
import { errorFields, log } from "@/lib/log";
import { recordAudit } from "./audit";
import { insertMany } from "./bulk-insert";
import { publishHosts } from "./publish";
import type { PowerOutcome, PowerPort } from "./rollout-power";

// The driver of rollouts: each tick takes a lease on every rollout with work to do (a conditional
// update: two console processes never drive the same one) and advances it one safe step at a
// time, each step written before it is done wherever doing it twice would harm:
//
//   pending ──assign──▶ published (pinned; expected overlay unknown until published)
//           ──publish──▶ published (expected overlay known)
//           ──cycle────▶ cycling (written BEFORE its BMC is asked) ──BMC answered──▶ waiting
//           ──its boot reports (lib/rollout/gate.ts)──▶ up | failed
//
// A host found in `cycling` after a restart is treated as cycled: its boot reports decide, and
// its BMC is never asked again. A rollback runs the same steps with the rollback_* states,
// towards the version each host booted before. Manual mode skips the BMC: a published host
// waits for its own reboot, watched from its publication.

/** How long a lease lasts without renewal: longer than the longest step (a publication, a wave's BMC calls). */
export const LEASE_MS = 5 * 60_000;
/** Who the driver acts as in the audit log and towards publishing. */
export const DRIVER: Actor = { type: "system", id: null, name: "rollout-driver", role: "operator" };

interface Phase {
  published: RolloutHostState;
  cycling: RolloutHostState;
  waiting: RolloutHostState;
  up: RolloutHostState;
  failed: RolloutHostState;
  /** the rollout's states in which this phase may start something new */
  drives: RolloutState[];
}
const FORWARD: Phase = { published: "published", cycling: "cycling", waiting: "waiting", up: "up", failed: "failed", drives: ["running"] };
const BACKWARD: Phase = {
  published: "rollback_published",
  cycling: "rollback_cycling",
  waiting: "rollback_waiting",
  up: "rolled_back",
  failed: "rollback_failed",
  drives: ["rolling_back"],
};
const phaseOf = (s: RolloutHostState) => (s.startsWith("rollback_") ? BACKWARD : FORWARD);

/** Host states whose boot reports are being watched. */
export const WATCHED: RolloutHostState[] = ["cycling", "waiting", "rollback_cycling", "rollback_waiting"];

/** The lease was lost, or the rollout's state changed under the step: stop driving it this tick. */
class Stale extends Error {}

interface Ctx {
  owner: string;
  now: Date;
  power: PowerPort;
}

type RolloutRow = Prisma.RolloutGetPayload<{ include: { version: { select: { version: true; releaseId: true; release: { select: { name: true } } } } } }>;

export interface TickResult {
  /** the rollouts this tick drove (held their lease) */
  driven: string[];
  errors: { rolloutId: string; message: string }[];
}

/**
 * One tick: every rollout with something to do whose lease is free, expired or ours is leased
 * to `owner` and advanced until it waits for something. Never throws for one rollout's trouble:
 * it is logged, returned, and retried next tick.
 */
export async function tickRollouts(owner: string, opts: { power: PowerPort; now?: Date }): Promise<TickResult> {
  const ctx: Ctx = { owner, now: opts.now ?? new Date(), power: opts.power };
  const candidates = await db.rollout.findMany({
    where: { OR: [{ state: { in: ["running", "paused", "rolling_back"] } }, { state: { in: ["halted", "aborted"] }, hosts: { some: { state: { in: WATCHED } } } }] },
    select: { id: true },
    orderBy: { createdAt: "asc" },
  });
  const result: TickResult = { driven: [], errors: [] };
  for (const { id } of candidates) {
    const took = await db.rollout.updateMany({
      where: { id, OR: [{ leaseOwner: owner }, { leaseUntil: null }, { leaseUntil: { lt: ctx.now } }] },
      data: { leaseOwner: owner, leaseUntil: new Date(ctx.now.getTime() + LEASE_MS) },
    });
    if (took.count === 0) continue; // another console process drives it
    result.driven.push(id);
    try {
      for (let i = 0; i < 20 && (await step(id, ctx)); i++);
    } catch (e) {
      if (e instanceof Stale) continue;
      log.error("a rollout step failed; retried next tick", { rolloutId: id, ...errorFields(e) });
      result.errors.push({ rolloutId: id, message: e instanceof Error ? e.message : String(e) });
    }
  }
  return result;
}

/** Renews the lease inside a step's transaction, and checks the rollout is still in one of `states`: the step's fence. */
async function claim(tx: Tx, id: string, ctx: Ctx, states?: RolloutState[]) {
  const n = await tx.rollout.updateMany({
    where: { id, leaseOwner: ctx.owner, ...(states ? { state: { in: states } } : {}) },
    data: { leaseUntil: new Date(ctx.now.getTime() + LEASE_MS) },
  });
  if (n.count === 0) throw new Stale();
}

/** One step; false when the rollout waits (for reports, its pause, a lever). */
async function step(id: string, ctx: Ctx): Promise<boolean> {
  const r = await db.rollout.findUniqueOrThrow({ where: { id }, include: { version: { select: { version: true, releaseId: true, release: { select: { name: true } } } } } });
  if (r.leaseOwner !== ctx.owner) throw new Stale();
  const hosts = await db.rolloutHost.findMany({ where: { rolloutId: id }, orderBy: [{ wave: "asc" }, { position: "asc" }] });
  if (await judgeWatched(r, hosts, ctx)) return true;
  const wave = hosts.filter((h) => h.wave === r.currentWave);
  if (r.state === "running" || r.state === "paused") {
    if (await gateWave(r, wave, ctx)) return true;
    if (r.state === "paused" || (r.notBefore && ctx.now < r.notBefore)) return false;
    const pending = wave.filter((h) => h.state === "pending");
    if (pending.length) return assign(r, pending, ctx);
    return (await publishStep(r, wave, FORWARD, ctx)) || (await cycleStep(r, wave, FORWARD, ctx));
  }
  if (r.state === "rolling_back") {
    const back = wave.filter((h) => ["published", "cycling", "waiting", "up", "failed"].includes(h.state));
    if (back.length) return assignBack(r, back, ctx);
    return (await publishStep(r, wave, BACKWARD, ctx)) || (await cycleStep(r, wave, BACKWARD, ctx)) || (await endRollback(r, wave, ctx));
  }
  return false;
}

const outcomeOf = (s: RolloutHostState): Outcome | "pending" =>
  s === "up" || s === "rolled_back" ? "up" : s === "failed" || s === "rollback_failed" ? "failed" : s === "pending" ? "pending" : "waiting";

/** One audit entry of the driver about some of the rollout's hosts, found from each host's page too. */
async function auditHosts(tx: Tx, action: string, r: RolloutRow, hosts: { hostId: string | null; hostName: string }[], after: Record<string, unknown>, before?: Record<string, unknown>) {
  const target = { type: "rollout", id: r.id, name: `${r.version.release.name}@${r.version.version}, ${waveLabel(r.currentWave, r.canary).toLowerCase()}` };
  const entryId = await recordAudit(tx, DRIVER, action, target, before, after);
  await insertMany(
    tx,
    "AuditHost",
    hosts.filter((h) => h.hostId).map((h) => ({ entryId, hostId: h.hostId, hostName: h.hostName })),
  );
}

// ---------------------------------------------------------------- watching

/** Judges every watched host by its boots since its cycle; true when one of them was decided. */
async function judgeWatched(r: RolloutRow, hosts: RolloutHost[], ctx: Ctx): Promise<boolean> {
  const watched = hosts.filter((h) => WATCHED.includes(h.state) && h.cycledAt);
  if (!watched.length) return false;
  const since = new Date(Math.min(...watched.map((h) => h.cycledAt!.getTime())));
  const ids = watched.map((h) => h.hostId).filter((x): x is string => !!x);
  const boots = await db.boot.findMany({
    where: { hostId: { in: ids }, startedAt: { gte: since } },
    select: { id: true, hostId: true, state: true, currentStage: true, failedStage: true, message: true, startedAt: true, lastEventAt: true, initrdSha256: true, releaseVersion: true },
  });
  const byHost = new Map<string, BootFacts[]>();
  for (const b of boots) byHost.set(b.hostId, [...(byHost.get(b.hostId) ?? []), b]);
  const limits = { reportDeadlineSeconds: r.reportDeadlineSeconds, upDeadlineSeconds: r.upDeadlineSeconds, stall: env().AFSBOOT_STALL_SECONDS };
  const decided: { h: RolloutHost; state: RolloutHostState; reason: string | null; stage: string | null; bootRowId: string | null }[] = [];
  const progress: { h: RolloutHost; stage: string | null; bootRowId: string | null }[] = [];
  for (const h of watched) {
    const phase = phaseOf(h.state);
    if (!h.hostId) {
      decided.push({ h, state: phase.failed, reason: "the host was deleted", stage: h.stage, bootRowId: h.bootRowId });
      continue;
    }
    const watch = {
      since: h.cycledAt!,
      sinceWhat: r.mode === "manual" ? "publication" : "power cycle",
      expectedVersion: h.expectedVersion ?? `${r.version.release.name}@${r.version.version}`,
      expectedInitrdSha256: h.expectedInitrdSha256,
      unconfirmedCycle: h.state === phase.cycling,
    };
    const v = judgeHost(watch, byHost.get(h.hostId) ?? [], ctx.now, limits);
    if (v.outcome === "waiting") {
      if (v.stage !== h.stage || v.bootRowId !== h.bootRowId) progress.push({ h, stage: v.stage, bootRowId: v.bootRowId });
    } else {
      const back = phase === BACKWARD;
      const reason = v.outcome === "failed" ? (back ? `rollback to ${watch.expectedVersion}: ${v.reason}` : v.reason) : back ? h.reason : null;
      decided.push({ h, state: v.outcome === "up" ? phase.up : phase.failed, reason, stage: v.stage, bootRowId: v.bootRowId });
    }
  }
  if (!decided.length && !progress.length) return false;
  await db.$transaction(async (tx) => {
    await claim(tx, r.id, ctx);
    for (const p of progress) await tx.rolloutHost.updateMany({ where: { id: p.h.id, state: p.h.state }, data: { stage: p.stage, bootRowId: p.bootRowId } });
    for (const d of decided) {
      await tx.rolloutHost.updateMany({ where: { id: d.h.id, state: d.h.state }, data: { state: d.state, reason: d.reason, stage: d.stage, bootRowId: d.bootRowId, finishedAt: ctx.now } });
    }
    if (decided.length)
      await auditHosts(
        tx,
        "rollout.verdict",
        r,
        decided.map((d) => d.h),
        { hosts: Object.fromEntries(decided.map((d) => [d.h.hostName, { state: d.state, ...(d.reason ? { reason: d.reason } : {}) }])) },
      );
  });
  return decided.length > 0;
}

// ---------------------------------------------------------------- the gate

/** The current wave's decision: halt (rolling back or waiting for an admin), pass (next wave or completed), or wait. */
async function gateWave(r: RolloutRow, wave: RolloutHost[], ctx: Ctx): Promise<boolean> {
  const d = decideWave(r, r.currentWave, wave.map((h) => ({ name: h.hostName, outcome: outcomeOf(h.state), reason: h.reason })));
  if (d.kind === "waiting") {
    if (wave.some((h) => h.state !== "pending") && r.decision !== d.text) await db.rollout.updateMany({ where: { id: r.id, leaseOwner: ctx.owner }, data: { decision: d.text } });
    return false;
  }
  const label = waveLabel(r.currentWave, r.canary);
  await db.$transaction(async (tx) => {
    await claim(tx, r.id, ctx, ["running", "paused"]);
    if (d.kind === "halted") {
      const to: RolloutState = r.rollback ? "rolling_back" : "halted";
      await tx.rollout.update({ where: { id: r.id }, data: { state: to, decision: d.text, revision: { increment: 1 } } });
      const skipped = await tx.rolloutHost.updateMany({
        where: { rolloutId: r.id, state: "pending", wave: { gte: r.currentWave } },
        data: { state: "skipped", reason: `the rollout halted at ${label.toLowerCase()}`, finishedAt: ctx.now },
      });
      await recordAudit(tx, DRIVER, "rollout.halt", { type: "rollout", id: r.id }, { state: r.state }, { state: to, decision: d.text, skipped: skipped.count });
      return;
    }
    const last = r.currentWave + 1 >= r.waves;
    if (last) {
      await tx.rollout.update({ where: { id: r.id }, data: { state: "completed", decision: d.text, finishedAt: ctx.now, revision: { increment: 1 } } });
      await recordAudit(tx, DRIVER, "rollout.complete", { type: "rollout", id: r.id }, { state: r.state }, { state: "completed", decision: d.text });
      return;
    }
    const notBefore = r.pauseSeconds > 0 ? new Date(ctx.now.getTime() + r.pauseSeconds * 1000) : null;
    const text = `${d.text}${notBefore ? `; ${waveLabel(r.currentWave + 1, r.canary).toLowerCase()} starts at ${notBefore.toISOString()}` : ""}`;
    await tx.rollout.update({ where: { id: r.id }, data: { currentWave: r.currentWave + 1, notBefore, decision: text, revision: { increment: 1 } } });
    await recordAudit(tx, DRIVER, "rollout.wave", { type: "rollout", id: r.id }, { wave: r.currentWave }, { wave: r.currentWave + 1, decision: text });
  });
  return true;
}

// ---------------------------------------------------------------- assigning

/** "release@version" a boot reported, as a key (a bare version is of the host's own release). */
const bootedKey = (reported: string | null, release: string) => (reported ? (reported.includes("@") ? reported : `${release}@${reported}`) : null);

/**
 * The wave's hosts pinned to the rollout's version, each remembering its pin and the version it
 * last booted (else the one it was assigned): what a rollback brings it back to. One transaction.
 */
async function assign(r: RolloutRow, pending: RolloutHost[], ctx: Ctx): Promise<boolean> {
  const rows = await db.host.findMany({
    where: { id: { in: pending.map((h) => h.hostId).filter((x): x is string => !!x) } },
    select: { id: true, pinnedVersionId: true, release: { select: { name: true, versions: { select: { id: true, version: true, status: true, activatedAt: true } } } }, lastBoot: { select: { releaseVersion: true } } },
  });
  const byId = new Map(rows.map((h) => [h.id, h]));
  const keys = [...new Set(rows.map((h) => bootedKey(h.lastBoot?.releaseVersion ?? null, h.release.name)).filter((k): k is string => !!k))];
  const booted = keys.length
    ? await db.releaseVersion.findMany({
        where: { OR: keys.map((k) => ({ release: { name: k.slice(0, k.lastIndexOf("@")) }, version: k.slice(k.lastIndexOf("@") + 1) })) },
        select: { id: true, version: true, release: { select: { name: true } } },
      })
    : [];
  const bootedId = new Map(booted.map((v) => [`${v.release.name}@${v.version}`, v.id]));
  const label = `${r.version.release.name}@${r.version.version}`;
  const before: Record<string, unknown> = {};
  await db.$transaction(async (tx) => {
    await claim(tx, r.id, ctx, ["running"]);
    for (const h of pending) {
      const row = h.hostId ? byId.get(h.hostId) : undefined;
      if (!row) {
        await tx.rolloutHost.updateMany({ where: { id: h.id, state: "pending" }, data: { state: "failed", reason: "the host was deleted", finishedAt: ctx.now } });
        continue;
      }
      const key = bootedKey(row.lastBoot?.releaseVersion ?? null, row.release.name);
      const previous = (key && bootedId.get(key)) || row.pinnedVersionId || latestActive(row.release.versions)?.id || null;
      before[h.hostName] = { pinnedVersionId: row.pinnedVersionId, booted: key };
      await tx.host.update({ where: { id: row.id }, data: { releaseId: r.version.releaseId, pinnedVersionId: r.versionId, revision: { increment: 1 } } });
      await tx.rolloutHost.updateMany({
        where: { id: h.id, state: "pending" },
        data: { state: "published", previousPinnedVersionId: row.pinnedVersionId, previousVersionId: previous, expectedVersion: label, expectedInitrdSha256: null },
      });
    }
    await auditHosts(tx, "rollout.assign", r, pending, { release: label }, { hosts: before });
  });
  return true;
}

/** The failed wave's hosts pinned back to the version each booted before (rollback_published). */
async function assignBack(r: RolloutRow, hosts: RolloutHost[], ctx: Ctx): Promise<boolean> {
  const versions = await db.releaseVersion.findMany({
    where: { id: { in: hosts.map((h) => h.previousVersionId).filter((x): x is string => !!x) } },
    select: { id: true, releaseId: true, version: true, release: { select: { name: true } } },
  });
  const byId = new Map(versions.map((v) => [v.id, v]));
  const after: Record<string, string | null> = {};
  await db.$transaction(async (tx) => {
    await claim(tx, r.id, ctx, ["rolling_back"]);
    for (const h of hosts) {
      const prev = h.previousVersionId ? byId.get(h.previousVersionId) : undefined;
      const problem = !h.hostId ? "the host was deleted" : !prev ? "no version to go back to (it had booted none and was assigned none)" : null;
      if (problem || !prev) {
        await tx.rolloutHost.updateMany({ where: { id: h.id, state: h.state }, data: { state: "rollback_failed", reason: `rollback: ${problem}`, finishedAt: ctx.now } });
        after[h.hostName] = null;
        continue;
      }
      await tx.host.update({ where: { id: h.hostId! }, data: { releaseId: prev.releaseId, pinnedVersionId: prev.id, revision: { increment: 1 } } });
      const label = `${prev.release.name}@${prev.version}`;
      await tx.rolloutHost.updateMany({
        where: { id: h.id, state: h.state },
        data: { state: "rollback_published", expectedVersion: label, expectedInitrdSha256: null, cycledAt: null, bootRowId: null, stage: null, finishedAt: null },
      });
      after[h.hostName] = label;
    }
    await auditHosts(tx, "rollout.rollback_assign", r, hosts, { hosts: after });
  });
  return true;
}

// ---------------------------------------------------------------- publishing and power

/** Publishes the hosts assigned but not yet published; each learns the overlay it must report. */
async function publishStep(r: RolloutRow, wave: RolloutHost[], phase: Phase, ctx: Ctx): Promise<boolean> {
  const todo = wave.filter((h) => h.state === phase.published && !h.expectedInitrdSha256);
  if (!todo.length) return false;
  let failure: string | null = null;
  let result: Awaited<ReturnType<typeof publishHosts>> | null = null;
  try {
    // the rollouts' one call site of publishing: these hosts' files (their networks' DHCP files if changed)
    result = await publishHosts(DRIVER, { names: todo.map((h) => h.hostName) }, { outDir: exportDir() });
  } catch (e) {
    if (e instanceof AppError && e.status === 409) return false; // another publication is running: next tick
    failure = e instanceof Error ? e.message : String(e);
  }
  const skipped = new Map((result?.skipped ?? []).map((s) => [s.host, s.reason]));
  // what each host must now report booting (publishHosts answers what it recorded on the host)
  const assigned = new Map((result?.assigned ?? []).map((a) => [a.host, a.initrdSha256]));
  await db.$transaction(async (tx) => {
    await claim(tx, r.id, ctx, phase.drives);
    for (const h of todo) {
      const sha = assigned.get(h.hostName) ?? null;
      const problem = failure ?? skipped.get(h.hostName) ?? (sha ? null : "its publication gave it no overlay");
      const data = problem
        ? { state: phase.failed, reason: `${phase === BACKWARD ? "rollback: " : ""}not published: ${problem}`, finishedAt: ctx.now }
        : { expectedInitrdSha256: sha };
      await tx.rolloutHost.updateMany({ where: { id: h.id, state: phase.published, expectedInitrdSha256: null }, data });
    }
    await auditHosts(tx, phase === BACKWARD ? "rollout.rollback_publish" : "rollout.publish", r, todo, { publicationId: result?.publicationId ?? null, ...(failure ? { error: failure } : {}) });
  });
  return true;
}

/**
 * Power mode: the published hosts go to `cycling` (written first), then their BMCs are asked once,
 * then each answer is written (waiting, or failed with the BMC's message). Manual mode: they wait
 * for their own reboot, watched from now.
 */
async function cycleStep(r: RolloutRow, wave: RolloutHost[], phase: Phase, ctx: Ctx): Promise<boolean> {
  const todo = wave.filter((h) => h.state === phase.published && h.expectedInitrdSha256);
  if (!todo.length) return false;
  const ids = todo.map((h) => h.id);
  if (r.mode === "manual") {
    await db.$transaction(async (tx) => {
      await claim(tx, r.id, ctx, phase.drives);
      await tx.rolloutHost.updateMany({ where: { id: { in: ids }, state: phase.published }, data: { state: phase.waiting, cycledAt: ctx.now, powerMessage: "manual: waiting for it to reboot by itself" } });
      await auditHosts(tx, "rollout.wait", r, todo, { mode: "manual" });
    });
    return true;
  }
  await db.$transaction(async (tx) => {
    await claim(tx, r.id, ctx, phase.drives);
    await tx.rolloutHost.updateMany({ where: { id: { in: ids }, state: phase.published }, data: { state: phase.cycling, cycledAt: ctx.now, powerMessage: null } });
  });
  const names = todo.map((h) => h.hostName);
  let outcomes: PowerOutcome[];
  try {
    outcomes = await ctx.power.cycle(names);
  } catch (e) {
    const message = `power control failed: ${e instanceof Error ? e.message : String(e)}`;
    outcomes = names.map((host) => ({ host, ok: false, message, durationMs: 0 }));
  }
  const answer = new Map(outcomes.map((o) => [o.host, o]));
  // the answers are written whatever the rollout's state now: the cycles happened
  await db.$transaction(async (tx) => {
    await claim(tx, r.id, ctx);
    for (const h of todo) {
      const o = answer.get(h.hostName) ?? { ok: false, message: "power control gave no answer for it" };
      const data = o.ok
        ? { state: phase.waiting, powerMessage: o.message }
        : { state: phase.failed, powerMessage: o.message, reason: `${phase === BACKWARD ? "rollback: " : ""}power cycle failed: ${o.message}`, finishedAt: ctx.now };
      await tx.rolloutHost.updateMany({ where: { id: h.id, state: phase.cycling }, data });
    }
    await auditHosts(tx, phase === BACKWARD ? "rollout.rollback_cycle" : "rollout.cycle", r, todo, {
      hosts: Object.fromEntries(todo.map((h) => [h.hostName, { ok: answer.get(h.hostName)?.ok ?? false, message: answer.get(h.hostName)?.message ?? null }])),
    });
  });
  return true;
}

/** The rollback's end once every host of the failed wave is back or not: rolled_back, with the result in words. */
async function endRollback(r: RolloutRow, wave: RolloutHost[], ctx: Ctx): Promise<boolean> {
  const back = wave.filter((h) => phaseOf(h.state) === BACKWARD || h.state === "rolled_back");
  const text = decideRollback(
    r.currentWave,
    r.canary,
    back.map((h) => ({ name: h.hostName, outcome: outcomeOf(h.state), reason: h.reason })),
  );
  if (text === null) return false;
  const decision = r.decision ? `${r.decision}. ${text}` : text;
  await db.$transaction(async (tx) => {
    await claim(tx, r.id, ctx, ["rolling_back"]);
    await tx.rollout.update({ where: { id: r.id }, data: { state: "rolled_back", decision, finishedAt: ctx.now, revision: { increment: 1 } } });
    await recordAudit(tx, DRIVER, "rollout.rolled_back", { type: "rollout", id: r.id }, { state: r.state }, { state: "rolled_back", decision });
  });
  return true;
}
