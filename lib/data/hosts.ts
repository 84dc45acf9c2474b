import "server-only";
import { db, type Tx } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { conflict, invalid, notFound } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { formatIpv4, parseCidr, parseIpv4, parseIpv4Range, rangeContains, usableRange } from "@/lib/net/ipv4";
import type { HostInput, HostUpdate } from "@/lib/validation/host";
import type { HostQuery, HostSort } from "@/lib/validation/host-query";
import { hostAuditRows, recordAudit } from "./audit";
import { authorize, pageArgs } from "./authorize";
import { loadContext, resolveHosts, type RowProblem } from "./host-resolve";
import { hostData, hostSnapshot, insertHosts, replaceTags } from "./host-rows";
import { latestActive } from "@/lib/boot/latest-version";
import { STAGES, bootedVsAssigned, effectiveState } from "@/lib/boot/stages";
import { env } from "@/lib/env";
import { afterHostChange } from "./boot-reporters";
import { hostStates } from "./fleet-status";
import { effectiveSecureBoot } from "@/lib/boot/secure-boot";
import { effectiveIdentity } from "@/lib/boot/identity-mode";
import { usableBmc, type BmcColumns } from "@/lib/power/target";
import { NETWORK_BMC_SELECT } from "./bmc-secret";

/** A host's effective BMC as pages and the API show it (never the password), or null without one. */
function powerView(h: BmcColumns & { bmcAddress: string | null }, network: BmcColumns) {
  const usable = usableBmc(h, network);
  if (!usable) return null;
  const { bmc: b, problem } = usable;
  return { driver: b.driver, address: b.address, user: b.user, insecure: b.insecure, command: b.command, passwordSet: b.sealedPassword !== null, inherited: b.inherited, problem: problem?.message ?? null };
}

export const hostInclude = {
  network: { select: { name: true, secureBoot: true, identity: true, ...NETWORK_BMC_SELECT } },
  cell: { select: { name: true } },
  release: { select: { name: true, versions: { select: { id: true, version: true, status: true, activatedAt: true } } } },
  pinnedVersion: { select: { version: true } },
  tags: { select: { tag: true }, orderBy: { tag: "asc" } },
  lastBoot: { select: { state: true, currentStage: true, startedAt: true, lastEventAt: true, finishedAt: true, failedStage: true, releaseVersion: true, initrdSha256: true, message: true } },
} satisfies Prisma.HostInclude;

type HostRow = Prisma.HostGetPayload<{ include: typeof hostInclude }>;

/**
 * Hosts read with hostInclude at most this many a query: Prisma loads each included relation (tags,
 * the last boot, ...) with one list of the page's ids, which it refuses past the database's limit
 * of parameters (999 on SQLite: "The query parameter limit supported by your database is
 * exceeded" for a fleet of 10,000 tagged hosts).
 */
const HOSTS_PAGE = 500;

/** Every host `where` selects, with hostInclude, in name order: a page of HOSTS_PAGE at a time (in the caller's transaction, if it has one). */
export async function hostsWithInclude(client: Pick<Tx, "host">, where: Prisma.HostWhereInput = {}): Promise<HostRow[]> {
  const rows: HostRow[] = [];
  for (let after: string | null = null; ; ) {
    const page: HostRow[] = await client.host.findMany({ where: after === null ? where : { AND: [where, { name: { gt: after } }] }, orderBy: { name: "asc" }, include: hostInclude, take: HOSTS_PAGE });
    rows.push(...page);
    if (page.length < HOSTS_PAGE) return rows;
    after = page.at(-1)!.name;
  }
}

/** The hosts of these names, with hostInclude (any number of names: HOSTS_PAGE a query), in name order. */
export async function hostsNamed(client: Pick<Tx, "host">, names: string[]): Promise<HostRow[]> {
  const sorted = [...new Set(names)].sort();
  const rows: HostRow[] = [];
  for (let i = 0; i < sorted.length; i += HOSTS_PAGE) rows.push(...(await client.host.findMany({ where: { name: { in: sorted.slice(i, i + HOSTS_PAGE) } }, orderBy: { name: "asc" }, include: hostInclude })));
  return rows;
}

