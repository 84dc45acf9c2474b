import { db } from "@/lib/db";
import { ipv4Key } from "@/lib/net/ipv4";

let n = 0;
const unique = (p: string) => `${p}${++n}${Math.random().toString(36).slice(2, 6)}`;

export const networkForm = (over: Record<string, unknown> = {}) => ({
  name: unique("net"),
  subnet: "10.0.0.0/24",
  gateway: "10.0.0.1",
  dns: ["10.0.0.1"],
  domain: null,
  bootServer: "10.0.0.1",
  bootUrl: null,
  reportUrl: "http://10.0.0.1:3000",
  discoveryRange: null,
  dhcpEventHook: null,
  notes: "",
  ...over,
});

export const cellForm = (over: Record<string, unknown> = {}) => ({
  name: `${unique("cell")}.example.org`,
  client: "kafs" as const,
  bootRoot: "/afs/example.org/boot",
  cacheMemcache: true,
  cacheBlocks: 65536,
  servers: [{ name: "afsdb1.example.org", ip: "10.0.0.5" }],
  notes: "",
  ...over,
});

/** A host row straight in the database (enrollment itself arrives with the inventory work). */
export async function insertHost(networkId: string, cellId: string, ip = "10.0.0.11") {
  const release = await db.release.create({ data: { name: unique("rel"), tree: "/afs/example.org/boot/RH/7.3" } });
  return db.host.create({
    data: {
      name: unique("node"),
      mac: `52:54:00:${[1, 2, 3]
        .map(() =>
          Math.floor(Math.random() * 256)
            .toString(16)
            .padStart(2, "0"),
        )
        .join(":")}`,
      ip,
      ipKey: ipv4Key(ip),
      networkId,
      cellId,
      releaseId: release.id,
    },
  });
}
