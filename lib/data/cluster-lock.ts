import "server-only";
import { env } from "@/lib/env";
import { isPostgres } from "@/lib/db";

// Locks that hold across console replicas on one PostgreSQL database: session-level advisory
// locks, each on a connection of its own (Prisma's pool hands connections out per query, so a
// session lock cannot live there). The lock lasts as long as that connection: released when the
// work ends, and by PostgreSQL itself when the process holding it dies (SIGKILL, crash, lost
// network), so a dead replica never leaves a lock behind. With SQLite there is one machine and the
// callers' own locks (the export directory's lock file) cover it: the work just runs.

/** The namespace of AFSBoot's advisory locks (the first of the two int4 keys). */
const NAMESPACE = 872;

export class ClusterLockBusy extends Error {
  override name = "ClusterLockBusy";
}

/**
 * Runs `fn` holding the cluster-wide lock `name`. `waitMs`: how long to wait for a holder to
 * finish (0: do not wait) before ClusterLockBusy.
 */
export async function withClusterLock<T>(name: string, fn: () => Promise<T>, waitMs: number): Promise<T> {
  if (!isPostgres()) return fn();
  const { pg } = await import("@/lib/pg");
  const client = new pg.Client({ connectionString: env().DATABASE_URL });
  // a connection that breaks while held (the database restarted) is not this process's to crash on
  client.on("error", () => undefined);
  await client.connect();
  try {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const r = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok", [NAMESPACE, name]);
      if (r.rows[0]!.ok) break;
      if (Date.now() >= deadline) throw new ClusterLockBusy(name);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return await fn();
  } finally {
    // closing the session releases its locks
    await client.end().catch(() => undefined);
  }
}
