import "server-only";
import type { Tx } from "@/lib/db";
import { db, isPostgres } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { storedBootServers, storedList } from "@/lib/validation/network";
import { storedKdcs } from "@/lib/validation/cell";
import { authorize } from "./authorize";
import { bmcSnapshot, hostSnapshot } from "./host-rows";
import type { NetworkBmcInput } from "@/lib/validation/bmc";
import { hostView, hostsWithInclude, inputFromView } from "./hosts";
import type { IdentityEnrolmentName, IdentityModeName } from "@/lib/boot/identity-mode";

// The database as a fleet file (DESIGN.md): `afsboot export fleet`. Deterministic order and only
// non-default optional keys, so the output diffs cleanly in git and export → apply is a no-op.

export interface CanonState {
  networks: Map<string, ReturnType<typeof canonNetwork>>;
  cells: Map<string, ReturnType<typeof canonCell>>;
  releases: Map<string, ReturnType<typeof canonRelease> & { versions: Map<string, ReturnType<typeof canonVersion> & { status: string; pinned: number }> }>;
  hosts: Map<string, ReturnType<typeof hostSnapshot>>;
}

export const canonNetwork = (n: {
  name: string;
  subnet: string;
  gateway: string;
  dns: unknown;
  domain: string | null;
  bootServer: string;
  bootUrl: string | null;
  bootServers?: unknown;
  dhcpFailover?: string | null;
  reportUrl: string;
  reportUrls?: unknown;
  discoveryRange: string | null;
  dhcpEventHook: string | null;
  secureBoot?: boolean;
  bmcDriver?: string | null;
  bmcUser?: string | null;
  bmcPassword?: string | null;
  bmcInsecure?: boolean;
  bmcCommand?: string | null;
  /** a validated input's BMC (the fleet file's), instead of the bmc* columns */
  bmc?: NetworkBmcInput;
  identity?: IdentityModeName;
  identityEnrolment?: IdentityEnrolmentName;
  notes: string;
}, bmcPasswordStored?: boolean) => ({
  name: n.name,
  subnet: n.subnet,
  gateway: n.gateway,
  dns: n.dns as string[],
  domain: n.domain ?? null,
  bootServer: n.bootServer,
  bootUrl: n.bootUrl ?? null,
  // key order as the fleet file shows them; url and deliverTo only when set
  bootServers: storedBootServers(n.bootServers).map((b) => ({ name: b.name, address: b.address, ...(b.url ? { url: b.url } : {}), ...(b.deliverTo ? { deliverTo: b.deliverTo } : {}) })),
  dhcpFailover: n.dhcpFailover ?? null,
  reportUrl: n.reportUrl,
  reportUrls: storedList(n.reportUrls),
  discoveryRange: n.discoveryRange ?? null,
  dhcpEventHook: n.dhcpEventHook ?? null,
  secureBoot: n.secureBoot ?? false,
  bmc: n.bmc
    ? bmcSnapshot(n.bmc, bmcPasswordStored ?? false)
    : bmcSnapshot({ driver: n.bmcDriver ?? null, user: n.bmcUser ?? null, password: undefined, insecure: n.bmcInsecure ?? false, command: n.bmcCommand ?? null }, n.bmcPassword != null),
  identity: n.identity ?? "none",
  identityEnrolment: n.identityEnrolment ?? "approve",
  notes: n.notes ?? "",
});

export const canonCell = (c: {
  name: string;
  client: string;
  bootRoot: string;
  cacheMemcache: boolean;
  cacheBlocks: number;
  /** null or absent: no realm */
  realm?: string | null;
  /** as stored (comma-separated) or as a list */
  kdcs?: string | string[];
  notes: string;
  servers: { name: string; ip: string }[];
}) => ({
  name: c.name,
  client: c.client,
  servers: c.servers.map((s) => ({ name: s.name, ip: s.ip })),
  bootRoot: c.bootRoot,
  cacheMemcache: c.cacheMemcache,
  cacheBlocks: c.cacheBlocks,
  realm: c.realm ?? null,
  kdcs: typeof c.kdcs === "string" ? storedKdcs(c.kdcs) : (c.kdcs ?? []),
  notes: c.notes ?? "",
});

export const canonRelease = (r: { name: string; tree: string; imagesDir?: string | null; notes?: string }) => ({ name: r.name, tree: r.tree, imagesDir: r.imagesDir ?? null, notes: r.notes ?? "" });

