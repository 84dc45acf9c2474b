import "server-only";
import crypto from "node:crypto";
import type { Tx } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { ResolvedHost } from "./host-resolve";

// Writing resolved hosts, many at a time (createMany), with their tags and one audit entry each.

export function hostData(r: ResolvedHost) {
  const i = r.input;
  return {
    name: i.name,
    mac: i.mac,
    ip: i.ip,
    ipKey: r.ipKey,
    networkId: r.networkId,
    cellId: r.cellId,
    releaseId: r.releaseId,
    pinnedVersionId: r.pinnedVersionId,
    cacheBlocks: i.cacheBlocks ?? null,
    tmpfsSize: i.tmpfsSize ?? null,
    kernelArgs: i.kernelArgs ?? null,
    nicModule: i.nicModule ?? null,
    notes: i.notes,
  };
}

/** What the audit log keeps of a host: its settings as the fleet file writes them. */
export function hostSnapshot(i: ResolvedHost["input"]) {
  return {
    name: i.name,
    mac: i.mac,
    ip: i.ip,
    cell: i.cell,
    release: i.release.version ? `${i.release.release}@${i.release.version}` : i.release.release,
    tags: i.tags,
    cacheBlocks: i.cacheBlocks ?? null,
    tmpfsSize: i.tmpfsSize ?? null,
    kernelArgs: i.kernelArgs ?? null,
    nicModule: i.nicModule ?? null,
    notes: i.notes,
  };
}

function auditRow(actor: Actor, action: string, hostId: string, name: string, before: unknown, after: unknown): Prisma.AuditEntryCreateManyInput {
  const json = (v: unknown) => (v === undefined ? undefined : (JSON.parse(JSON.stringify(v)) as Prisma.InputJsonValue));
  return { actorType: actor.type, actorId: actor.id, actorName: actor.name, action, targetType: "host", targetId: hostId, targetName: name, before: json(before), after: json(after) };
}

const CHUNK = 500;
async function inChunks<T>(rows: T[], write: (chunk: T[]) => Promise<unknown>) {
  for (let i = 0; i < rows.length; i += CHUNK) await write(rows.slice(i, i + CHUNK));
}

export async function insertHosts(tx: Tx, actor: Actor, rows: ResolvedHost[], action = "host.create") {
  const now = new Date();
  const withIds = rows.map((r) => ({ id: `h${crypto.randomBytes(12).toString("hex")}`, r }));
  await inChunks(withIds, (c) => tx.host.createMany({ data: c.map(({ id, r }) => ({ id, ...hostData(r), createdAt: now, updatedAt: now })) }));
  const tags = withIds.flatMap(({ id, r }) => r.input.tags.map((tag) => ({ hostId: id, tag })));
  await inChunks(tags, (c) => tx.hostTag.createMany({ data: c }));
  await inChunks(withIds, (c) => tx.auditEntry.createMany({ data: c.map(({ id, r }) => auditRow(actor, action, id, r.input.name, undefined, hostSnapshot(r.input))) }));
  // enrolled MACs are no longer unknown
  await inChunks(rows, (c) => tx.discoveredHost.deleteMany({ where: { mac: { in: c.map((r) => r.input.mac) } } }));
  return withIds.map(({ id, r }) => ({ id, name: r.input.name }));
}

export async function writeAuditMany(tx: Tx, actor: Actor, entries: { action: string; hostId: string; name: string; before: unknown; after: unknown }[]) {
  await inChunks(entries, (c) => tx.auditEntry.createMany({ data: c.map((e) => auditRow(actor, e.action, e.hostId, e.name, e.before, e.after)) }));
}
