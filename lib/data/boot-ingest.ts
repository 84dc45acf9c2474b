import "server-only";
import crypto from "node:crypto";
import { Prisma } from "@/lib/generated/prisma/client";
import { db, type Tx } from "@/lib/db";
import { verifyHostReportToken } from "@/lib/auth/host-token";
import { serverSecret } from "@/lib/env";
import { summarizeBoot, type EventFacts, type Stage } from "@/lib/boot/stages";
import type { BootEventInput } from "@/lib/validation/boot-event";
import { errorFields, log } from "@/lib/log";
import { newId, sqlDate } from "./bulk-insert";

// Boot reports in: who sent it (the host behind the MAC, proved by its report token), then group
// commit: reports that arrive while a write is in progress are written together in the next
// transaction (multi-row INSERTs; a boot's summary recomputed from all its events), and every
// request is answered only once its report is committed. Under a boot storm that turns ~10,000
// transactions a second into a few dozen; alone, a report waits for nothing.

// ---------------------------------------------------------------- who is reporting

interface HostKey {
  id: string;
  name: string;
  gen: number;
  /** its reserved address (the one it boots and reports from, unless NATed) */
  ip: string;
}

const CACHE_MS = 30_000;
const MISS_MS = 10_000;

/**
 * The hosts by MAC, shared by every copy of this module in the process (the Next.js build bundles
 * it into several entries: the report route, the console server's fast path via
 * instrumentation.ts, the server actions that rotate tokens), so that an invalidation anywhere is
 * seen by all of them.
 */
interface Reporters {
  byMac: Map<string, HostKey>;
  loadedAt: number;
  loading: Promise<void> | null;
  misses: Map<string, number>;
  /** bumped by every invalidation: a reload that started before one does not count as fresh */
  generation: number;
  /** last forced re-check per MAC (a wrong token): at most one database read per MAC a second */
  rechecked: Map<string, number>;
}
const cache = ((globalThis as Record<symbol, unknown>)[Symbol.for("afsboot.reporters")] ??= {
  byMac: new Map(),
  loadedAt: 0,
  loading: null,
  misses: new Map(),
  generation: 0,
  rechecked: new Map(),
} satisfies Reporters) as Reporters;

async function reload() {
  const generation = cache.generation;
  const rows = await db.host.findMany({ select: { id: true, name: true, mac: true, ip: true, tokenGeneration: true } });
  if (generation !== cache.generation) return; // invalidated meanwhile: the next lookup loads again
  cache.byMac = new Map(rows.map((h) => [h.mac, { id: h.id, name: h.name, gen: h.tokenGeneration, ip: h.ip }]));
  cache.loadedAt = Date.now();
  cache.misses.clear();
}

/** Forget cached hosts (after enrolment changes in this process; other processes refresh within 30 s). */
export function invalidateReporters() {
  cache.generation++;
  cache.loadedAt = 0;
  cache.loading = null;
  cache.misses.clear();
}

async function fromDatabase(mac: string): Promise<HostKey | null> {
  const row = await db.host.findUnique({ where: { mac }, select: { id: true, name: true, ip: true, tokenGeneration: true } });
  if (!row) {
    cache.byMac.delete(mac);
    if (cache.misses.size > 50_000) cache.misses.clear();
    cache.misses.set(mac, Date.now());
    return null;
  }
  const key = { id: row.id, name: row.name, gen: row.tokenGeneration, ip: row.ip };
  cache.byMac.set(mac, key);
  return key;
}

async function lookup(mac: string): Promise<HostKey | null> {
  if (Date.now() - cache.loadedAt > CACHE_MS) {
    cache.loading ??= reload().finally(() => (cache.loading = null));
    // the first load is awaited; later refreshes too, so a new MAC is seen at once
    await cache.loading;
  }
  const hit = cache.byMac.get(mac);
  if (hit) return hit;
  const missedAt = cache.misses.get(mac);
  if (missedAt && Date.now() - missedAt < MISS_MS) return null;
  return fromDatabase(mac); // enrolled since the last load?
}

/** The host behind a MAC read again (its token may have been rotated), at most once a second per MAC. */
async function recheck(mac: string): Promise<HostKey | null> {
  const last = cache.rechecked.get(mac);
  if (last && Date.now() - last < 1000) return cache.byMac.get(mac) ?? null;
  if (cache.rechecked.size > 50_000) cache.rechecked.clear();
  cache.rechecked.set(mac, Date.now());
  return fromDatabase(mac);
}

