import { execFileSync } from "node:child_process";
import path from "node:path";
import { expect, request } from "@playwright/test";
import { DATABASE_URL, ROOT, TMP, afsboot, networkData, uid } from "./helpers";
import { E2E_PORT } from "./run-env";

// A fleet to enroll hosts into (a network, a cell, a release with versions 1 and 2), and hosts
// seeded straight through the data layer: for the specs about the hosts table and the host page.

/** Runs e2e/hosts-fixtures.ts (the data layer, through tsx) against the e2e database; its output. */
export function fixture(...args: string[]): string {
  return execFileSync(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(ROOT, "e2e/hosts-fixtures.ts"), ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL, AFSBOOT_DATA_DIR: TMP, TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json") },
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
  });
}

export const hex = () =>
  Math.floor(Math.random() * 256)
    .toString(16)
    .padStart(2, "0");
/** A random unicast, locally administered MAC (02:…). */
export const randomMac = () => ["02", hex(), hex(), hex(), hex(), hex()].join(":");

export interface HostFleet {
  network: string;
  base: string; // "10.x.y"
  cell: string;
  release: string; // versions "1" and "2", "2" latest
}

/** A network and a cell (through the API, as an operator), and a release with versions 1 and 2. */
export async function createHostFleet(prefix: string): Promise<HostFleet> {
  const token = afsboot(["token", "create", `${prefix}-e2e-${uid()}`, "--role", "operator"]).trim();
  const api = await request.newContext({ baseURL: `http://127.0.0.1:${E2E_PORT}`, extraHTTPHeaders: { Authorization: `Bearer ${token}` } });
  const n = networkData(prefix);
  const res = await api.post("/api/v1/networks", { data: { ...n, dns: n.dns.split(/[\s,]+/) } });
  expect(res.status()).toBe(201);
  const cell = `${prefix}-${uid()}.example.org`;
  const cellRes = await api.post("/api/v1/cells", {
    data: {
      name: cell,
      client: "kafs",
      bootRoot: `/afs/${cell}/boot`,
      cacheMemcache: true,
      cacheBlocks: 65536,
      servers: [{ name: `db.${cell}`, ip: "192.0.2.31" }],
    },
  });
  expect(cellRes.status()).toBe(201);
  await api.dispose();
  const release = `rel-${uid()}`;
  fixture("release", release, cell, "1", "2");
  return { network: n.name, base: n.subnet.replace(/\.0\/24$/, ""), cell, release };
}

/** Enrolls hosts directly (fast); `first` is the last octet of the first address. */
export function seedHosts(fleet: HostFleet, prefix: string, count: number, first: number, extra: Record<string, unknown> = {}) {
  const hosts = Array.from({ length: count }, (_, i) => ({
    name: `${prefix}-${String(i + 1).padStart(2, "0")}`,
    mac: randomMac(),
    ip: `${fleet.base}.${first + i}`,
    cell: fleet.cell,
    release: fleet.release,
    ...extra,
  }));
  fixture("hosts", JSON.stringify(hosts));
  return hosts;
}
