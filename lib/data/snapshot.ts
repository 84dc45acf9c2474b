import "server-only";
import { db, isPostgres, sqliteConnection, type Tx } from "@/lib/db";
import { effectiveIdentity, type IdentityModeName } from "@/lib/boot/identity-mode";
import type { Actor } from "@/lib/auth/roles";
import { hostReportToken } from "@/lib/auth/host-token";
import { authorize } from "@/lib/data/authorize";
import { latestActive } from "@/lib/boot/latest-version";
import { imagePolicy, serverSecret } from "@/lib/env";
import { invalid } from "@/lib/errors";
import { sha256Cached } from "@/lib/publish/file-cache";
import { resolveImage, type ImagePolicy } from "@/lib/publish/image-source";
import type { FleetSnapshot, SnapCell, SnapImage, SnapNetwork, SnapVersion } from "@/lib/generate/snapshot";
import type { Network, Prisma, Release, ReleaseVersion } from "@/lib/generated/prisma/client";
import { deliveredExportDir } from "@/lib/publish/deliver";
import { storedBootServers, storedList } from "@/lib/validation/network";
import { imagesDirField } from "@/lib/publish/refusal-paths";
import { effectiveSecureBoot } from "@/lib/boot/secure-boot";

// Loads the generators' input from the database in one consistent read, resolving what needs
// I/O or secrets: each host's version (pinned, or the latest active one), its report token, and
// (when asked) the sha256 and size of every kernel and base initrd the versions name.

export type ImageMode = "read" | "names-only";

export interface LoadedSnapshot {
  snapshot: FleetSnapshot;
  /** Hosts left out, and why (their release has no active version yet). */
  skipped: { host: string; reason: string }[];
  /** release name → its latest active version: what hosts following the tree boot */
  latest: Map<string, string>;
  /** `release/name` of every kernel and base initrd read → the real path it was read from */
  imageSources: Map<string, string>;
  /**
   * With `fleetPairs`: images of versions the named hosts do not boot that could not be read (a
   * broken release elsewhere in the fleet must not stop a publication of some hosts). Their
   * published copies stay as they are.
   */
  unreadableImages?: string[];
  /**
   * With `fleetPairs`: every (release version, cell) some host of the fleet boots, as
   * `release@version/cell`: the overlays, images and default configs a publication of some hosts
   * keeps as a full one would
   */
  pairs?: string[];
  /** With `fleetPairs`: the rows the snapshot was made of, for the DHCP snapshot of the hosts' networks (dhcp-snapshot.ts) */
  catalog?: Catalog;
  /** host name → its id and the overlay and boot config sha256 the last publication assigned it */
  hostRows: Map<string, { id: string; network: string; assignedInitrdSha256: string | null; assignedConfigSha256: string | null }>;
}

/** Networks, cells, releases with their versions, and the versions some host pins, as stored. */
export interface Catalog {
  networks: Network[];
  cells: { id: string; name: string }[];
  releases: (Release & { versions: ReleaseVersion[] })[];
  pinnedVersionIds: Set<string>;
}

export const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** A network as the generators see it: its boot servers with the directory each serves the export from. */
export function snapNetwork(n: Network): SnapNetwork {
  const bootServers = storedBootServers(n.bootServers).map((b) => ({
    name: b.name,
    address: b.address,
    url: b.url ?? null,
    // a server fed by delivery serves its own copy; one without serves the console's directory (or AFS)
    exportDir: b.deliverTo ? deliveredExportDir(b.deliverTo) : null,
  }));
  return {
    name: n.name,
    subnet: n.subnet,
    gateway: n.gateway,
    dns: n.dns as string[],
    domain: n.domain,
    bootServer: n.bootServer,
    bootUrl: n.bootUrl,
    reportUrl: n.reportUrl,
    ...(storedList(n.reportUrls).length ? { reportUrls: storedList(n.reportUrls) } : {}),
    discoveryRange: n.discoveryRange,
    dhcpEventHook: n.dhcpEventHook,
    ...(bootServers.length ? { bootServers, dhcpFailover: bootServers.length >= 2 ? ((n.dhcpFailover as SnapNetwork["dhcpFailover"]) ?? "hot-standby") : null } : {}),
  };
}