/** The enrolled host behind a MAC, if any (the boot server's own reports, /boot/'s per-host files). */
export const hostByMac = (mac: string) => lookup(mac);

export type Identified = { kind: "host"; host: HostKey } | { kind: "unknown" } | { kind: "refused"; message: string };

/**
 * An enrolled MAC always needs its own host's token (compared in constant time); a MAC nobody
 * enrolled, reporting without a token, is a discovery candidate; with a token it is refused.
 */
export async function identify(mac: string, token: string | undefined): Promise<Identified> {
  const secret = serverSecret();
  let host = await lookup(mac);
  if (!host) return token ? { kind: "refused", message: `MAC ${mac} is not enrolled: a report token cannot belong to it` } : { kind: "unknown" };
  if (!token) return { kind: "refused", message: `host ${host.name} reports with its report token (Authorization: Bearer … or a token field)` };
  if (verifyHostReportToken(secret, host.id, host.gen, token)) return { kind: "host", host };
  // rotated since the cache was filled? this one host, read again (not the whole table)
  host = await recheck(mac);
  if (host && verifyHostReportToken(secret, host.id, host.gen, token)) return { kind: "host", host };
  return { kind: "refused", message: `wrong report token for MAC ${mac}` };
}

// ---------------------------------------------------------------- group commit

interface Pending {
  hostId: string;
  /** bootId absent: a pxe or dhcp report of the boot server, joined to the host's pre-boot */
  input: BootEventInput;
  at: Date;
  resolve: (r: { duplicate: boolean }) => void;
  reject: (e: unknown) => void;
}

/**
 * One write queue per process, whichever copy of this module a report came through (the Next.js
 * build bundles it into several entries), so that one transaction at a time writes boots: on
 * SQLite two would collide (SQLITE_BUSY). Bounded: past MAX_QUEUE waiting reports, new ones are
 * refused (503, the client sends again) instead of queueing without limit.
 */
const writer = ((globalThis as Record<symbol, unknown>)[Symbol.for("afsboot.reportWriter")] ??= { queue: [], flushing: false }) as {
  queue: Pending[];
  flushing: boolean;
};
const MAX_BATCH = 500;
const MAX_QUEUE = 20_000;

export class ReportQueueFull extends Error {
  constructor() {
    super(`more than ${MAX_QUEUE} reports are waiting to be written; send it again`);
  }
}

/** Stores one authenticated report; resolves once it is committed (duplicate: bootId+stage was there). */
export function recordReport(hostId: string, input: BootEventInput, at = new Date()): Promise<{ duplicate: boolean }> {
  if (writer.queue.length >= MAX_QUEUE) return Promise.reject(new ReportQueueFull());
  return new Promise((resolve, reject) => {
    writer.queue.push({ hostId, input, at, resolve, reject });
    if (!writer.flushing) void flush();
  });
}

/** A row that cannot be written as it is (a host deleted since its MAC was cached): not the others' fault. */
function isConstraintError(e: unknown): boolean {
  const text = `${(e as { code?: string })?.code ?? ""} ${(e as Error)?.message ?? ""}`;
  return /P2003|23503|SQLITE_CONSTRAINT|FOREIGN KEY|foreign key/.test(text);
}

async function flush() {
  writer.flushing = true;
  try {
    while (writer.queue.length) {
      // let the requests already parsed join this batch
      await new Promise((r) => setImmediate(r));
      const batch = writer.queue.splice(0, MAX_BATCH);
      try {
        const duplicates = await db.$transaction((tx) => writeBatch(tx, batch), { timeout: 15_000 });
        batch.forEach((p, i) => p.resolve({ duplicate: duplicates[i]! }));
      } catch (e) {
        if (batch.length === 1 || !isConstraintError(e)) {
          batch.forEach((p) => p.reject(e));
          continue;
        }
        // one report must not fail the others: each on its own, and the hosts read again
        invalidateReporters();
        log.warn("boot report batch failed on a constraint; writing its reports one by one", { reports: batch.length, ...errorFields(e) });
        for (const p of batch) {
          try {
            const [duplicate] = await db.$transaction((tx) => writeBatch(tx, [p]), { timeout: 15_000 });
            p.resolve({ duplicate: duplicate! });
          } catch (one) {
            p.reject(one);
          }
        }
      }
    }
  } finally {
    writer.flushing = false;
  }
}

type Row = Record<string, unknown>;
const values = (rows: Row[], cols: string[]) => Prisma.join(rows.map((r) => Prisma.sql`(${Prisma.join(cols.map((c) => r[c] ?? null))})`));
const columns = (cols: string[]) => Prisma.raw(cols.map((c) => `"${c}"`).join(", "));
const iso = sqlDate;

