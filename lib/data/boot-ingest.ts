import "server-only";
import crypto from "node:crypto";
import { Prisma } from "@/lib/generated/prisma/client";
import { db, type Tx } from "@/lib/db";
import { summarizeBoot, type EventFacts, type Stage } from "@/lib/boot/stages";
import type { BootEventInput } from "@/lib/validation/boot-event";
import { errorFields, log } from "@/lib/log";
import { hostByMac, invalidateReporters } from "./boot-reporters";
import { newId, sqlDate } from "./bulk-insert";

// Boot reports in, once boot-reporters.ts has said who sent them: group commit. Reports that
// arrive while a write is in progress are written together in the next transaction (multi-row
// INSERTs; a boot's summary recomputed from all its events), and every request is answered only
// once its report is committed. Under a boot storm that turns ~10,000 transactions a second into
// a few dozen; alone, a report waits for nothing.

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

type BootRef = { id: string; bootId: string };

/** Per host, its newest boot (by start) among those matching `which`, in chunks of 500 hosts. */
async function newestBoots(tx: Tx, hosts: string[], which: Prisma.Sql): Promise<Map<string, BootRef>> {
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

const bootKey = (hostId: string, bootId: string) => `${hostId} ${bootId}`;

/** One transaction: the batch's boots, events, boot summaries and hosts' last boots. Per report: was it a duplicate. */
async function writeBatch(tx: Tx, batch: Pending[]): Promise<boolean[]> {
  const open = await giveBootIds(tx, batch);
  const { ids, fresh } = await bootRows(tx, batch, open);
  const { rows, inserted } = await insertEvents(tx, batch, ids);
  // each touched boot summarised again from all its events (they may arrive in any order)
  const touched = [...new Set(rows.filter((r) => inserted.has(r.id)).map((r) => r.bootRowId))];
  if (touched.length) {
    const owner = new Map(rows.map((r, i) => [r.bootRowId, batch[i]!]));
    const summaries = await summarizeBoots(tx, touched, owner);
    await setLastBoots(tx, [...fresh.values()].map((b) => summaries.get(b.id as string)).filter((s) => s !== undefined));
  }
  return rows.map((r) => !inserted.has(r.id));
}

/**
 * Reports without a boot id (the boot server's) join the host's boot under way or its open
 * pre-boot, or open one. Returns the hosts' open pre-boots, which a first report with a boot id
 * adopts.
 */
async function giveBootIds(tx: Tx, batch: Pending[]): Promise<Map<string, BootRef>> {
  const open = batch.some((p) => !p.input.bootId || p.input.stage === "initrd" || p.input.stage === "network") ? await preBoots(tx, batch) : new Map<string, BootRef>();
  // a late boot-server report for a host whose boot is already under way (the initrd's own DHCP
  // seen by the DHCP hook) joins that boot instead of opening a new one that would go nowhere
  const waiting = [...new Set(batch.filter((p) => !p.input.bootId && !open.has(p.hostId)).map((p) => p.hostId))];
  const running = waiting.length ? await runningBoots(tx, waiting) : new Map<string, BootRef>();
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
  return open;
}

/**
 * The Boot row of each report, by bootKey: existing ones, adopted pre-boots, then the new ones
 * (a first report of any stage opens a boot). `fresh`: the rows this batch opened.
 */
async function bootRows(tx: Tx, batch: Pending[], open: Map<string, BootRef>): Promise<{ ids: Map<string, string>; fresh: Map<string, Row> }> {
  const ids = new Map<string, string>();
  const bootIds = [...new Set(batch.map((p) => p.input.bootId!))];
  const hostIds = [...new Set(batch.map((p) => p.hostId))];
  const findBoots = async () => {
    // by (hostId, bootId): the unique index answers it (bootId alone would scan every boot)
    for (let i = 0; i < bootIds.length; i += 500) {
      const rows = await tx.$queryRaw<{ id: string; hostId: string; bootId: string }[]>`
        SELECT "id", "hostId", "bootId" FROM "Boot" WHERE "hostId" IN (${Prisma.join(hostIds)}) AND "bootId" IN (${Prisma.join(bootIds.slice(i, i + 500))})`;
      for (const r of rows) ids.set(bootKey(r.hostId, r.bootId), r.id);
    }
  };
  await findBoots();
  const fresh = new Map<string, Row>();
  for (const p of batch) {
    const bootId = p.input.bootId!;
    const k = bootKey(p.hostId, bootId);
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
  return { ids, fresh };
}

/** One event per report; a retried report (same boot, same stage) is not a second event. `inserted`: the ids of the new ones. */
async function insertEvents(tx: Tx, batch: Pending[], ids: Map<string, string>) {
  const eventCols = ["id", "bootRowId", "stage", "failedStage", "at", "clientAt", "message", "initrdSha256", "releaseVersion", "ip"];
  const rows = batch.map((p) => ({
    id: newId("e"),
    bootRowId: ids.get(bootKey(p.hostId, p.input.bootId!))!,
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
  return { rows, inserted };
}

type BootSummaryRow = { id: string; hostId: string; bootId: string; startedAt: string } & Row;

/** The boots' rows rewritten from all their events (lib/boot/stages.ts summarizeBoot), by row id. */
async function summarizeBoots(tx: Tx, touched: string[], owner: Map<string, Pending>): Promise<Map<string, BootSummaryRow>> {
  const events: (EventFacts & { bootRowId: string })[] = [];
  for (let i = 0; i < touched.length; i += 500) {
    const got = await tx.$queryRaw<{ bootRowId: string; stage: Stage; failedStage: Stage | null; at: Date | string; message: string | null; initrdSha256: string | null; releaseVersion: string | null; ip: string | null }[]>`
      SELECT "bootRowId", "stage", "failedStage", "at", "message", "initrdSha256", "releaseVersion", "ip" FROM "BootEvent" WHERE "bootRowId" IN (${Prisma.join(touched.slice(i, i + 500))})`;
    for (const e of got) events.push({ ...e, at: new Date(e.at) });
  }
  const per = new Map<string, EventFacts[]>();
  for (const e of events) per.set(e.bootRowId, [...(per.get(e.bootRowId) ?? []), e]);
  const summaries = touched.map((id) => {
    const s = summarizeBoot(per.get(id)!);
    const p = owner.get(id)!;
    return {
      id, hostId: p.hostId, bootId: p.input.bootId!, state: s.state, currentStage: s.currentStage, failedStage: s.failedStage, message: s.message,
      startedAt: iso(s.startedAt), lastEventAt: iso(s.lastEventAt), finishedAt: s.finishedAt ? iso(s.finishedAt) : null,
      initrdSha256: s.initrdSha256, releaseVersion: s.releaseVersion, clientIp: s.clientIp,
    };
  });
  const bootCols = ["id", "hostId", "bootId", "state", "currentStage", "failedStage", "message", "startedAt", "lastEventAt", "finishedAt", "initrdSha256", "releaseVersion", "clientIp"];
  const set = Prisma.raw(bootCols.filter((c) => !["id", "hostId", "bootId"].includes(c)).map((c) => `"${c}" = excluded."${c}"`).join(", "));
  for (let i = 0; i < summaries.length; i += 250) {
    await tx.$executeRaw`INSERT INTO "Boot" (${columns(bootCols)}) VALUES ${values(summaries.slice(i, i + 250), bootCols)} ON CONFLICT ("id") DO UPDATE SET ${set}`;
  }
  return new Map(summaries.map((s) => [s.id, s]));
}

/**
 * A host's last boot: the newest one it started. Only new boots can change it (`opened`: the
 * summaries of the boots this batch opened); one statement for the whole batch, each host's
 * newest new boot.
 */
async function setLastBoots(tx: Tx, opened: BootSummaryRow[]) {
  const newest = new Map<string, { hostId: string; id: string; startedAt: string }>();
  for (const s of opened) {
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

// ---------------------------------------------------------------- reports of /boot/ fetches

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