/** Where publishing reads a version's kernel and base initrd: the release's images directory. */
export const imagesDir = (r: { tree: string; imagesDir: string | null }) => r.imagesDir ?? `${r.tree}/boot`;

/** The image's sha256, size and real path, or why it cannot be read (`what: reason`). */
function readImage(r: { tree: string; imagesDir: string | null }, name: string, what: string, policy: ImagePolicy): (SnapImage & { source: string }) | { problem: string } {
  let source: string;
  try {
    source = resolveImage(imagesDir(r), name, r.tree, policy);
  } catch (e) {
    return { problem: `${what}: ${(e as Error).message}` };
  }
  try {
    return { name, ...sha256Cached(source), source };
  } catch (e) {
    return { problem: `${what}: cannot read ${source} (${(e as NodeJS.ErrnoException).code ?? "error"})` };
  }
}

/**
 * `images: "names-only"` skips reading kernels and base initrds: for outputs that do not name
 * them (DHCP configs, overlays). Their sha256 is then empty, which the PXE generators refuse.
 * `hosts` loads only the hosts of these names, for their own files; `fleetPairs` adds what every
 * host boots (pairs), its versions, and reads their images instead of `imagesFor`'s.
 */
export async function loadSnapshot(
  actor: Actor,
  opts: { images: ImageMode; networks?: string[]; hosts?: string[]; imagesFor?: string[]; fleetPairs?: boolean; outDir?: string },
): Promise<LoadedSnapshot> {
  authorize(actor, "viewer");
  const [networks, cells, releases, hosts, tags, fleet] = await snapshotRows(opts);
  const networkById = new Map(networks.map((n) => [n.id, n]));
  const cellName = new Map(cells.map((c) => [c.id, c.name]));
  const releaseById = new Map(releases.map((r) => [r.id, r]));
  const tagsOf = new Map<string, string[]>();
  for (const t of tags) tagsOf.set(t.hostId, [...(tagsOf.get(t.hostId) ?? []), t.tag]);
  const secret = serverSecret();
  const skipped: LoadedSnapshot["skipped"] = [];
  const wanted = new Map<string, { release: (typeof releases)[number]; version: (typeof releases)[number]["versions"][number] }>();
  const latestOf = new Map(releases.map((r) => [r.name, latestActive(r.versions)]));
  const snapHosts = hosts.flatMap((h) => {
    const release = releaseById.get(h.releaseId)!;
    const version = hostVersion(release, h.pinnedVersionId, latestOf);
    if (!version) {
      skipped.push({ host: h.name, reason: `release ${release.name} has no active version` });
      return [];
    }
    wanted.set(`${release.name}@${version.version}`, { release, version });
    return [{
      name: h.name,
      mac: h.mac,
      ip: h.ip,
      network: networkById.get(h.networkId)!.name,
      cell: cellName.get(h.cellId)!,
      release: release.name,
      version: version.version,
      tags: (tagsOf.get(h.id) ?? []).sort(),
      cacheBlocks: h.cacheBlocks,
      tmpfsSize: h.tmpfsSize,
      kernelArgs: h.kernelArgs,
      nicModule: h.nicModule,
      reportToken: hostReportToken(secret, h.id, h.tokenGeneration),
      machineId: h.machineId,
      secureBoot: effectiveSecureBoot(h.secureBoot, networkById.get(h.networkId)!.secureBoot),
      ...identityOf(effectiveIdentity(h.identity, networkById.get(h.networkId)!.identity)),
    }];
  });
  addActiveVersions(releases, wanted);
  const pairs = new Set<string>();
  for (const f of fleet) {
    const release = releaseById.get(f.releaseId)!;
    const version = hostVersion(release, f.pinnedVersionId, latestOf);
    if (!version) continue;
    wanted.set(`${release.name}@${version.version}`, { release, version });
    pairs.add(`${release.name}@${version.version}/${cellName.get(f.cellId)!}`);
  }
  // imagesFor: only those hosts' versions need their kernels and base initrds read; fleetPairs: those the fleet boots
  const imagesOf = opts.fleetPairs
    ? new Set([...pairs].map((p) => p.split("/")[0]!))
    : opts.imagesFor
      ? new Set(snapHosts.filter((h) => opts.imagesFor!.includes(h.name)).map((h) => `${h.release}@${h.version}`))
      : null;
  // a publication's own output directory is never a source either
  const policy = imagePolicy();
  if (opts.outDir) policy.forbidden.push(opts.outDir);
  const imageSources = new Map<string, string>();
  const problems: { release: string; text: string }[] = [];
  const unreadable: string[] = [];
  const unreadableLabels = new Set<string>();
  // with fleetPairs: only the named hosts' own versions must be readable
  const strict = opts.fleetPairs ? new Set(snapHosts.map((h) => `${h.release}@${h.version}`)) : null;
  const image = (r: (typeof releases)[number], name: string, label: string, role: string): SnapImage => {
    if (opts.images !== "read" || (imagesOf && !imagesOf.has(label))) return { name, sha256: "", size: 0 };
    const read = readImage(r, name, `${label} ${role}`, policy);
    if ("problem" in read) {
      if (strict && !strict.has(label)) {
        unreadable.push(read.problem);
        unreadableLabels.add(label);
      }
      else problems.push({ release: r.name, text: read.problem });
      return { name, sha256: "", size: 0 };
    }
    const { source, ...img } = read;
    imageSources.set(`${r.name}/${name}`, source);
    return img;
  };
  const versions: SnapVersion[] = sortedVersions(wanted).map(([label, { release, version }]) => snapVersion(release, version, image(release, version.kernel, label, "kernel"), image(release, version.baseInitrd, label, "base initrd")));
  // every image that cannot be read, not only the first: one round of fixes, not one per image;
  // per release, at the path of its images-directory setting (the console links each to it)
  if (problems.length) {
    const fields: Record<string, string> = {};
    for (const p of problems) fields[imagesDirField(p.release)] = fields[imagesDirField(p.release)] ? `${fields[imagesDirField(p.release)]}\n${p.text}` : p.text;
    if (problems.length === 1) throw invalid(problems[0]!.text, fields);
    throw invalid(`${problems.length} kernels or base initrds cannot be read (set each release's images directory on its page, or AFSBOOT_IMAGES_ROOTS):\n${problems.map((p) => `- ${p.text}`).join("\n")}`, fields);
  }
  return {
    snapshot: {
      networks: networks.map(snapNetwork).sort(byName),
      cells: cells.map(snapCell).sort(byName),
      versions,
      hosts: snapHosts.sort(byName),
    },
    skipped,
    // pairs whose images cannot be read are left to the next full publication
    ...(opts.fleetPairs ? { pairs: [...pairs].filter((p) => !unreadableLabels.has(p.split("/")[0]!)).sort(), catalog: { networks, cells, releases, pinnedVersionIds: new Set(fleet.flatMap((f) => (f.pinnedVersionId ? [f.pinnedVersionId] : []))) } } : {}),
    latest: new Map([...latestOf.entries()].flatMap(([r, v]) => (v ? [[r, v.version] as [string, string]] : []))),
    imageSources,
    ...(opts.fleetPairs ? { unreadableImages: unreadable } : {}),
    hostRows: new Map(hosts.map((h) => [h.name, { id: h.id, network: networkById.get(h.networkId)!.name, assignedInitrdSha256: h.assignedInitrdSha256, assignedConfigSha256: h.assignedConfigSha256 }])),
  };
}