/** A host as pages and the API show it, with what it should run and what it last ran. */
export function hostView(h: HostRow) {
  const latest = latestActive(h.release.versions);
  const assignedVersion = h.pinnedVersion?.version ?? latest?.version ?? null;
  const { bootedRelease, bootedVersion, bootedLabel, staleOverlay, rebootPending } = bootedVsAssigned({ release: h.release.name, assignedVersion, assignedInitrdSha256: h.assignedInitrdSha256 }, h.lastBoot);
  return {
    id: h.id,
    name: h.name,
    mac: h.mac,
    ip: h.ip,
    network: h.network.name,
    cell: h.cell.name,
    release: h.release.name,
    pinnedVersion: h.pinnedVersion?.version ?? null,
    releaseRef: h.pinnedVersion ? `${h.release.name}@${h.pinnedVersion.version}` : h.release.name,
    assignedVersion,
    bootedVersion,
    bootedRelease,
    /** "release@version" it last booted (of the release it booted), or null */
    bootedLabel,
    /** it last booted another release or version than it is assigned, or an overlay older than the published one */
    rebootPending,
    /** the overlay it booted is not the one the last publication assigned it */
    staleOverlay,
    assignedInitrdSha256: h.assignedInitrdSha256,
    bootState: h.lastBoot ? effectiveState(h.lastBoot, new Date(), env().AFSBOOT_STALL_SECONDS) : ("never" as const),
    lastBoot: h.lastBoot,
    tags: h.tags.map((t) => t.tag),
    cacheBlocks: h.cacheBlocks,
    tmpfsSize: h.tmpfsSize,
    kernelArgs: h.kernelArgs,
    nicModule: h.nicModule,
    /** UEFI Secure Boot: the host's own setting (null: its network's) */
    secureBoot: h.secureBoot,
    /** what it boots with: its own setting, else its network's default */
    effectiveSecureBoot: effectiveSecureBoot(h.secureBoot, h.network.secureBoot),
    networkSecureBoot: h.network.secureBoot,
    /** its own BMC settings (null ones are its network's); the password only as "is set" */
    bmc: { driver: h.bmcDriver, address: h.bmcAddress, user: h.bmcUser, insecure: h.bmcInsecure, command: h.bmcCommand, passwordSet: h.bmcPassword !== null },
    /** the BMC the console uses for it (its network's defaults applied), or null: no power control */
    power: powerView(h, h.network),
    /** how it proves who it is to get its secrets: its own setting (null: its network's) */
    identity: h.identity,
    /** the mode it uses: its own setting, else its network's ("port" is the weaker one) */
    effectiveIdentity: effectiveIdentity(h.identity, h.network.identity),
    networkIdentity: h.network.identity,
    notes: h.notes,
    tokenGeneration: h.tokenGeneration,
    /** the booted system's /etc/machine-id (the console made it at enrollment) */
    machineId: h.machineId,
    revision: h.revision,
    createdAt: h.createdAt,
    updatedAt: h.updatedAt,
  };
}
export type HostView = ReturnType<typeof hostView>;

/**
 * Boots in an effective state (lib/boot/stages.ts): stalled and booting are both stored as
 * "booting" and told apart by how long the boot has been quiet at its current stage.
 */
export function bootStateWhere(state: "up" | "booting" | "failed" | "stalled", now: Date, limits = env().AFSBOOT_STALL_SECONDS): Prisma.BootWhereInput {
  if (state === "up" || state === "failed") return { state };
  const quiet = STAGES.filter((s) => Number.isFinite(limits[s])).map((s) => ({ currentStage: s, lastEventAt: { lt: new Date(now.getTime() - limits[s] * 1000) } }));
  return state === "stalled" ? { state: "booting", OR: quiet } : { state: "booting", NOT: { OR: quiet } };
}

/**
 * The Prisma filter of a host query. Boot states are effective states of each host's last boot
 * (stalled: quiet too long at its stage); "pending" is not in it (see pendingIds).
 */
