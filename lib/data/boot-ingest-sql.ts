import "server-only";
import type SqliteDatabase from "better-sqlite3";
import { Prisma } from "@/lib/generated/prisma/client";
import { sqliteConnection, type Tx } from "@/lib/db";

// The statements of the boot report writer (boot-ingest.ts), inside its transaction, in two forms
// that do the same: through Prisma (multi-row statements, one per chunk of a batch: PostgreSQL,
// where each statement is a round trip), and, on SQLite, straight on the connection under Prisma's
// adapter with each statement prepared once and run per row (no round trips there, and no SQL text
// that changes with the batch's size to compile again: a report costs its rows, not Prisma's
// per-statement work). Same SQL, same results; boot-ingest.test.ts runs both on SQLite.

export type Row = Record<string, unknown>;
export type BootRef = { id: string; hostId: string; bootId: string; startedAt: Date | string };
export type EventRead = {
  bootRowId: string;
  stage: string;
  failedStage: string | null;
  at: Date | string;
  message: string | null;
  initrdSha256: string | null;
  releaseVersion: string | null;
  ip: string | null;
};

export const BOOT_COLS = ["id", "hostId", "bootId", "state", "currentStage", "startedAt", "lastEventAt"] as const;
export const EVENT_COLS = ["id", "bootRowId", "stage", "failedStage", "at", "clientAt", "message", "initrdSha256", "releaseVersion", "ip"] as const;
export const SUMMARY_COLS = [
  "id",
  "hostId",
  "bootId",
  "state",
  "currentStage",
  "failedStage",
  "message",
  "startedAt",
  "lastEventAt",
  "finishedAt",
  "initrdSha256",
  "releaseVersion",
  "clientIp",
] as const;

/** Which boots of a host: its pre-boots with an event since `since`, or its own boots started since `since` and not ended. */
export type Which = { kind: "pre" | "running"; prefix: string; since: string };

export interface IngestSql {
  boots(hostIds: string[], which: Which): Promise<BootRef[]>;
  /** by (hostId, bootId) */
  findBoots(pairs: { hostId: string; bootId: string }[]): Promise<{ id: string; hostId: string; bootId: string }[]>;
  adopt(rowId: string, from: string, to: string): Promise<void>;
  /** new boots (BOOT_COLS), an existing (hostId, bootId) left alone: how many were inserted */
  insertBoots(rows: Row[]): Promise<number>;
  /** events (EVENT_COLS), one per boot and stage: the ids of those inserted */
  insertEvents(rows: Row[]): Promise<Set<string>>;
  events(bootRowIds: string[]): Promise<EventRead[]>;
  /** boots' rows rewritten (SUMMARY_COLS) */
  writeSummaries(rows: Row[]): Promise<void>;
  /** each host's last boot set to `id`, unless its last boot started later */
  setLastBoots(news: { hostId: string; id: string }[]): Promise<void>;
}

const q = (c: string) => `"${c}"`;
const list = (cols: readonly string[]) => cols.map(q).join(", ");
const whichSql = {
  pre: `"bootId" LIKE ? AND "lastEventAt" > ?`,
  running: `"bootId" NOT LIKE ? AND "finishedAt" IS NULL AND "startedAt" > ?`,
};
/** what rewriting a boot's summary sets: all but its keys */
const SUMMARY_SET_COLS = SUMMARY_COLS.filter((c) => !["id", "hostId", "bootId"].includes(c));
const SUMMARY_SET = SUMMARY_SET_COLS.map((c) => `"${c}" = excluded."${c}"`).join(", ");
const SQL = {
  findBoot: `SELECT "id", "hostId", "bootId" FROM "Boot" WHERE "hostId" = ? AND "bootId" = ?`,
  adopt: `UPDATE "Boot" SET "bootId" = ? WHERE "id" = ? AND "bootId" = ?`,
  insertBoots: (rows: string) => `INSERT INTO "Boot" (${list(BOOT_COLS)}) VALUES ${rows} ON CONFLICT ("hostId", "bootId") DO NOTHING`,
  insertEvents: (rows: string) => `INSERT INTO "BootEvent" (${list(EVENT_COLS)}) VALUES ${rows} ON CONFLICT ("bootRowId", "stage") DO NOTHING`,
  events: `SELECT "bootRowId", "stage", "failedStage", "at", "message", "initrdSha256", "releaseVersion", "ip" FROM "BootEvent" WHERE "bootRowId"`,
  writeSummaries: (rows: string) => `INSERT INTO "Boot" (${list(SUMMARY_COLS)}) VALUES ${rows} ON CONFLICT ("id") DO UPDATE SET ${SUMMARY_SET}`,
  lastBoot: (pick: string, hosts: string) => `UPDATE "Host" SET "lastBootId" = ${pick}
      WHERE "id" ${hosts}
        AND ("lastBootId" IS NULL OR (SELECT "startedAt" FROM "Boot" WHERE "Boot"."id" = "Host"."lastBootId") <= (SELECT "startedAt" FROM "Boot" WHERE "Boot"."id" = ${pick}))`,
};
const placeholders = (n: number) => `(${Array(n).fill("?").join(", ")})`;

