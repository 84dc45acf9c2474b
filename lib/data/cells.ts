import "server-only";
import { db } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { conflict, fromDbError, invalid, notFound } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { kerberosProblems, storedKdcs, type CellInput, type CellUpdate } from "@/lib/validation/cell";
import { recordAudit } from "./audit";
import { authorize, pageArgs } from "./authorize";
import { hasLikeWildcard, literalMatchIds } from "./search";
import { assertSecureBoot } from "./secure-boot";
import { hostCount } from "@/lib/plural";

const LABELS = { name: "cell name" };
const include = {
  servers: { orderBy: { position: "asc" } },
  _count: { select: { hosts: true } },
} satisfies Prisma.CellInclude;

type Row = Prisma.CellGetPayload<{ include: typeof include }>;

function toView(row: Row) {
  const { _count, servers, kdcs, ...rest } = row;
  return { ...rest, kdcs: storedKdcs(kdcs), servers: servers.map(({ name, ip }) => ({ name, ip })), hostCount: _count.hosts };
}

export type CellView = ReturnType<typeof toView>;

function snapshot(v: CellView | Omit<CellView, "id" | "hostCount" | "revision" | "createdAt" | "updatedAt">) {
  const { name, client, bootRoot, cacheMemcache, cacheBlocks, realm, kdcs, servers, notes } = v;
  return { name, client, bootRoot, cacheMemcache, cacheBlocks, realm, kdcs, servers, notes };
}

export interface CellQuery {
  q?: string;
  page?: number;
}

export async function listCells(actor: Actor, query: CellQuery = {}) {
  authorize(actor, "viewer");
  const { page, skip, take } = pageArgs(query.page);
  const q = query.q?.trim();
  let where: Prisma.CellWhereInput = {};
  if (q && hasLikeWildcard(q)) {
    const ids = [
      ...(await literalMatchIds(`"Cell"`, `"id"`, [{ column: `"name"`, mode: "contains" }, { column: `"bootRoot"`, mode: "contains" }], q)),
      ...(await literalMatchIds(`"CellServer"`, `"cellId"`, [{ column: `"name"`, mode: "contains" }, { column: `"ip"`, mode: "startsWith" }], q)),
    ];
    where = { id: { in: [...new Set(ids)] } };
  } else if (q) {
    where = { OR: [{ name: { contains: q } }, { bootRoot: { contains: q } }, { servers: { some: { OR: [{ name: { contains: q } }, { ip: { startsWith: q } }] } } }] };
  }
  const [items, total] = await db.$transaction([
    db.cell.findMany({ where, orderBy: { name: "asc" }, skip, take, include }),
    db.cell.count({ where }),
  ]);
  return { items: items.map(toView), total, page, pageSize: take };
}

export async function getCell(actor: Actor, name: string) {
  authorize(actor, "viewer");
  const row = await db.cell.findUnique({ where: { name }, include });
  if (!row) throw notFound(`Cell ${name}`);
  return toView(row);
}

function serverRows(servers: CellInput["servers"]) {
  return servers.map((s, position) => ({ position, name: s.name, ip: s.ip }));
}

/** The stored columns of a validated input: KDCs comma-separated; realm and KDCs absent (a caller in code): as they were. */
function columns(input: Omit<CellInput, "servers">) {
  const { kdcs, realm, ...rest } = input;
  return { ...rest, ...(realm !== undefined ? { realm } : {}), ...(kdcs !== undefined ? { kdcs: kdcs.join(",") } : {}) };
}

/** The Kerberos pair rule on what is stored after a change (a caller in code may give one of the two). */
function assertKerberos(after: CellView) {
  const [problem] = kerberosProblems(after);
  if (problem) throw invalid(problem.message, { [problem.path.join(".")]: problem.message });
}

export async function createCell(actor: Actor, input: CellInput) {
  authorize(actor, "operator");
  const { servers, ...data } = input;
  try {
    return await db.$transaction(async (tx) => {
      const row = await tx.cell.create({ data: { ...columns(data), servers: { create: serverRows(servers) } }, include });
      const view = toView(row);
      assertKerberos(view);
      await recordAudit(tx, actor, "cell.create", { type: "cell", id: row.id, name: row.name }, undefined, snapshot(view));
      return view;
    });
  } catch (e) {
    fromDbError(e, LABELS);
  }
}

export async function updateCell(actor: Actor, name: string, input: CellUpdate) {
  authorize(actor, "operator");
  const { revision, servers, ...data } = input;
  try {
    return await db.$transaction(async (tx) => {
      const before = await tx.cell.findUnique({ where: { name }, include });
      if (!before) throw notFound(`Cell ${name}`);
      const { count } = await tx.cell.updateMany({ where: { id: before.id, revision }, data: { ...columns(data), revision: { increment: 1 } } });
      if (count === 0) throw conflict("This cell was changed by someone else since you opened it: reload and apply your change again");
      await tx.cellServer.deleteMany({ where: { cellId: before.id } });
      await tx.cellServer.createMany({ data: serverRows(servers).map((s) => ({ ...s, cellId: before.id })) });
      const after = toView(await tx.cell.findUniqueOrThrow({ where: { id: before.id }, include }));
      assertKerberos(after);
      // an OpenAFS client loads openafs.ko: Secure Boot hosts of the cell need their versions' modules signed
      if (after.client === "openafs" && before.client !== "openafs") {
        const lead = (n: number) => `Switching cell ${after.name} to OpenAFS would leave ${hostCount(n)} with Secure Boot unable to boot`;
        await assertSecureBoot(tx, { cellId: before.id }, lead, "client");
      }
      await recordAudit(tx, actor, "cell.update", { type: "cell", id: before.id, name: after.name }, snapshot(toView(before)), snapshot(after));
      return after;
    });
  } catch (e) {
    fromDbError(e, LABELS);
  }
}

export async function deleteCell(actor: Actor, name: string) {
  authorize(actor, "operator");
  await db.$transaction(async (tx) => {
    const before = await tx.cell.findUnique({ where: { name }, include });
    if (!before) throw notFound(`Cell ${name}`);
    if (before._count.hosts > 0) {
      throw conflict(`Cell ${name} is still used by ${before._count.hosts} host(s): move them to another cell first`);
    }
    await tx.cell.delete({ where: { id: before.id } });
    await recordAudit(tx, actor, "cell.delete", { type: "cell", id: before.id, name }, snapshot(toView(before)), undefined);
  });
}