export function hostWhere(query: HostQuery): Prisma.HostWhereInput {
  const q = query.q?.trim().toLowerCase();
  const and: Prisma.HostWhereInput[] = [];
  if (q) {
    const macish = q.replace(/[-.]/g, ":");
    // names, MACs and addresses use letters, digits, '-', ':' and '.' only: a search with any
    // other character (LIKE's wildcards '_' and '%' among them) matches no host
    if (/[^a-z0-9:.-]/.test(q)) and.push({ id: { in: [] } });
    else and.push({ OR: [{ name: { startsWith: q } }, { mac: { startsWith: macish } }, { ip: { startsWith: q } }] });
  }
  if (query.cell) and.push({ cell: { name: query.cell } });
  if (query.release) and.push({ release: { name: query.release } });
  if (query.network) and.push({ network: { name: query.network } });
  if (query.tag) and.push({ tags: { some: { tag: query.tag } } });
  if (query.state === "never") and.push({ lastBootId: null });
  else if (query.state && query.state !== "pending") and.push({ lastBoot: bootStateWhere(query.state, new Date()) });
  if (query.identity === "mismatch") and.push({ tpm: { is: { mismatch: true } } });
  else if (query.identity === "awaiting") and.push({ tpm: { is: { mismatch: false, candidateFingerprint: { not: null } } } });
  return and.length ? { AND: and } : {};
}

function hostOrder(sort: HostSort = "name", dir: "asc" | "desc" = "asc"): Prisma.HostOrderByWithRelationInput[] {
  const by: Record<HostSort, Prisma.HostOrderByWithRelationInput> = {
    name: { name: dir },
    ip: { ipKey: dir },
    mac: { mac: dir },
    cell: { cell: { name: dir } },
    release: { release: { name: dir } },
    updated: { updatedAt: dir },
  };
  return [by[sort], { name: "asc" }];
}

/** Ids of the hosts matching the other filters whose reboot is pending, in the table's order. */
async function pendingIds(where: Prisma.HostWhereInput, query: HostQuery): Promise<string[]> {
  const [states, ordered] = await Promise.all([hostStates(), db.host.findMany({ where, select: { id: true }, orderBy: hostOrder(query.sort, query.dir) })]);
  const pending = new Set(states.filter((h) => h.rebootPending).map((h) => h.id));
  return ordered.filter((h) => pending.has(h.id)).map((h) => h.id);
}

export async function listHosts(actor: Actor, query: HostQuery = {}) {
  authorize(actor, "viewer");
  const size = Math.min(Math.max(query.pageSize ?? 50, 1), 500);
  const { page, skip, take } = pageArgs(query.page, size);
  const where = hostWhere(query);
  if (query.state === "pending") {
    // a pending reboot compares what each host booted with what it is assigned (the latest
    // active version of its release, unless pinned): classified in memory, then paged here
    const ids = await pendingIds(where, query);
    const rows = await db.host.findMany({ where: { id: { in: ids.slice(skip, skip + take) } }, include: hostInclude });
    const at = new Map(ids.map((id, i) => [id, i]));
    rows.sort((a, b) => at.get(a.id)! - at.get(b.id)!);
    return { items: rows.map(hostView), total: ids.length, page, pageSize: take };
  }
  const [items, total] = await db.$transaction([
    db.host.findMany({ where, orderBy: hostOrder(query.sort, query.dir), skip, take, include: hostInclude }),
    db.host.count({ where }),
  ]);
  return { items: items.map(hostView), total, page, pageSize: take };
}

/** Names of all hosts matching a query: "select all N matching" for bulk actions. */
export async function hostNamesMatching(actor: Actor, query: HostQuery) {
  authorize(actor, "viewer");
  const where = hostWhere(query);
  if (query.state === "pending") {
    const ids = new Set(await pendingIds(where, query));
    return (await db.host.findMany({ where, select: { id: true, name: true }, orderBy: { name: "asc" } })).filter((h) => ids.has(h.id)).map((h) => h.name);
  }
  return (await db.host.findMany({ where, select: { name: true }, orderBy: { name: "asc" } })).map((h) => h.name);
}

export async function getHost(actor: Actor, name: string) {
  authorize(actor, "viewer");
  const row = await db.host.findUnique({ where: { name }, include: hostInclude });
  if (!row) throw notFound(`Host ${name}`);
  return hostView(row);
}

export async function hostAudit(actor: Actor, hostId: string, take = 50) {
  authorize(actor, "viewer");
  return hostAuditRows(hostId, take);
}

/** Refused rows become one 422 naming every problem, keyed "field" (one host) or "row.field". */
export function problemsError(problems: RowProblem[], single: boolean) {
  const fields = Object.fromEntries(problems.map((p) => [single ? p.field : `${p.row}.${p.field}`, p.message]));
  return invalid(single ? problems[0]!.message : `${problems.length} problem(s) in the batch; nothing was saved`, fields);
}