/**
 * The boot server reports pxe and dhcp before the host has a boot id (its /init makes one): such
 * reports open a pre-boot ("pre-…"), and the host's first report with a boot id, within 10
 * minutes of the pre-boot's last event, adopts it: one boot, from DHCP to up.
 */
const PRE = "pre-";
const ADOPT_MS = 10 * 60_000;

/** Per host, its newest boot (by start) among those matching `which`, in chunks of 500 hosts. */
async function newestBoots(tx: Tx, hosts: string[], which: Prisma.Sql): Promise<Map<string, { id: string; bootId: string }>> {
  const newest = new Map<string, { id: string; bootId: string; startedAt: string }>();
  for (let i = 0; i < hosts.length; i += 500) {
    const rows = await tx.$queryRaw<{ id: string; hostId: string; bootId: string; startedAt: Date | string }[]>`
      SELECT "id", "hostId", "bootId", "startedAt" FROM "Boot" WHERE "hostId" IN (${Prisma.join(hosts.slice(i, i + 500))}) AND ${which}`;
    for (const r of rows) {
      const startedAt = new Date(r.startedAt).toISOString();
      const have = newest.get(r.hostId);
      if (!have || have.startedAt < startedAt) newest.set(r.hostId, { id: r.id, bootId: r.bootId, startedAt });
    }
  }
  return newest;
}

/** The hosts' open pre-boots: opened by the boot server, an event within ADOPT_MS. */
const preBoots = (tx: Tx, batch: Pending[]) =>
  newestBoots(tx, [...new Set(batch.map((p) => p.hostId))], Prisma.sql`"bootId" LIKE ${`${PRE}%`} AND "lastEventAt" > ${iso(new Date(Date.now() - ADOPT_MS))}`);

/** The hosts' boots under way: a boot id of their own, started within ADOPT_MS, not ended. */
const runningBoots = (tx: Tx, hosts: string[]) =>
  newestBoots(tx, hosts, Prisma.sql`"bootId" NOT LIKE ${`${PRE}%`} AND "finishedAt" IS NULL AND "startedAt" > ${iso(new Date(Date.now() - ADOPT_MS))}`);