/** The host columns the snapshot reads (plain columns: Prisma's relation includes cost ~3x for 10,000 hosts). */
const HOST_COLUMNS = [
  "id", "name", "mac", "ip", "networkId", "cellId", "releaseId", "pinnedVersionId", "cacheBlocks", "tmpfsSize", "kernelArgs",
  "nicModule", "secureBoot", "identity", "tokenGeneration", "machineId", "assignedInitrdSha256", "assignedConfigSha256",
] as const;
const HOST_SELECT = Object.fromEntries(HOST_COLUMNS.map((c) => [c, true])) as { [K in (typeof HOST_COLUMNS)[number]]: true } satisfies Prisma.HostSelect;
type HostRow = Prisma.HostGetPayload<{ select: typeof HOST_SELECT }>;
type FleetRow = { releaseId: string; pinnedVersionId: string | null; cellId: string };

/**
 * How loadSnapshot reads the hosts of a whole fleet on SQLite: straight from the connection under
 * Prisma's adapter (the default), or through Prisma (tests compare the two; PostgreSQL always).
 */
export const snapshotVia = { prisma: false };

/**
 * The snapshot's rows, in one transaction: networks, cells, releases with their versions, the
 * hosts and their tags, and (fleetPairs) what every host boots. On SQLite, a whole fleet's hosts
 * and tags are read with two prepared statements on the connection under Prisma's adapter, inside
 * the transaction (as boot-ingest-sql.ts does): 10,000 hosts through Prisma cost ~150 ms more in a
 * new process (the query compiled in its wasm, the rows mapped), which a CLI command pays each run.
 * Same rows, in the same order (a plain scan of the table, as Prisma's query is), with the values
 * Prisma makes of them: integers as numbers, secureBoot (0/1 or null) as a boolean or null.
 */
