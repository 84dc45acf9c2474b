import "server-only";
import { db } from "@/lib/db";
import { hostReportToken, tokenMatches } from "@/lib/auth/host-token";
import { serverSecret } from "@/lib/env";

// Who is reporting a boot: the host behind the MAC, proved by its report token. The enrolled hosts
// are cached by MAC (reports arrive by the thousand in a boot storm), refreshed every 30 s and
// forgotten at once when enrolment changes in this process. Other processes (console replicas,
// the CLI) bump the "hosts" change counter when they change enrolment; each process reads that
// one row at most once a second while reports arrive, and forgets its cache when it moved: a
// change made anywhere is seen everywhere within about a second.

interface HostKey {
  id: string;
  name: string;
  gen: number;
  /** its reserved address (the one it boots and reports from, unless NATed) */
  ip: string;
  /**
   * its current report token as bytes and the secret it was derived with, filled by the first
   * report: an HMAC per host, not per report. A rotation bumps the generation, and the host is
   * then read again into a new HostKey (invalidateReporters, the change counter, or recheck).
   */
  token?: { secret: Buffer; gen: number; bytes: Buffer };
}

const CACHE_MS = 30_000;
const MISS_MS = 10_000;
/** How often the change counter is read (the staleness bound across processes). */
const POLL_MS = 1000;
const COUNTER = "hosts";

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
  /** the change counter as last read (-1: not yet), when, and the read under way */
  counter: number;
  polledAt: number;
  polling: Promise<void> | null;
}
const cache = ((globalThis as Record<symbol, unknown>)[Symbol.for("afsboot.reporters")] ??= {
  byMac: new Map(),
  loadedAt: 0,
  loading: null,
  misses: new Map(),
  generation: 0,
  rechecked: new Map(),
  counter: -1,
  polledAt: 0,
  polling: null,
} satisfies Reporters) as Reporters;

/** Reads the change counter; a move since the last read (another process changed enrolment) empties the cache. */
async function poll() {
  const row = await db.changeCounter.findUnique({ where: { key: COUNTER }, select: { value: true } });
  const value = row?.value ?? 0;
  if (cache.counter !== -1 && value !== cache.counter) invalidateReporters();
  cache.counter = value;
  cache.polledAt = Date.now();
}

/** Tells every process that enrolment changed (their caches go within POLL_MS). */
export async function bumpHostsCounter() {
  await db.changeCounter.upsert({ where: { key: COUNTER }, create: { key: COUNTER, value: 1 }, update: { value: { increment: 1 } } });
}

async function reload() {
  const generation = cache.generation;
  const rows = await db.host.findMany({ select: { id: true, name: true, mac: true, ip: true, tokenGeneration: true } });
  if (generation !== cache.generation) return; // invalidated meanwhile: the next lookup loads again
  cache.byMac = new Map(rows.map((h) => [h.mac, { id: h.id, name: h.name, gen: h.tokenGeneration, ip: h.ip }]));
  cache.loadedAt = Date.now();
  cache.misses.clear();
}

/** Forget cached hosts (after enrolment changes in this process; other processes see the change counter). */
export function invalidateReporters() {
  cache.generation++;
  // (not kept until the next load: a lookup waiting for a load this aborts reads the map next)
  cache.byMac = new Map();
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
  if (Date.now() - cache.polledAt > POLL_MS) {
    cache.polling ??= poll().finally(() => (cache.polling = null));
    await cache.polling;
  }
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

/** The enrolled host behind a MAC, if any (for the boot server's own reports). */
export const hostByMac = (mac: string) => lookup(mac);

export type Identified = { kind: "host"; host: HostKey } | { kind: "unknown" } | { kind: "refused"; message: string };

/** The host's current report token as bytes: derived once per host, generation and secret. */
function currentToken(secret: Buffer, host: HostKey): Buffer {
  const t = host.token;
  if (t && t.secret === secret && t.gen === host.gen) return t.bytes;
  const bytes = Buffer.from(hostReportToken(secret, host.id, host.gen));
  host.token = { secret, gen: host.gen, bytes };
  return bytes;
}

/**
 * An enrolled MAC always needs its own host's token (compared in constant time); a MAC nobody
 * enrolled, reporting without a token, is a discovery candidate; with a token it is refused.
 */
export async function identify(mac: string, token: string | undefined): Promise<Identified> {
  const secret = serverSecret();
  let host = await lookup(mac);
  if (!host) return token ? { kind: "refused", message: `MAC ${mac} is not enrolled: a report token cannot belong to it` } : { kind: "unknown" };
  if (!token) return { kind: "refused", message: `host ${host.name} reports with its report token (Authorization: Bearer … or a token field)` };
  if (tokenMatches(currentToken(secret, host), token)) return { kind: "host", host };
  // rotated since the cache was filled? this one host, read again (not the whole table)
  host = await recheck(mac);
  if (host && tokenMatches(currentToken(secret, host), token)) return { kind: "host", host };
  return { kind: "refused", message: `wrong report token for MAC ${mac}` };
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
    // the other processes: a failed bump (database gone) leaves them on their 30 s refresh
    await bumpHostsCounter().catch(() => undefined);
  }
}
