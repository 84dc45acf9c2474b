import "server-only";
import crypto from "node:crypto";
import { db, type Tx } from "@/lib/db";
import { summarizeBoot, type EventFacts, type Stage } from "@/lib/boot/stages";
import type { BootEventInput } from "@/lib/validation/boot-event";
import { errorFields, log } from "@/lib/log";
import { hostByMac, invalidateReporters } from "./boot-reporters";
import { ingestSql, type IngestSql, type Row, type Which } from "./boot-ingest-sql";
import { sqlDate, timeOrderedId } from "./bulk-insert";

// Boot reports in, once boot-reporters.ts has said who sent them: group commit. Reports that
// arrive while a write is in progress are written together in the next transaction (a boot's
// summary recomputed from all its events; the statements in boot-ingest-sql.ts: multi-row through
// Prisma on PostgreSQL, prepared once and run per row on SQLite), and every request is answered
// only once its report is committed. Under a boot storm that turns ~10,000 transactions a second
// into a few dozen; alone, a report waits for nothing.

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

const iso = sqlDate;

/**
 * The boot server reports pxe and dhcp before the host has a boot id (its /init makes one): such
 * reports open a pre-boot ("pre-…"), and the host's first report with a boot id, within 10
 * minutes of the pre-boot's last event, adopts it: one boot, from DHCP to up.
 */
const PRE = "pre-";
const ADOPT_MS = 10 * 60_000;

type BootRef = { id: string; bootId: string };

/** Per host, its newest boot (by start) among those matching `which`. */
async function newestBoots(sql: IngestSql, hosts: string[], which: Which): Promise<Map<string, BootRef>> {
  const newest = new Map<string, { id: string; bootId: string; startedAt: string }>();
  for (const r of await sql.boots(hosts, which)) {
    const startedAt = new Date(r.startedAt).toISOString();
    const have = newest.get(r.hostId);
    if (!have || have.startedAt < startedAt) newest.set(r.hostId, { id: r.id, bootId: r.bootId, startedAt });
  }
  return newest;
}

/** The hosts' open pre-boots: opened by the boot server, an event within ADOPT_MS. */
const preBoots = (sql: IngestSql, batch: Pending[]) =>
  newestBoots(sql, [...new Set(batch.map((p) => p.hostId))], { kind: "pre", prefix: PRE, since: iso(new Date(Date.now() - ADOPT_MS)) });

/** The hosts' boots under way: a boot id of their own, started within ADOPT_MS, not ended. */
const runningBoots = (sql: IngestSql, hosts: string[]) => newestBoots(sql, hosts, { kind: "running", prefix: PRE, since: iso(new Date(Date.now() - ADOPT_MS)) });

const bootKey = (hostId: string, bootId: string) => `${hostId} ${bootId}`;

/** One transaction: the batch's boots, events, boot summaries and hosts' last boots. Per report: was it a duplicate. */
async function writeBatch(tx: Tx, batch: Pending[]): Promise<boolean[]> {
  const sql = ingestSql(tx);
  const open = await giveBootIds(sql, batch);
  const { ids, fresh } = await bootRows(sql, batch, open);
  const { rows, inserted } = await insertEvents(sql, batch, ids);
  // each touched boot summarised again from all its events (they may arrive in any order)
  const touched = [...new Set(rows.filter((r) => inserted.has(r.id)).map((r) => r.bootRowId))];
  if (touched.length) {
    const owner = new Map(rows.map((r, i) => [r.bootRowId, batch[i]!]));
    const summaries = await summarizeBoots(sql, touched, owner);
    await setLastBoots(sql, [...fresh.values()].map((b) => summaries.get(b.id as string)).filter((s) => s !== undefined));
  }
  return rows.map((r) => !inserted.has(r.id));
}

/**
 * Reports without a boot id (the boot server's) join the host's boot under way or its open
 * pre-boot, or open one. Returns the hosts' open pre-boots, which a first report with a boot id
 * adopts.
 */