async function snapshotRows(opts: { networks?: string[]; hosts?: string[]; fleetPairs?: boolean }) {
  const inNetworks = opts.networks ? { name: { in: opts.networks } } : {};
  const hostWhere = opts.hosts ? { name: { in: opts.hosts } } : opts.networks ? { network: inNetworks } : {};
  const catalog = (tx: Tx | typeof db) =>
    [
      tx.network.findMany({ where: inNetworks }),
      tx.cell.findMany({ include: { servers: { orderBy: { position: "asc" } } } }),
      tx.release.findMany({ include: { versions: true } }),
    ] as const;
  const wholeFleet = !opts.hosts && !opts.networks;
  if (!wholeFleet || snapshotVia.prisma || isPostgres()) {
    return db.$transaction([
      ...catalog(db),
      db.host.findMany({ where: hostWhere, select: HOST_SELECT }),
      db.hostTag.findMany({ where: opts.hosts || opts.networks ? { host: hostWhere } : {}, select: { hostId: true, tag: true } }),
      opts.fleetPairs ? db.$queryRaw<FleetRow[]>`SELECT DISTINCT "releaseId", "pinnedVersionId", "cellId" FROM "Host"` : db.$queryRaw<FleetRow[]>`SELECT 1 WHERE 1 = 0`,
    ]);
  }
  return db.$transaction(async (tx) => {
    const [networks, cells, releases] = await Promise.all(catalog(tx));
    const conn = sqliteConnection();
    let hosts: HostRow[];
    let tags: { hostId: string; tag: string }[];
    if (conn) {
      // rows as arrays, made into objects here: ~30 ms less than better-sqlite3's objects for 10,000
      // hosts; integers as numbers, as Prisma gives Int columns (the adapter's connection reads BigInts)
      const rows = conn.prepare(`SELECT ${HOST_COLUMNS.map((c) => `"${c}"`).join(", ")} FROM "Host"`).safeIntegers(false).raw().all() as unknown[][];
      const sb = HOST_COLUMNS.indexOf("secureBoot");
      hosts = rows.map((r) => {
        const h = {} as Record<string, unknown>;
        for (let i = 0; i < HOST_COLUMNS.length; i++) h[HOST_COLUMNS[i]!] = r[i];
        h.secureBoot = r[sb] === null ? null : r[sb] !== 0;
        return h as HostRow;
      });
      tags = conn.prepare(`SELECT "hostId", "tag" FROM "HostTag"`).safeIntegers(false).all() as { hostId: string; tag: string }[];
    } else {
      hosts = await tx.host.findMany({ select: HOST_SELECT });
      tags = await tx.hostTag.findMany({ select: { hostId: true, tag: true } });
    }
    const fleet = opts.fleetPairs ? await tx.$queryRaw<FleetRow[]>`SELECT DISTINCT "releaseId", "pinnedVersionId", "cellId" FROM "Host"` : [];
    return [networks, cells, releases, hosts, tags, fleet] as const;
  });
}

