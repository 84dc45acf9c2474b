import "server-only";
import crypto from "node:crypto";
import { Prisma } from "@/lib/generated/prisma/client";
import { isPostgres, sqliteConnection, type Tx } from "@/lib/db";

// Multi-row INSERTs for bulk work. Prisma's createMany through the SQLite driver adapter costs
// about 1.5 ms a row (measured: 1,000 hosts in 1.3 s); one parameterised multi-row INSERT per 500
// rows does the same in ~60 ms. Prisma.sql keeps it portable (placeholders per provider) and
// inside the caller's transaction. Values: Date → ISO text (+00:00), bytes as they are, objects → JSON text, as Prisma stores them.

/** A random id: the prefix and 24 hex digits (96 bits from the system's CSPRNG, drawn 4 KiB at a time: one draw per row cost 2 µs, 20,000 rows a publication). */
export function newId(prefix: string): string {
  if (idPool.at + 12 > idPool.bytes.length) {
    idPool.bytes = crypto.randomBytes(4092);
    idPool.at = 0;
  }
  idPool.at += 12;
  return `${prefix}${idPool.bytes.toString("hex", idPool.at - 12, idPool.at)}`;
}
const idPool = { bytes: Buffer.alloc(0), at: 0 };

const idOrder = { process: crypto.randomBytes(3).toString("hex"), count: crypto.randomBytes(3).readUIntBE(0, 3) };
/**
 * An id of newId's form (prefix + 24 hex digits) that sorts by creation: the millisecond (12
 * digits), a counter of this process (6) and a random tag of this process (6, so that console
 * replicas never make the same id). Rows written in time order with such ids go to the end of
 * their primary key's index instead of a random page of it: in a boot storm, random event ids cost
 * SQLite ~2.5× the CPU and ~5× the writes (a dirty index page per row at each commit).
 */
export function timeOrderedId(prefix: string): string {
  idOrder.count = (idOrder.count + 1) & 0xffffff;
  return `${prefix}${Date.now().toString(16).padStart(12, "0")}${idOrder.count.toString(16).padStart(6, "0")}${idOrder.process}`;
}

/** A date for raw SQL, as Prisma writes dates into SQLite ("…+00:00"), so stored text compares in time order. */
export const sqlDate = (d: Date) => `${d.toISOString().slice(0, -1)}+00:00`;

/** Whether insertMany takes Prisma's way even on SQLite (tests compare the two). */
export const insertVia = { prisma: false };

/**
 * Tables whose rows the console makes itself, in bulk (a publication's files and manifest, the
 * hosts of an audit entry): no value a person sends can make their insert fail on a constraint,
 * whose Prisma error (P2002) fromDbError would turn into a 409.
 */
const PREPARED = new Set<Table>(["PublicationFile", "ExportFile", "AuditHost"]);

function value(v: unknown): unknown {
  if (v instanceof Date) return sqlDate(v);
  if (v instanceof Uint8Array) return v; // BLOB / bytea
  if (v !== null && typeof v === "object") return JSON.stringify(v);
  return v ?? null;
}

type Table = "Host" | "HostTag" | "AuditEntry" | "AuditHost" | "PublicationFile" | "ExportFile";

/**
 * `json`: rows whose values are all scalars (text, numbers, null, dates) go in as one JSON
 * parameter per JSON_CHUNK rows instead of one parameter per value: the adapter's cost is per
 * parameter (40,000 manifest and file rows of a first publication: ~0.9 s as parameters), and
 * SQLite reads the rows with jsonb_each (one parse), PostgreSQL with json_populate_recordset (the
 * table's own column types: text, integers, timestamps, enums). Every column must be given (a
 * column's default is not applied), which the callers do. Rows with bytes go in as parameters.
 */
export async function insertMany(tx: Tx, table: Table, rows: Record<string, unknown>[], chunk = 500, opts: { json?: boolean } = {}): Promise<void> {
  if (rows.length === 0) return;
  // On SQLite, inside the transaction on Prisma's own connection (`tx`'s): one prepared statement
  // run per row. A first publication's 20,000 PublicationFile and 20,000 ExportFile rows took ~230
  // and ~190 ms as JSON through the adapter, where SQLite's own work is ~80 ms for each.
  const conn = insertVia.prisma || !PREPARED.has(table) ? null : sqliteConnection();
  if (conn?.inTransaction) {
    const columns = Object.keys(rows[0]!);
    const insert = conn.prepare(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`);
    const args: unknown[] = new Array(columns.length);
    for (const r of rows) {
      for (let i = 0; i < columns.length; i++) args[i] = value(r[columns[i]!]);
      insert.run(args);
    }
    return;
  }
  if (opts.json) {
    const scalar = (r: Record<string, unknown>) => Object.values(r).every((v) => v === null || v === undefined || v instanceof Date || typeof v !== "object");
    const asJson = rows.filter(scalar);
    await insertJson(tx, table, asJson);
    if (asJson.length === rows.length) return;
    rows = rows.filter((r) => !scalar(r));
  }
  const columns = Object.keys(rows[0]!);
  const head = Prisma.raw(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(", ")}) VALUES `);
  for (let i = 0; i < rows.length; i += chunk) {
    const values = rows.slice(i, i + chunk).map((r) => Prisma.sql`(${Prisma.join(columns.map((c) => value(r[c])))})`);
    await tx.$executeRaw`${head}${Prisma.join(values)}`;
  }
}

const JSON_CHUNK = 5000;
/** ...and at most about this many characters of text per statement (diff previews are up to 64 KiB a row). */
const JSON_CHUNK_CHARS = 16 << 20;

/** Rows cut into chunks of at most `rows` rows and about `chars` characters of their values. */
export function jsonChunks<T extends Record<string, unknown>>(all: T[], rows = JSON_CHUNK, chars = JSON_CHUNK_CHARS): T[][] {
  const out: T[][] = [];
  let start = 0;
  let size = 0;
  for (let i = 0; i < all.length; i++) {
    let n = 0;
    for (const v of Object.values(all[i]!)) n += typeof v === "string" ? v.length : 16;
    if (i > start && (i - start >= rows || size + n > chars)) {
      out.push(all.slice(start, i));
      start = i;
      size = 0;
    }
    size += n;
  }
  if (start < all.length) out.push(all.slice(start));
  return out;
}

async function insertJson(tx: Tx, table: Table, rows: Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const list = columns.map((c) => `"${c}"`).join(", ");
  const pg = isPostgres();
  const head = pg
    ? Prisma.raw(`INSERT INTO "${table}" (${list}) SELECT ${list} FROM json_populate_recordset(NULL::"${table}", `)
    : Prisma.raw(`INSERT INTO "${table}" (${list}) SELECT ${columns.map((_, i) => `value ->> ${i}`).join(", ")} FROM jsonb_each(`);
  for (const part of jsonChunks(rows)) {
    // PostgreSQL matches the rows' keys with the columns; SQLite reads arrays by position
    const json = JSON.stringify(pg ? part.map((r) => Object.fromEntries(columns.map((c) => [c, value(r[c])]))) : part.map((r) => columns.map((c) => value(r[c]))));
    await tx.$executeRaw`${head}${json}${Prisma.raw(pg ? "::json)" : ")")}`;
  }
}
