import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { PrismaClient as PgPrismaClient } from "@/lib/generated/prisma-pg/client";
import { env } from "@/lib/env";

// The one Prisma client. SQLite (embedded, default) or PostgreSQL, chosen by DATABASE_URL.
// Both generated clients come from the same models, so the SQLite client's type serves for both.

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

function create(): Db {
  const url = env().DATABASE_URL;
  if (url.startsWith("file:")) {
    return new PrismaClient({ adapter: new PrismaBetterSqlite3({ url, timeout: 10_000 }) });
  }
  // Our own pool, so that every connection has an error listener from its first moment: when
  // PostgreSQL restarts it ends each connection with a FATAL message, and a pg client without a
  // listener throws that as an uncaught exception, killing the console. With it, the broken
  // connection is dropped, the requests under way get 503 (lib/errors.ts, isDatabaseUnavailable)
  // and new connections are made once the database answers again.
  const pool = new pg.Pool({ connectionString: url });
  const dropped = (e: Error) => console.warn(`afsboot: a PostgreSQL connection ended: ${e.message}`);
  pool.on("connect", (client) => client.on("error", dropped));
  pool.on("error", () => undefined); // an idle connection's error: its client's listener said it

  return new PgPrismaClient({ adapter: new PrismaPg(pool) }) as unknown as Db;
}

const globalForDb = globalThis as unknown as { afsbootDb?: Db };

// One client per process: the Next.js build bundles this module into several entries (routes,
// server actions, instrumentation.ts), and each copy must use the same connection (SQLite allows
// one writer at a time; PostgreSQL would otherwise get one pool per copy). In development it also
// survives hot reloads.
export const db: Db = (globalForDb.afsbootDb ??= create());

/** For the few raw queries whose SQL differs between the two databases. */
export const isPostgres = () => !env().DATABASE_URL.startsWith("file:");
