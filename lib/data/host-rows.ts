import "server-only";
import type { Tx } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { insertMany, newId } from "./bulk-insert";
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

function auditRow(actor: Actor, action: string, hostId: string, name: string, before: unknown, after: unknown, at: Date) {
  return {
    id: newId("a"),
    at,
    actorType: actor.type,
    actorId: actor.id,
    actorName: actor.name,
    action,
    targetType: "host",
    targetId: hostId,
    targetName: name,
    before: before === undefined ? null : before,
    after: after === undefined ? null : after,
  };
}

export async function insertHosts(tx: Tx, actor: Actor, rows: ResolvedHost[], action = "host.create") {
  const now = new Date();
  const withIds = rows.map((r) => ({ id: newId("h"), r }));
  await insertMany(
    tx,
    "Host",
    withIds.map(({ id, r }) => ({ id, ...hostData(r), tokenGeneration: 1, revision: 1, createdAt: now, updatedAt: now })),
  );
  await insertMany(tx, "HostTag", withIds.flatMap(({ id, r }) => r.input.tags.map((tag) => ({ hostId: id, tag }))));
  await insertMany(tx, "AuditEntry", withIds.map(({ id, r }) => auditRow(actor, action, id, r.input.name, undefined, hostSnapshot(r.input), now)));
  // enrolled MACs are no longer unknown
  const macs = rows.map((r) => r.input.mac);
  for (let i = 0; i < macs.length; i += 500) await tx.discoveredHost.deleteMany({ where: { mac: { in: macs.slice(i, i + 500) } } });
  return withIds.map(({ id, r }) => ({ id, name: r.input.name }));
}

export async function writeAuditMany(tx: Tx, actor: Actor, entries: { action: string; hostId: string; name: string; before: unknown; after: unknown }[]) {
  const now = new Date();
  await insertMany(tx, "AuditEntry", entries.map((e) => auditRow(actor, e.action, e.hostId, e.name, e.before, e.after, now)));
}
