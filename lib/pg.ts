import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

// PostgreSQL's driver and Prisma's adapter for it, in a module of their own that lib/db.ts and
// lib/data/cluster-lock.ts import only when DATABASE_URL names PostgreSQL: loading pg costs a
// command on SQLite ~50 ms (its check for Cloudflare's runtime touches `Response`, which loads
// Node's fetch implementation), and every `afsboot` command pays its start.

export { pg };

/**
 * Prisma's adapter on a pool of our own, so that every connection has an error listener from its
 * first moment: when PostgreSQL restarts it ends each connection with a FATAL message, and a pg
 * client without a listener throws that as an uncaught exception, killing the console. With it,
 * the broken connection is dropped, the requests under way get 503 (lib/errors.ts,
 * isDatabaseUnavailable) and new connections are made once the database answers again.
 */
export function pgAdapter(url: string): PrismaPg {
  const pool = new pg.Pool({ connectionString: url });
  const dropped = (e: Error) => console.warn(`afsboot: a PostgreSQL connection ended: ${e.message}`);
  pool.on("connect", (client) => client.on("error", dropped));
  pool.on("error", () => undefined); // an idle connection's error: its client's listener said it
  return new PrismaPg(pool);
}