export const canonVersion = (v: {
  version: string;
  kernel: string;
  baseInitrd: string;
  modules: unknown;
  readonly: unknown;
  writable: unknown;
  tmpfsSize: string;
  signedKernel?: boolean;
  signedModules?: boolean;
  notes: string;
}) => ({
  version: v.version,
  kernel: v.kernel,
  baseInitrd: v.baseInitrd,
  modules: v.modules as string[],
  readonly: v.readonly as string[],
  writable: v.writable as string[],
  tmpfsSize: v.tmpfsSize,
  signedKernel: v.signedKernel ?? false,
  signedModules: v.signedModules ?? false,
  notes: v.notes ?? "",
});

export async function loadCanonState(tx: Tx): Promise<CanonState> {
  const [networks, cells, releases, hosts] = await Promise.all([
    tx.network.findMany({ orderBy: { name: "asc" } }),
    tx.cell.findMany({ orderBy: { name: "asc" }, include: { servers: { orderBy: { position: "asc" } } } }),
    tx.release.findMany({ orderBy: { name: "asc" }, include: { versions: { orderBy: { createdAt: "asc" }, include: { _count: { select: { pinnedBy: true } } } } } }),
    hostsWithInclude(tx),
  ]);
  return {
    networks: new Map(networks.map((n) => [n.name, canonNetwork(n)])),
    cells: new Map(cells.map((c) => [c.name, canonCell(c)])),
    releases: new Map(
      releases.map((r) => [
        r.name,
        { ...canonRelease(r), versions: new Map(r.versions.map((v) => [v.version, { ...canonVersion(v), status: v.status, pinned: v._count.pinnedBy }])) },
      ]),
    ),
    hosts: new Map(hosts.map((h) => [h.name, hostSnapshot(inputFromView(hostView(h)), h.bmcPassword !== null)])),
  };
}

const omitEmpty = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined && v !== "" && !(Array.isArray(v) && v.length === 0)));

/** A BMC as the fleet file writes it: set keys only; none: left out. A network's insecure: false is its default (left out); a host's is its own setting. */
function bmcForFile(bmc: { insecure: boolean | null } & Record<string, unknown>, falseIsDefault = false) {
  const kept = omitEmpty({ ...bmc, insecure: falseIsDefault && bmc.insecure === false ? null : bmc.insecure });
  return Object.keys(kept).length ? kept : null;
}

/** The fleet file object, keys in the documented order. */
export async function exportFleet(actor: Actor) {
  authorize(actor, "viewer");
  // one transaction: the hosts are read a page at a time (hostsWithInclude), and a host renamed
  // between two pages must not be left out or listed twice (PostgreSQL: one snapshot for all)
  const s = await db.$transaction((tx) => loadCanonState(tx), {
    timeout: 120_000,
    // (the SQLite client's type, which db has, knows only Serializable; PostgreSQL's takes this)
    ...(isPostgres() ? { isolationLevel: "RepeatableRead" as unknown as "Serializable" } : {}),
  });
  return {
    // false is the default of a network's secureBoot and a version's signed flags: left out like
    // empty keys (a host's secureBoot: false is its own setting, so it stays)
    // a network's identity: left out at its defaults (none, approve); else both keys
    networks: [...s.networks.values()].map(({ bmc, identity, identityEnrolment, notes, ...n }) =>
      omitEmpty({
        ...n,
        secureBoot: n.secureBoot || null,
        bmc: bmcForFile(bmc, true),
        identity: identity === "none" && identityEnrolment === "approve" ? null : { mode: identity, enrolment: identityEnrolment },
        notes,
      }),
    ),
    // a cell's Kerberos realm and its KDCs: left out without a realm
    cells: [...s.cells.values()].map((c) =>
      omitEmpty({
        name: c.name,
        client: c.client,
        servers: c.servers,
        bootRoot: c.bootRoot,
        cache: { memcache: c.cacheMemcache, blocks: c.cacheBlocks },
        kerberos: c.realm ? { realm: c.realm, kdcs: c.kdcs } : null,
        notes: c.notes,
      }),
    ),
    releases: [...s.releases.values()].map((r) =>
      omitEmpty({
        name: r.name,
        tree: r.tree,
        imagesDir: r.imagesDir,
        notes: r.notes,
        versions: [...r.versions.values()].map((v) => ({
          version: v.version,
          ...(v.status === "active" ? {} : { status: v.status }),
          kernel: v.kernel,
          baseInitrd: v.baseInitrd,
          modules: v.modules,
          readonly: v.readonly,
          writable: v.writable,
          tmpfsSize: v.tmpfsSize,
          ...(v.signedKernel ? { signedKernel: true } : {}),
          ...(v.signedModules ? { signedModules: true } : {}),
          ...(v.notes ? { notes: v.notes } : {}),
        })),
      }),
    ),
    // a BMC's password never leaves: "password: stored" says the console keeps one (docs/fleet.md)
    hosts: [...s.hosts.values()].map(({ bmc, ...h }) => omitEmpty({ ...h, bmc: bmcForFile(bmc) })),
  };
}