async function writeBatch(tx: Tx, batch: Pending[]): Promise<boolean[]> {
  const key = (hostId: string, bootId: string) => `${hostId} ${bootId}`;
  // 0. reports without a boot id join the host's open pre-boot, or open one
  const open = batch.some((p) => !p.input.bootId || p.input.stage === "initrd" || p.input.stage === "network") ? await preBoots(tx, batch) : new Map<string, { id: string; bootId: string }>();
  // a late boot-server report for a host whose boot is already under way (the initrd's own DHCP
  // seen by the DHCP hook) joins that boot instead of opening a new one that would go nowhere
  const waiting = [...new Set(batch.filter((p) => !p.input.bootId && !open.has(p.hostId)).map((p) => p.hostId))];
  const running = waiting.length ? await runningBoots(tx, waiting) : new Map<string, { id: string; bootId: string }>();
  for (const p of batch) {
    if (p.input.bootId) continue;
    const current = running.get(p.hostId);
    if (current) {
      p.input = { ...p.input, bootId: current.bootId };
      continue;
    }
    let pre = open.get(p.hostId);
    if (!pre) {
      pre = { id: "", bootId: `${PRE}${crypto.randomBytes(12).toString("hex")}` };
      open.set(p.hostId, pre);
    }
    p.input = { ...p.input, bootId: pre.bootId };
  }
  // 1. the Boot rows: existing ones, then the new ones (a first report of any stage opens a boot)
  const ids = new Map<string, string>();
  const bootIds = [...new Set(batch.map((p) => p.input.bootId!))];
  const hostIds = [...new Set(batch.map((p) => p.hostId))];
  const findBoots = async () => {
    // by (hostId, bootId): the unique index answers it (bootId alone would scan every boot)
    for (let i = 0; i < bootIds.length; i += 500) {
      const rows = await tx.$queryRaw<{ id: string; hostId: string; bootId: string }[]>`
        SELECT "id", "hostId", "bootId" FROM "Boot" WHERE "hostId" IN (${Prisma.join(hostIds)}) AND "bootId" IN (${Prisma.join(bootIds.slice(i, i + 500))})`;
      for (const r of rows) ids.set(key(r.hostId, r.bootId), r.id);
    }
  };
  await findBoots();
  const fresh = new Map<string, Row>();
  for (const p of batch) {
    const bootId = p.input.bootId!;
    const k = key(p.hostId, bootId);
    if (ids.has(k) || fresh.has(k)) continue;
    // the host's own first report adopts the boot server's pre-boot
    const pre = open.get(p.hostId);
    if (pre?.id && !bootId.startsWith(PRE)) {
      await tx.$executeRaw`UPDATE "Boot" SET "bootId" = ${bootId} WHERE "id" = ${pre.id} AND "bootId" = ${pre.bootId}`;
      ids.set(k, pre.id);
      open.delete(p.hostId);
      continue;
    }
    fresh.set(k, { id: newId("b"), hostId: p.hostId, bootId, state: "booting", currentStage: p.input.stage === "failed" ? (p.input.failedStage ?? "failed") : p.input.stage, startedAt: iso(p.at), lastEventAt: iso(p.at) });
  }
  if (fresh.size) {
    const cols = ["id", "hostId", "bootId", "state", "currentStage", "startedAt", "lastEventAt"];
    const n = await tx.$executeRaw`INSERT INTO "Boot" (${columns(cols)}) VALUES ${values([...fresh.values()], cols)} ON CONFLICT ("hostId", "bootId") DO NOTHING`;
    for (const [k, r] of fresh) ids.set(k, r.id as string);
    if (n < fresh.size) await findBoots(); // another replica opened some of them first
  }

  // 2. the events: a retried report (same boot, same stage) is not a second event
  const eventCols = ["id", "bootRowId", "stage", "failedStage", "at", "clientAt", "message", "initrdSha256", "releaseVersion", "ip"];
  const rows = batch.map((p) => ({
    id: newId("e"),
    bootRowId: ids.get(key(p.hostId, p.input.bootId!))!,
    stage: p.input.stage,
    failedStage: p.input.stage === "failed" ? (p.input.failedStage ?? null) : null,
    at: iso(p.at),
    clientAt: p.input.at ?? null,
    message: p.input.message ?? null,
    initrdSha256: p.input.initrdSha256 ?? null,
    releaseVersion: p.input.releaseVersion ?? null,
    ip: p.input.ip ?? null,
  }));
  const inserted = new Set<string>();
  for (let i = 0; i < rows.length; i += 250) {
    const chunk = rows.slice(i, i + 250);
    const got = await tx.$queryRaw<{ id: string }[]>`INSERT INTO "BootEvent" (${columns(eventCols)}) VALUES ${values(chunk, eventCols)} ON CONFLICT ("bootRowId", "stage") DO NOTHING RETURNING "id"`;
    for (const g of got) inserted.add(g.id);
  }
  const duplicates = rows.map((r) => !inserted.has(r.id));

  // 3. each touched boot summarised again from all its events (they may arrive in any order)
  const touched = [...new Set(rows.filter((r) => inserted.has(r.id)).map((r) => r.bootRowId))];
  if (touched.length) {
    const events: (EventFacts & { bootRowId: string })[] = [];
    for (let i = 0; i < touched.length; i += 500) {
      const got = await tx.$queryRaw<{ bootRowId: string; stage: Stage; failedStage: Stage | null; at: Date | string; message: string | null; initrdSha256: string | null; releaseVersion: string | null; ip: string | null }[]>`
        SELECT "bootRowId", "stage", "failedStage", "at", "message", "initrdSha256", "releaseVersion", "ip" FROM "BootEvent" WHERE "bootRowId" IN (${Prisma.join(touched.slice(i, i + 500))})`;
      for (const e of got) events.push({ ...e, at: new Date(e.at) });
    }
    const per = new Map<string, EventFacts[]>();
    for (const e of events) per.set(e.bootRowId, [...(per.get(e.bootRowId) ?? []), e]);
    const owner = new Map(rows.map((r, i) => [r.bootRowId, batch[i]!]));
    const summaries = touched.map((id) => {
      const s = summarizeBoot(per.get(id)!);
      const p = owner.get(id)!;
      return {
        id, hostId: p.hostId, bootId: p.input.bootId!, state: s.state, currentStage: s.currentStage, failedStage: s.failedStage, message: s.message,
        startedAt: iso(s.startedAt), lastEventAt: iso(s.lastEventAt), finishedAt: s.finishedAt ? iso(s.finishedAt) : null,
        initrdSha256: s.initrdSha256, releaseVersion: s.releaseVersion, clientIp: s.clientIp,
      };
    });
    const byId = new Map(summaries.map((s) => [s.id, s]));
    const summaryOf = (id: string) => byId.get(id);
    const bootCols = ["id", "hostId", "bootId", "state", "currentStage", "failedStage", "message", "startedAt", "lastEventAt", "finishedAt", "initrdSha256", "releaseVersion", "clientIp"];
    const set = Prisma.raw(bootCols.filter((c) => !["id", "hostId", "bootId"].includes(c)).map((c) => `"${c}" = excluded."${c}"`).join(", "));
    for (let i = 0; i < summaries.length; i += 250) {
      await tx.$executeRaw`INSERT INTO "Boot" (${columns(bootCols)}) VALUES ${values(summaries.slice(i, i + 250), bootCols)} ON CONFLICT ("id") DO UPDATE SET ${set}`;
    }
    // 4. a host's last boot: the newest one it started (only new boots can change it); one
    //    statement for the whole batch, each host's newest new boot
    const newest = new Map<string, { hostId: string; id: string; startedAt: string }>();
    for (const b of fresh.values()) {
      const s = summaryOf(b.id as string);
      if (!s) continue;
      const have = newest.get(s.hostId);
      if (!have || have.startedAt <= s.startedAt) newest.set(s.hostId, { hostId: s.hostId, id: s.id, startedAt: s.startedAt });
    }
    const news = [...newest.values()];
    for (let i = 0; i < news.length; i += 250) {
      const chunk = news.slice(i, i + 250);
      const pick = Prisma.sql`CASE "Host"."id" ${Prisma.join(chunk.map((n) => Prisma.sql`WHEN ${n.hostId} THEN ${n.id}`), " ")} END`;
      await tx.$executeRaw`UPDATE "Host" SET "lastBootId" = ${pick}
        WHERE "id" IN (${Prisma.join(chunk.map((n) => n.hostId))})
          AND ("lastBootId" IS NULL OR (SELECT "startedAt" FROM "Boot" WHERE "Boot"."id" = "Host"."lastBootId") <= (SELECT "startedAt" FROM "Boot" WHERE "Boot"."id" = ${pick}))`;
    }
  }
  return duplicates;
}

