// The AFS cell every benchmark's fleet boots from (bench/publish-fleet.ts, boot-storm.ts,
// inventory.ts): kAFS, a memory cache, one database server at `dbServerIp`. The data layer is
// imported when called, after the benchmark has pointed DATABASE_URL at its temporary database.
import type { Actor } from "@/lib/auth/roles";

export async function createBenchCell(actor: Actor, dbServerIp: string): Promise<void> {
  const { createCell } = await import("@/lib/data/cells");
  await createCell(actor, {
    name: "example.org",
    client: "kafs",
    bootRoot: "/afs/example.org/boot",
    cacheMemcache: true,
    cacheBlocks: 65536,
    servers: [{ name: "afsdb1.example.org", ip: dbServerIp }],
    notes: "",
  });
}