type WithVersions = { name: string; versions: { id: string; status: string; version: string; activatedAt?: Date | null }[] };

/** The version a host boots: the one it pins, else its release's latest active one; null while there is none (or it pins a draft). */
export function hostVersion<R extends WithVersions>(release: R, pinnedVersionId: string | null, latestOf: Map<string, R["versions"][number] | null>): R["versions"][number] | null {
  const version = pinnedVersionId ? release.versions.find((v) => v.id === pinnedVersionId)! : latestOf.get(release.name);
  return !version || version.status === "draft" ? null : version;
}

/** Every active version is published (so a host can move to it), beside the versions hosts pin. */
export function addActiveVersions<R extends WithVersions>(releases: R[], wanted: Map<string, { release: R; version: R["versions"][number] }>) {
  for (const r of releases) for (const v of r.versions) if (v.status === "active") wanted.set(`${r.name}@${v.version}`, { release: r, version: v });
}

/** The snapshot's versions in their order: by `release@version` label (entries of `wanted`). */
export function sortedVersions<T>(wanted: Map<string, T>): [string, T][] {
  return [...wanted.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
}

type ReleaseRow = { name: string; tree: string };
type VersionRow = { version: string; modules: unknown; readonly: unknown; writable: unknown; tmpfsSize: string; signedKernel: boolean; signedModules: boolean };
type CellRow = {
  name: string;
  client: SnapCell["client"];
  bootRoot: string;
  cacheMemcache: boolean;
  cacheBlocks: number;
  realm: string | null;
  kdcs: string;
  servers: { name: string; ip: string }[];
};

/** A release version as the generators see it (kernel and base initrd resolved by the caller). */
export function snapVersion(release: ReleaseRow, version: VersionRow, kernel: SnapImage, baseInitrd: SnapImage): SnapVersion {
  return {
    release: release.name,
    version: version.version,
    tree: release.tree,
    kernel,
    baseInitrd,
    modules: version.modules as string[],
    readonly: version.readonly as string[],
    writable: version.writable as string[],
    tmpfsSize: version.tmpfsSize,
    signedKernel: version.signedKernel,
    signedModules: version.signedModules,
  };
}

/** A host's identity mode as the generators see it: absent for none (no afsboot.identity argument). */
export const identityOf = (mode: IdentityModeName) => (mode === "none" ? {} : { identity: mode });

export function snapCell(c: CellRow): SnapCell {
  const cell: SnapCell = { name: c.name, client: c.client, servers: c.servers.map((s) => ({ name: s.name, ip: s.ip })), bootRoot: c.bootRoot, cacheMemcache: c.cacheMemcache, cacheBlocks: c.cacheBlocks };
  // a realm: /init gets a ticket and an AFS token before the root mount (the overlay says where)
  if (c.realm) Object.assign(cell, { realm: c.realm, kdcs: c.kdcs.split(",").map((k) => k.trim()).filter(Boolean) });
  return cell;
}

/** The host's report token, as its PXE config carries it (for admins who build their own configs). */
export async function reportTokens(actor: Actor, hostName?: string) {
  authorize(actor, "admin");
  const hosts = await db.host.findMany({ where: hostName ? { name: hostName } : {}, select: { id: true, name: true, tokenGeneration: true }, orderBy: { name: "asc" } });
  const secret = serverSecret();
  return hosts.map((h) => ({ name: h.name, token: hostReportToken(secret, h.id, h.tokenGeneration) }));
}
