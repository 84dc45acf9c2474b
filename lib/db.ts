import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import type { PrismaPg } from "@prisma/adapter-pg";
import type SqliteDatabase from "better-sqlite3";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { PrismaClient as PgPrismaClient } from "@/lib/generated/prisma-pg/client";
import { env } from "@/lib/env";

// The one Prisma client. SQLite (embedded, default) or PostgreSQL, chosen by DATABASE_URL.
// Both generated clients come from the same models, so the SQLite client's type serves for both.

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

const globalForDb = globalThis as unknown as { afsbootDb?: Db; afsbootSqlite?: SqliteDatabase.Database | null };

/**
 * The parameters one SQLite statement may have: better-sqlite3's SQLite is built with 32,766 (its
 * MAX_VARIABLE_NUMBER, the default since 3.32). Prisma assumes 999 for SQLite unless the adapter
 * says otherwise, and refuses a query it cannot cut into parts ("The query parameter limit
 * supported by your database is exceeded"): the tags or last boots of 1,000 hosts, loaded with
 * one list of their ids. PostgreSQL's limit in Prisma is the same 32,766.
 */
export const SQLITE_MAX_PARAMETERS = 32_766;

/**
 * Prisma's SQLite adapter, remembering the better-sqlite3 connection it opens (the adapter's
 * `client`) for sqliteConnection(), and telling Prisma SQLite's real limit of parameters.
 */
class SqliteAdapter extends PrismaBetterSqlite3 {
  override async connect() {
    const adapter = await super.connect();
    const client = (adapter as unknown as { client?: SqliteDatabase.Database }).client;
    globalForDb.afsbootSqlite = client && typeof client.prepare === "function" ? client : null;
    const info = adapter.getConnectionInfo?.();
    adapter.getConnectionInfo = () => ({ ...(info ?? { supportsRelationJoins: false }), maxBindValues: SQLITE_MAX_PARAMETERS });
    return adapter;
  }
}

function create(): Db {
  const url = env().DATABASE_URL;
  if (url.startsWith("file:")) {
    return new PrismaClient({ adapter: new SqliteAdapter({ url, timeout: 10_000 }) });
  }
  return new PgPrismaClient({ adapter: lazyPgAdapter(url) }) as unknown as Db;
}

/**
 * Prisma's PostgreSQL adapter (lib/pg.ts, pgAdapter), loaded with pg when Prisma first connects:
 * a console or command on SQLite never loads them. Prisma reads `provider` and `adapterName` when
 * the client is made, and calls `connect` on its first query.
 */
function lazyPgAdapter(url: string): Pick<PrismaPg, "provider" | "adapterName" | "connect" | "connectToShadowDb"> {
  let loaded: Promise<PrismaPg> | undefined;
  // (a failed import is tried again on the next connect)
  const adapter = () =>
    (loaded ??= import("@/lib/pg").then(
      (m) => m.pgAdapter(url),
      (e: unknown) => {
        loaded = undefined;
        throw e;
      },
    ));
  return {
    provider: "postgres",
    adapterName: "@prisma/adapter-pg",
    connect: async () => (await adapter()).connect(),
    connectToShadowDb: async () => (await adapter()).connectToShadowDb(),
  };
}

// One client per process: the Next.js build bundles this module into several entries (routes,
// server actions, instrumentation.ts), and each copy must use the same connection (SQLite allows
// one writer at a time; PostgreSQL would otherwise get one pool per copy). In development it also
// survives hot reloads.
export const db: Db = (globalForDb.afsbootDb ??= create());

/**
 * The SQLite connection Prisma's adapter uses (null on PostgreSQL, or before Prisma connected):
 * for hot paths that run their statements synchronously with prepared statements kept for reuse
 * (lib/data/boot-ingest-sql.ts), only inside a `db.$transaction` (which holds the adapter's lock
 * and has begun the transaction on this very connection).
 */
export const sqliteConnection = (): SqliteDatabase.Database | null => (globalForDb.afsbootSqlite?.open ? globalForDb.afsbootSqlite : null);

/** For the few raw queries whose SQL differs between the two databases. */
export const isPostgres = () => !env().DATABASE_URL.startsWith("file:");
