import "server-only";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { db } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { hostReportToken } from "@/lib/auth/host-token";
import { authorize } from "@/lib/data/authorize";
import { latestActive } from "@/lib/data/releases";
import { serverSecret } from "@/lib/env";
import { invalid } from "@/lib/errors";
import type { FleetSnapshot, SnapImage, SnapVersion } from "@/lib/generate/snapshot";

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
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Where publishing reads a version's kernel and base initrd: the release's images directory. */
export const imagesDir = (r: { tree: string; imagesDir: string | null }) => r.imagesDir ?? `${r.tree}/boot`;

function readImage(dir: string, name: string, what: string): SnapImage {
  const file = path.join(dir, name);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw invalid(`${what}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? "error"}); is the images directory reachable from this server?`);
  }
  return { name, sha256: crypto.createHash("sha256").update(bytes).digest("hex"), size: bytes.length };
}

/**
 * `images: "names-only"` skips reading kernels and base initrds: for outputs that do not name
 * them (DHCP configs, overlays). Their sha256 is then empty, which the PXE generators refuse.
 */
export async function loadSnapshot(actor: Actor, opts: { images: ImageMode }): Promise<LoadedSnapshot> {
  authorize(actor, "viewer");
  const [networks, cells, releases, hosts] = await db.$transaction([
    db.network.findMany(),
    db.cell.findMany({ include: { servers: { orderBy: { position: "asc" } } } }),
    db.release.findMany({ include: { versions: true } }),
    db.host.findMany({ include: { pinnedVersion: { select: { version: true } }, tags: { select: { tag: true } }, network: { select: { name: true } }, cell: { select: { name: true } }, release: { select: { name: true } } } }),
  ]);
  const secret = serverSecret();
  const skipped: LoadedSnapshot["skipped"] = [];
  const wanted = new Map<string, { release: (typeof releases)[number]; version: (typeof releases)[number]["versions"][number] }>();
  const latestOf = new Map(releases.map((r) => [r.name, latestActive(r.versions)]));
  const snapHosts = hosts.flatMap((h) => {
    const release = releases.find((r) => r.id === h.releaseId)!;
    const version = h.pinnedVersionId ? release.versions.find((v) => v.id === h.pinnedVersionId)! : latestOf.get(release.name);
    if (!version || version.status === "draft") {
      skipped.push({ host: h.name, reason: `release ${release.name} has no active version` });
      return [];
    }
    wanted.set(`${release.name}@${version.version}`, { release, version });
    return [{
      name: h.name,
      mac: h.mac,
      ip: h.ip,
      network: h.network.name,
      cell: h.cell.name,
      release: release.name,
      version: version.version,
      tags: h.tags.map((t) => t.tag).sort(),
      cacheBlocks: h.cacheBlocks,
      tmpfsSize: h.tmpfsSize,
      kernelArgs: h.kernelArgs,
      nicModule: h.nicModule,
      reportToken: hostReportToken(secret, h.id, h.tokenGeneration),
    }];
  });
  // every active version is published (so a host can move to it), plus versions hosts pin
  for (const r of releases) for (const v of r.versions) if (v.status === "active") wanted.set(`${r.name}@${v.version}`, { release: r, version: v });
  const image = (r: (typeof releases)[number], name: string, what: string): SnapImage =>
    opts.images === "read" ? readImage(imagesDir(r), name, what) : { name, sha256: "", size: 0 };
  const versions: SnapVersion[] = [...wanted.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([label, { release, version }]) => ({
      release: release.name,
      version: version.version,
      tree: release.tree,
      kernel: image(release, version.kernel, `${label} kernel`),
      baseInitrd: image(release, version.baseInitrd, `${label} base initrd`),
      modules: version.modules as string[],
      readonly: version.readonly as string[],
      writable: version.writable as string[],
      tmpfsSize: version.tmpfsSize,
    }));
  return {
    snapshot: {
      networks: networks.map((n) => ({ name: n.name, subnet: n.subnet, gateway: n.gateway, dns: n.dns as string[], domain: n.domain, bootServer: n.bootServer, reportUrl: n.reportUrl })).sort(byName),
      cells: cells.map((c) => ({ name: c.name, client: c.client, servers: c.servers.map((s) => ({ name: s.name, ip: s.ip })), bootRoot: c.bootRoot, cacheMemcache: c.cacheMemcache, cacheBlocks: c.cacheBlocks })).sort(byName),
      versions,
      hosts: snapHosts.sort(byName),
    },
    skipped,
    latest: new Map([...latestOf.entries()].flatMap(([r, v]) => (v ? [[r, v.version] as [string, string]] : []))),
  };
}

/** The host's report token, as its PXE config carries it (for admins who build their own configs). */
export async function reportTokens(actor: Actor, hostName?: string) {
  authorize(actor, "admin");
  const hosts = await db.host.findMany({ where: hostName ? { name: hostName } : {}, select: { id: true, name: true, tokenGeneration: true }, orderBy: { name: "asc" } });
  const secret = serverSecret();
  return hosts.map((h) => ({ name: h.name, token: hostReportToken(secret, h.id, h.tokenGeneration) }));
}