// ---------------------------------------------------------------- discovery

/** A report from a MAC nobody enrolled: kept apart for the Unknown hosts list, never attached to a host. */
export async function recordDiscovery(input: BootEventInput, at = new Date()) {
  await db.$executeRaw`INSERT INTO "DiscoveredHost" ("id", "mac", "firstSeenAt", "lastSeenAt", "lastIp", "lastStage", "lastMessage", "reports", "dismissed")
    VALUES (${`d${crypto.randomBytes(12).toString("hex")}`}, ${input.mac}, ${iso(at)}, ${iso(at)}, ${input.ip ?? null}, ${input.stage}, ${input.message ?? null}, 1, false)
    ON CONFLICT ("mac") DO UPDATE SET "lastSeenAt" = excluded."lastSeenAt", "lastIp" = COALESCE(excluded."lastIp", "DiscoveredHost"."lastIp"),
      "lastStage" = excluded."lastStage", "lastMessage" = excluded."lastMessage", "reports" = "DiscoveredHost"."reports" + 1`;
}

/** The pxe reports reportFetch started that are not stored yet. */
const fetchReports = new Set<Promise<void>>();

/**
 * The console serving a host's own iPXE script under /boot/ is the pxe stage: reported in the
 * background (serving never waits for it); MACs nobody enrolled are ignored here.
 */
export function reportFetch(mac: string, ip: string | null, message: string): void {
  const done: Promise<void> = hostByMac(mac)
    .then((h) => (h ? recordReport(h.id, { mac, stage: "pxe", message, ...(ip && /^\d{1,3}(\.\d{1,3}){3}$/.test(ip) ? { ip } : {}) }) : null))
    .then(
      () => undefined,
      (e: unknown) => log.warn("pxe report from /boot/ failed", { mac, ...errorFields(e) }),
    )
    .finally(() => fetchReports.delete(done));
  fetchReports.add(done);
}

/** Resolves once every pxe report started by reportFetch so far is stored (or has failed). */
export async function fetchReportsSettled(): Promise<void> {
  await Promise.all([...fetchReports]);
}

/**
 * Runs a change of enrolled hosts (create, MAC or name change, delete) and then forgets the
 * cached hosts, so that the next report sees the committed change, whether it succeeded or not.
 */
export async function afterHostChange<T>(change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } finally {
    invalidateReporters();
  }
}