// ---------------------------------------------------------------- through Prisma (PostgreSQL)

const values = (rows: Row[], cols: readonly string[]) => Prisma.join(rows.map((r) => Prisma.sql`(${Prisma.join(cols.map((c) => r[c] ?? null))})`));
const raw = (sql: string) => Prisma.raw(sql);
const chunks = <T>(xs: T[], n: number) => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, (i + 1) * n));

function prismaSql(tx: Tx): IngestSql {
  return {
    async boots(hostIds, which) {
      const out: BootRef[] = [];
      // whichSql with its two values in place of the "?"
      const [like, since] = whichSql[which.kind].split("?").map(raw);
      for (const hosts of chunks(hostIds, 500)) {
        out.push(
          ...(await tx.$queryRaw<BootRef[]>`SELECT "id", "hostId", "bootId", "startedAt" FROM "Boot" WHERE "hostId" IN (${Prisma.join(hosts)}) AND ${like}${`${which.prefix}%`}${since}${which.since}`),
        );
      }
      return out;
    },
    async findBoots(pairs) {
      // by (hostId, bootId): the unique index answers it (bootId alone would scan every boot)
      const hostIds = [...new Set(pairs.map((p) => p.hostId))];
      const out: { id: string; hostId: string; bootId: string }[] = [];
      for (const bootIds of chunks([...new Set(pairs.map((p) => p.bootId))], 500)) {
        out.push(
          ...(await tx.$queryRaw<{ id: string; hostId: string; bootId: string }[]>`
        SELECT "id", "hostId", "bootId" FROM "Boot" WHERE "hostId" IN (${Prisma.join(hostIds)}) AND "bootId" IN (${Prisma.join(bootIds)})`),
        );
      }
      return out;
    },
    async adopt(rowId, from, to) {
      await tx.$executeRaw`UPDATE "Boot" SET "bootId" = ${to} WHERE "id" = ${rowId} AND "bootId" = ${from}`;
    },
    async insertBoots(rows) {
      let n = 0;
      for (const chunk of chunks(rows, 500))
        n += await tx.$executeRaw`INSERT INTO "Boot" (${raw(list(BOOT_COLS))}) VALUES ${values(chunk, BOOT_COLS)} ON CONFLICT ("hostId", "bootId") DO NOTHING`;
      return n;
    },
    async insertEvents(rows) {
      const inserted = new Set<string>();
      for (const chunk of chunks(rows, 250)) {
        const got = await tx.$queryRaw<{ id: string }[]>`INSERT INTO "BootEvent" (${raw(list(EVENT_COLS))}) VALUES ${values(chunk, EVENT_COLS)} ON CONFLICT ("bootRowId", "stage") DO NOTHING RETURNING "id"`;
        for (const g of got) inserted.add(g.id);
      }
      return inserted;
    },
    async events(bootRowIds) {
      const out: EventRead[] = [];
      for (const ids of chunks(bootRowIds, 500)) out.push(...(await tx.$queryRaw<EventRead[]>`${raw(SQL.events)} IN (${Prisma.join(ids)})`));
      return out;
    },
    async writeSummaries(rows) {
      for (const chunk of chunks(rows, 250))
        await tx.$executeRaw`INSERT INTO "Boot" (${raw(list(SUMMARY_COLS))}) VALUES ${values(chunk, SUMMARY_COLS)} ON CONFLICT ("id") DO UPDATE SET ${raw(SUMMARY_SET)}`;
    },
    async setLastBoots(news) {
      for (const chunk of chunks(news, 250)) {
        const pick = Prisma.sql`CASE "Host"."id" ${Prisma.join(
          chunk.map((n) => Prisma.sql`WHEN ${n.hostId} THEN ${n.id}`),
          " ",
        )} END`;
        await tx.$executeRaw`UPDATE "Host" SET "lastBootId" = ${pick}
      WHERE "id" IN (${Prisma.join(chunk.map((n) => n.hostId))})
        AND ("lastBootId" IS NULL OR (SELECT "startedAt" FROM "Boot" WHERE "Boot"."id" = "Host"."lastBootId") <= (SELECT "startedAt" FROM "Boot" WHERE "Boot"."id" = ${pick}))`;
      }
    },
  };
}