export async function createHost(actor: Actor, input: HostInput) {
  authorize(actor, "operator");
  return afterHostChange(() =>
    db.$transaction(async (tx) => {
      const { problems, resolved } = resolveHosts(await loadContext(tx), [input]);
      if (problems.length) throw problemsError(problems, true);
      const [created] = await insertHosts(tx, actor, resolved);
      return created!;
    }),
  );
}

export function inputFromView(h: HostView): HostInput {
  return {
    name: h.name,
    mac: h.mac,
    ip: h.ip,
    cell: h.cell,
    release: { release: h.release, version: h.pinnedVersion },
    tags: h.tags,
    cacheBlocks: h.cacheBlocks ?? undefined,
    tmpfsSize: h.tmpfsSize ?? undefined,
    kernelArgs: h.kernelArgs ?? undefined,
    nicModule: h.nicModule ?? undefined,
    secureBoot: h.secureBoot,
    bmc: { driver: h.bmc.driver, address: h.bmc.address, user: h.bmc.user, insecure: h.bmc.insecure, command: h.bmc.command },
    identity: h.identity,
    notes: h.notes,
  };
}

export async function updateHost(actor: Actor, name: string, input: HostUpdate) {
  authorize(actor, "operator");
  const { revision, ...data } = input;
  return afterHostChange(() =>
    db.$transaction(async (tx) => {
      const row = await tx.host.findUnique({ where: { name }, include: hostInclude });
      if (!row) throw notFound(`Host ${name}`);
      if (row.revision !== revision) throw conflict(`Host ${name} was changed by someone else since you opened it: reload and apply your change again`);
      const { problems, resolved } = resolveHosts(await loadContext(tx), [data], [name]);
      if (problems.length) throw problemsError(problems, true);
      const { count } = await tx.host.updateMany({ where: { id: row.id, revision }, data: { ...hostData(resolved[0]!), revision: { increment: 1 } } });
      if (count === 0) throw conflict(`Host ${name} was changed by someone else since you opened it: reload and apply your change again`);
      await replaceTags(tx, [{ id: row.id, tags: data.tags }]);
      await recordAudit(tx, actor, "host.update", { type: "host", id: row.id, name: data.name }, hostSnapshot(inputFromView(hostView(row)), row.bmcPassword !== null), hostSnapshot(data, row.bmcPassword !== null));
      return { id: row.id, name: data.name };
    }),
  );
}

export async function deleteHost(actor: Actor, name: string) {
  authorize(actor, "operator");
  await afterHostChange(() =>
    db.$transaction(async (tx) => {
      const row = await tx.host.findUnique({ where: { name }, include: hostInclude });
      if (!row) throw notFound(`Host ${name}`);
      await tx.host.update({ where: { id: row.id }, data: { lastBootId: null } });
      await tx.host.delete({ where: { id: row.id } });
      await recordAudit(tx, actor, "host.delete", { type: "host", id: row.id, name }, hostSnapshot(inputFromView(hostView(row)), row.bmcPassword !== null), undefined);
    }),
  );
}

/** The first usable address of a network that no host, the gateway, the boot server or a DNS server uses, outside its discovery range. */
export async function nextFreeIp(actor: Actor, networkName: string, after?: string): Promise<string | null> {
  authorize(actor, "viewer");
  const net = await db.network.findUnique({ where: { name: networkName } });
  if (!net) throw notFound(`Network ${networkName}`);
  const parsed = parseCidr(net.subnet);
  if (!parsed.ok) return null;
  const { first, last } = usableRange(parsed.cidr);
  const used = new Set((await db.host.findMany({ where: { networkId: net.id }, select: { ip: true } })).map((h) => parseIpv4(h.ip)));
  used.add(parseIpv4(net.gateway));
  used.add(parseIpv4(net.bootServer));
  for (const dns of net.dns as string[]) used.add(parseIpv4(dns));
  const range = net.discoveryRange ? parseIpv4Range(net.discoveryRange) : null;
  const start = after ? Math.max(first, (parseIpv4(after) ?? first - 1) + 1) : first;
  for (let n = start; n <= last; n++) if (!used.has(n) && !(range?.ok && rangeContains(range.range, n))) return formatIpv4(n);
  return null;
}
