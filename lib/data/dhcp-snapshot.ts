import "server-only";
import { db, isPostgres } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { latestActive } from "@/lib/boot/latest-version";
import { effectiveSecureBoot } from "@/lib/boot/secure-boot";
import { dhcpUnits, type DhcpUnit } from "@/lib/generate/dhcp";
import type { DhcpSnapHost, DhcpSnapshot } from "@/lib/generate/snapshot";
import { addActiveVersions, byName, hostVersion, snapNetwork, sortedVersions, type Catalog } from "./snapshot";

// The DHCP generators' input for some networks, without what only PXE configs and overlays need:
// a publication of some hosts regenerates (or keeps) their networks' DHCP files, which hold every
// host of those networks. No report tokens, tags or overrides, no kernels read; the hosts' DHCP
// columns come as one aggregated string (10,000 rows in ~15 ms instead of ~100 ms as objects).
// The same values, in the same order, as loadSnapshot's: equal inputs give equal digests.

export interface LoadedDhcpSnapshot {
  snapshot: DhcpSnapshot;
  /** the units (lib/generate/dhcp) the named networks belong to, whole */
  units: DhcpUnit[];
}

/** Field and row separators of the aggregated rows: control characters no stored name, MAC, address or id holds. */
const FS = 31;
const RS = 30;

/**
 * The DHCP input of the units holding `networkNames` (every host of their networks, every cell and
 * version), from the catalog a snapshot of the fleet's pairs was made of (loadSnapshot's
 * `fleetPairs`), or read now.
 */
export async function loadDhcpSnapshot(networkNames: string[], catalog?: Catalog): Promise<LoadedDhcpSnapshot> {
  const { networks, cells, releases, pinnedVersionIds } = catalog ?? (await readCatalog());
  const wantedNets = new Set(networkNames);
  const units = dhcpUnits({ networks: networks.map(snapNetwork) }).filter((u) => u.networks.some((n) => wantedNets.has(n)));
  const inUnits = networks.filter((n) => units.some((u) => u.networks.includes(n.name)));
  const rows = await hostRows(inUnits.map((n) => n.id));
  const networkById = new Map(inUnits.map((n) => [n.id, n]));
  const cellName = new Map(cells.map((c) => [c.id, c.name]));
  const releaseById = new Map(releases.map((r) => [r.id, r]));
  const latestOf = new Map(releases.map((r) => [r.name, latestActive(r.versions)]));
  const hosts: DhcpSnapHost[] = [];
  for (const h of rows) {
    const release = releaseById.get(h.releaseId)!;
    const version = hostVersion(release, h.pinnedVersionId, latestOf);
    if (!version) continue; // left out of the snapshot (and its DHCP files) until its release has an active version
    const network = networkById.get(h.networkId)!;
    hosts.push({ name: h.name, mac: h.mac, ip: h.ip, network: network.name, cell: cellName.get(h.cellId)!, release: release.name, version: version.version, secureBoot: effectiveSecureBoot(h.secureBoot, network.secureBoot) });
  }
  const wanted = new Map<string, { release: string; version: string; tree: string }>();
  // versions any host pins are in the snapshot (dnsmasq names every version's tree): as loadSnapshot has them
  for (const r of releases) for (const v of r.versions) if (pinnedVersionIds.has(v.id) && v.status !== "draft") wanted.set(`${r.name}@${v.version}`, { release: r.name, version: v.version, tree: r.tree });
  const active = new Map<string, { release: (typeof releases)[number]; version: (typeof releases)[number]["versions"][number] }>();
  addActiveVersions(releases, active);
  for (const [label, { release, version }] of active) wanted.set(label, { release: release.name, version: version.version, tree: release.tree });
  return {
    snapshot: {
      networks: inUnits.map(snapNetwork).sort(byName),
      cells: cells.map((c) => ({ name: c.name })).sort(byName),
      versions: sortedVersions(wanted).map(([, v]) => v),
      hosts: hosts.sort(byName),
    },
    units,
  };
}

async function readCatalog(): Promise<Catalog> {
  const [networks, cells, releases, pinned] = await db.$transaction([
    db.network.findMany(),
    db.cell.findMany({ select: { id: true, name: true } }),
    db.release.findMany({ include: { versions: true } }),
    db.$queryRaw<{ id: string }[]>`SELECT DISTINCT "pinnedVersionId" AS "id" FROM "Host" WHERE "pinnedVersionId" IS NOT NULL`,
  ]);
  return { networks, cells, releases, pinnedVersionIds: new Set(pinned.map((p) => p.id)) };
}

interface HostRow {
  name: string;
  mac: string;
  ip: string;
  networkId: string;
  cellId: string;
  releaseId: string;
  pinnedVersionId: string | null;
  secureBoot: boolean | null;
}

/** The DHCP columns of every host of these networks. */
async function hostRows(networkIds: string[]): Promise<HostRow[]> {
  if (networkIds.length === 0) return [];
  const sep = (code: number) => (isPostgres() ? Prisma.raw(`chr(${code})`) : Prisma.raw(`char(${code})`));
  const f = sep(FS);
  const secureBoot = Prisma.raw(`CASE WHEN "secureBoot" IS NULL THEN '-' WHEN "secureBoot" THEN '1' ELSE '0' END`);
  const line = Prisma.sql`"name" || ${f} || "mac" || ${f} || "ip" || ${f} || "networkId" || ${f} || "cellId" || ${f} || "releaseId" || ${f} || COALESCE("pinnedVersionId", '') || ${f} || ${secureBoot}`;
  const where = Prisma.sql`WHERE "networkId" IN (${Prisma.join(networkIds)})`;
  const rows = isPostgres()
    ? await db.$queryRaw<{ m: string | null }[]>`SELECT string_agg(${line}, ${sep(RS)}) AS m FROM "Host" ${where}`
    : await db.$queryRaw<{ m: string | null }[]>`SELECT group_concat(${line}, ${sep(RS)}) AS m FROM "Host" ${where}`;
  const text = rows[0]?.m;
  if (!text) return [];
  return text.split(String.fromCharCode(RS)).map((r) => {
    const v = r.split(String.fromCharCode(FS));
    if (v.length !== 8) throw new Error(`a host row of the DHCP snapshot has ${v.length} fields, not 8: ${JSON.stringify(r.slice(0, 200))}`);
    const [name, mac, ip, networkId, cellId, releaseId, pinned, sb] = v as [string, string, string, string, string, string, string, string];
    return { name, mac, ip, networkId, cellId, releaseId, pinnedVersionId: pinned || null, secureBoot: sb === "-" ? null : sb === "1" };
  });
}
