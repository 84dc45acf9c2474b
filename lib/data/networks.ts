import "server-only";
import { db, type Tx } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { conflict, fromDbError, invalid, notFound } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { bootServerConflicts, storedBootServers, storedList, type BootServer, type DhcpFailoverMode, type NetworkInput, type NetworkUpdate } from "@/lib/validation/network";
import { canonNetwork } from "./fleet-export";
import { recordAudit } from "./audit";
import { authorize, pageArgs } from "./authorize";
import { hasLikeWildcard, literalMatchIds } from "./search";
import { hostsInDiscoveryRange, rangeHoldsHosts } from "./host-resolve";
import { assertSecureBoot } from "./secure-boot";
import { hostCount } from "@/lib/plural";
import { bmcColumns } from "./bmc-secret";

const LABELS = { name: "network name" };

export interface NetworkQuery {
  q?: string;
  page?: number;
}

export async function listNetworks(actor: Actor, query: NetworkQuery = {}) {
  authorize(actor, "viewer");
  const { page, skip, take } = pageArgs(query.page);
  const q = query.q?.trim();
  const where: Prisma.NetworkWhereInput = !q
    ? {}
    : hasLikeWildcard(q)
      ? { id: { in: await literalMatchIds(`"Network"`, `"id"`, [{ column: `"name"`, mode: "contains" }, { column: `"subnet"`, mode: "startsWith" }, { column: `"domain"`, mode: "contains" }], q) } }
      : { OR: [{ name: { contains: q } }, { subnet: { startsWith: q } }, { domain: { contains: q } }] };
  const [items, total] = await db.$transaction([
    db.network.findMany({ where, orderBy: { name: "asc" }, skip, take, include: { _count: { select: { hosts: true } } } }),
    db.network.count({ where }),
  ]);
  return { items: items.map(toView), total, page, pageSize: take };
}

export async function getNetwork(actor: Actor, name: string) {
  authorize(actor, "viewer");
  const row = await db.network.findUnique({ where: { name }, include: { _count: { select: { hosts: true } } } });
  if (!row) throw notFound(`Network ${name}`);
  return toView(row);
}

type Row = Prisma.NetworkGetPayload<{ include: { _count: { select: { hosts: true } } } }>;

function toView(row: Row) {
  const { _count, bmcPassword, ...rest } = row;
  // the BMC password never leaves: only whether one is stored
  return { ...rest, bmcPasswordSet: bmcPassword !== null, dns: (row.dns as string[]) ?? [], bootServers: storedBootServers(row.bootServers), reportUrls: storedList(row.reportUrls), dhcpFailover: row.dhcpFailover as DhcpFailoverMode | null, hostCount: _count.hosts };
}

export type NetworkView = ReturnType<typeof toView>;

/** What the audit log keeps of a network: its fields as the fleet file has them. */
const snapshot = canonNetwork;

/** The stored columns of a validated input (boot servers as a JSON array, [] for one unnamed server). */
function columns(input: Omit<NetworkInput, "revision"> & { revision?: number }) {
  const { bootServers, dhcpFailover, reportUrls, bmc, revision: _revision, ...rest } = input;
  // absent (a caller in code that leaves them out): as they were
  return {
    ...rest,
    ...(bmc !== undefined ? { ...bmcColumns(bmc), bmcInsecure: bmc.insecure } : {}),
    ...(bootServers !== undefined ? { bootServers: bootServers as unknown as Prisma.InputJsonValue } : {}),
    ...(dhcpFailover !== undefined ? { dhcpFailover } : {}),
    ...(reportUrls !== undefined ? { reportUrls } : {}),
  };
}

/** A boot server named in this network must be delivered where the other networks naming it say. */
async function assertBootServersAgree(tx: Tx, name: string, before: string | null, bootServers: BootServer[] | undefined) {
  if (!bootServers?.length) return;
  const others = await tx.network.findMany({ where: before ? { NOT: { name: before } } : {}, select: { name: true, bootServers: true } });
  const problems = bootServerConflicts([{ name, bootServers }, ...others.map((o) => ({ name: o.name, bootServers: storedBootServers(o.bootServers) }))]);
  if (problems.length) throw invalid(problems[0]!, { bootServers: problems.join("; ") });
}

/** A discovery range's addresses go to machines that are not enrolled: no enrolled host may hold one. */
async function assertRangeFree(tx: Tx, range: string | null | undefined) {
  if (!range) return;
  const inside = await hostsInDiscoveryRange(tx, range);
  if (inside.length) {
    const message = rangeHoldsHosts(range, inside);
    throw invalid(message, { discoveryRange: message });
  }
}

export async function createNetwork(actor: Actor, input: NetworkInput) {
  authorize(actor, "operator");
  try {
    return await db.$transaction(async (tx) => {
      await assertRangeFree(tx, input.discoveryRange);
      await assertBootServersAgree(tx, input.name, null, input.bootServers);
      const row = await tx.network.create({ data: columns(input) });
      await recordAudit(tx, actor, "network.create", { type: "network", id: row.id, name: row.name }, undefined, snapshot(row));
      return row;
    });
  } catch (e) {
    fromDbError(e, LABELS);
  }
}

export async function updateNetwork(actor: Actor, name: string, input: NetworkUpdate) {
  authorize(actor, "operator");
  const { revision, ...data } = input;
  try {
    return await db.$transaction(async (tx) => {
      const before = await tx.network.findUnique({ where: { name } });
      if (!before) throw notFound(`Network ${name}`);
      await assertRangeFree(tx, data.discoveryRange);
      await assertBootServersAgree(tx, data.name, name, data.bootServers);
      // optimistic concurrency: only the revision the editor saw may be overwritten
      const { count } = await tx.network.updateMany({
        where: { id: before.id, revision },
        data: { ...columns(data), revision: { increment: 1 } },
      });
      if (count === 0) throw conflict("This network was changed by someone else since you opened it: reload and apply your change again");
      const after = await tx.network.findUniqueOrThrow({ where: { id: before.id } });
      // Secure Boot by default: every host that inherits it must be able to boot that way
      if (after.secureBoot && !before.secureBoot) {
        const lead = (n: number) => `Secure Boot on by default in network ${after.name} would leave ${hostCount(n)} inheriting it unable to boot`;
        await assertSecureBoot(tx, { networkId: before.id, secureBoot: null }, lead, "secureBoot");
      }
      await recordAudit(tx, actor, "network.update", { type: "network", id: after.id, name: after.name }, snapshot(before), snapshot(after));
      return after;
    });
  } catch (e) {
    fromDbError(e, LABELS);
  }
}

export async function deleteNetwork(actor: Actor, name: string) {
  authorize(actor, "operator");
  await db.$transaction(async (tx) => {
    const before = await tx.network.findUnique({ where: { name }, include: { _count: { select: { hosts: true } } } });
    if (!before) throw notFound(`Network ${name}`);
    if (before._count.hosts > 0) {
      throw conflict(`Network ${name} still has ${before._count.hosts} host(s): move or delete them first`);
    }
    await tx.network.delete({ where: { id: before.id } });
    await recordAudit(tx, actor, "network.delete", { type: "network", id: before.id, name }, snapshot(before), undefined);
  });
}