async function giveBootIds(sql: IngestSql, batch: Pending[]): Promise<Map<string, BootRef>> {
  const open = batch.some((p) => !p.input.bootId || p.input.stage === "initrd" || p.input.stage === "network") ? await preBoots(sql, batch) : new Map<string, BootRef>();
  // a late boot-server report for a host whose boot is already under way (the initrd's own DHCP
  // seen by the DHCP hook) joins that boot instead of opening a new one that would go nowhere
  const waiting = [...new Set(batch.filter((p) => !p.input.bootId && !open.has(p.hostId)).map((p) => p.hostId))];
  const running = waiting.length ? await runningBoots(sql, waiting) : new Map<string, BootRef>();
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
async function bootRows(sql: IngestSql, batch: Pending[], open: Map<string, BootRef>): Promise<{ ids: Map<string, string>; fresh: Map<string, Row> }> {
  const ids = new Map<string, string>();
  const pairs = [...new Map(batch.map((p) => [bootKey(p.hostId, p.input.bootId!), { hostId: p.hostId, bootId: p.input.bootId! }])).values()];
  const findBoots = async () => {
    for (const r of await sql.findBoots(pairs)) ids.set(bootKey(r.hostId, r.bootId), r.id);
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
      await sql.adopt(pre.id, pre.bootId, bootId);
      ids.set(k, pre.id);
      open.delete(p.hostId);
      continue;
    }
    fresh.set(k, { id: timeOrderedId("b"), hostId: p.hostId, bootId, state: "booting", currentStage: p.input.stage === "failed" ? (p.input.failedStage ?? "failed") : p.input.stage, startedAt: iso(p.at), lastEventAt: iso(p.at) });
  }
  if (fresh.size) {
    const n = await sql.insertBoots([...fresh.values()]);
    for (const [k, r] of fresh) ids.set(k, r.id as string);
    if (n < fresh.size) await findBoots(); // another replica opened some of them first
  }
  return { ids, fresh };
}

/** One event per report; a retried report (same boot, same stage) is not a second event. `inserted`: the ids of the new ones. */
async function insertEvents(sql: IngestSql, batch: Pending[], ids: Map<string, string>) {
  const rows = batch.map((p) => ({
    id: timeOrderedId("e"),
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
  return { rows, inserted: await sql.insertEvents(rows) };
}

type BootSummaryRow = { id: string; hostId: string; bootId: string; startedAt: string } & Row;

/** The boots' rows rewritten from all their events (lib/boot/stages.ts summarizeBoot), by row id. */
async function summarizeBoots(sql: IngestSql, touched: string[], owner: Map<string, Pending>): Promise<Map<string, BootSummaryRow>> {
  const per = new Map<string, EventFacts[]>();
  for (const e of await sql.events(touched)) {
    const facts = { ...e, stage: e.stage as Stage, failedStage: e.failedStage as Stage | null, at: new Date(e.at) };
    const have = per.get(e.bootRowId);
    if (have) have.push(facts);
    else per.set(e.bootRowId, [facts]);
  }
  const summaries = touched.map((id) => {
    const s = summarizeBoot(per.get(id)!);
    const p = owner.get(id)!;
    return {
      id, hostId: p.hostId, bootId: p.input.bootId!, state: s.state, currentStage: s.currentStage, failedStage: s.failedStage, message: s.message,
      startedAt: iso(s.startedAt), lastEventAt: iso(s.lastEventAt), finishedAt: s.finishedAt ? iso(s.finishedAt) : null,
      initrdSha256: s.initrdSha256, releaseVersion: s.releaseVersion, clientIp: s.clientIp,
    };
  });
  await sql.writeSummaries(summaries);
  return new Map(summaries.map((s) => [s.id, s]));
}

/**
 * A host's last boot: the newest one it started. Only new boots can change it (`opened`: the
 * summaries of the boots this batch opened); each host's newest new boot.
 */
async function setLastBoots(sql: IngestSql, opened: BootSummaryRow[]) {
  const newest = new Map<string, { hostId: string; id: string; startedAt: string }>();
  for (const s of opened) {
    const have = newest.get(s.hostId);
    if (!have || have.startedAt <= s.startedAt) newest.set(s.hostId, { hostId: s.hostId, id: s.id, startedAt: s.startedAt });
  }
  await sql.setLastBoots([...newest.values()]);
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