// ---------------------------------------------------------------- straight on SQLite

/** Prepared statements per connection, kept for its life. */
const prepared = new WeakMap<SqliteDatabase.Database, Map<string, SqliteDatabase.Statement>>();
function statement(conn: SqliteDatabase.Database, sql: string): SqliteDatabase.Statement {
  let mine = prepared.get(conn);
  if (!mine) prepared.set(conn, (mine = new Map()));
  let s = mine.get(sql);
  if (!s) mine.set(sql, (s = conn.prepare(sql)));
  return s;
}
const args = (r: Row, cols: readonly string[]) => cols.map((c) => (r[c] ?? null) as string | number | null);

function sqliteSql(conn: SqliteDatabase.Database): IngestSql {
  const one = placeholders;
  return {
    async boots(hostIds, which) {
      const s = statement(conn, `SELECT "id", "hostId", "bootId", "startedAt" FROM "Boot" WHERE "hostId" = ? AND ${whichSql[which.kind]}`);
      return hostIds.flatMap((h) => s.all(h, `${which.prefix}%`, which.since) as BootRef[]);
    },
    async findBoots(pairs) {
      const s = statement(conn, SQL.findBoot);
      return pairs.flatMap((p) => {
        const row = s.get(p.hostId, p.bootId) as { id: string; hostId: string; bootId: string } | undefined;
        return row ? [row] : [];
      });
    },
    async adopt(rowId, from, to) {
      statement(conn, SQL.adopt).run(to, rowId, from);
    },
    async insertBoots(rows) {
      const s = statement(conn, SQL.insertBoots(one(BOOT_COLS.length)));
      return rows.reduce((n, r) => n + s.run(args(r, BOOT_COLS)).changes, 0);
    },
    async insertEvents(rows) {
      const s = statement(conn, SQL.insertEvents(one(EVENT_COLS.length)));
      return new Set(rows.filter((r) => s.run(args(r, EVENT_COLS)).changes > 0).map((r) => r.id as string));
    },
    async events(bootRowIds) {
      const s = statement(conn, `${SQL.events} = ?`);
      return bootRowIds.flatMap((id) => s.all(id) as EventRead[]);
    },
    async writeSummaries(rows) {
      // the row as it is, then only the columns that differ (the upsert's SET: all but the keys):
      // SQLite then rewrites only the indexes on those (a report moves lastEventAt, not startedAt)
      const current = statement(conn, `SELECT ${list(SUMMARY_COLS)} FROM "Boot" WHERE "id" = ?`);
      for (const r of rows) {
        const have = current.get(r.id) as Row | undefined;
        if (!have) {
          statement(conn, SQL.writeSummaries(one(SUMMARY_COLS.length))).run(args(r, SUMMARY_COLS));
          continue;
        }
        const changed = SUMMARY_SET_COLS.filter((c) => (r[c] ?? null) !== have[c]);
        if (changed.length) statement(conn, `UPDATE "Boot" SET ${changed.map((c) => `${q(c)} = ?`).join(", ")} WHERE "id" = ?`).run(...args(r, changed), r.id);
      }
    },
    async setLastBoots(news) {
      const s = statement(conn, SQL.lastBoot("?", "= ?"));
      for (const n of news) s.run(n.id, n.hostId, n.id);
    },
  };
}

/** Whether the writer uses the Prisma form even on SQLite (tests compare the two). */
export const ingestVia = { prisma: false };

/** The statements for a transaction `tx` of the writer. */
export function ingestSql(tx: Tx): IngestSql {
  const conn = ingestVia.prisma ? null : sqliteConnection();
  return conn && conn.inTransaction ? sqliteSql(conn) : prismaSql(tx);
}
