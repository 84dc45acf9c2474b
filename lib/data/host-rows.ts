import "server-only";
import type { Tx } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { recordAudit } from "./audit";
import { randomBytes } from "node:crypto";
import { insertMany, newId } from "./bulk-insert";
import type { ResolvedHost } from "./host-resolve";
import { bmcColumns } from "./bmc-secret";
import { NO_HOST_BMC } from "@/lib/validation/bmc";

// Writing resolved hosts, many at a time (createMany), with their tags, and auditing actions on
// many hosts as one entry.

export function hostData(r: ResolvedHost) {
  const i = r.input;
  const bmc = i.bmc ?? NO_HOST_BMC;
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
    secureBoot: i.secureBoot ?? null,
    // an undefined password: the stored one stays (an update leaves the column alone)
    ...bmcColumns(bmc),
    bmcAddress: bmc.address,
    bmcInsecure: bmc.insecure,
    identity: i.identity ?? null,
    notes: i.notes,
  };
}

/**
 * A BMC's settings as the audit log and the fleet file keep them: never the password, only its
 * state: "stored" (one is stored and stays), "new" (this change sets one), or null (none).
 */
export function bmcSnapshot(b: { driver: string | null; address?: string | null; user: string | null; password?: string | null; insecure: boolean | null; command: string | null }, passwordStored: boolean) {
  const password = b.password === undefined ? (passwordStored ? "stored" : null) : b.password === null ? null : "new";
  return { driver: b.driver, ...(b.address !== undefined ? { address: b.address } : {}), user: b.user, password, insecure: b.insecure, command: b.command };
}

/** What the audit log keeps of a host: its settings as the fleet file writes them. */
export function hostSnapshot(i: ResolvedHost["input"], bmcPasswordStored = false) {
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
    secureBoot: i.secureBoot ?? null,
    bmc: bmcSnapshot(i.bmc ?? NO_HOST_BMC, bmcPasswordStored),
    identity: i.identity ?? null,
    notes: i.notes,
  };
}

export async function insertHosts(tx: Tx, actor: Actor, rows: ResolvedHost[], action = "host.create") {
  const now = new Date();
  const withIds = rows.map((r) => ({ id: newId("h"), r }));
  await insertMany(
    tx,
    "Host",
    // a machine id of its own: random, 128 bits, as systemd-machine-id-setup makes them
    withIds.map(({ id, r }) => ({ id, bmcPassword: null, ...hostData(r), machineId: randomBytes(16).toString("hex"), tokenGeneration: 1, revision: 1, createdAt: now, updatedAt: now })),
  );
  await insertMany(tx, "HostTag", withIds.flatMap(({ id, r }) => r.input.tags.map((tag) => ({ hostId: id, tag }))));
  await auditHosts(tx, actor, action, withIds.map(({ id, r }) => ({ id, name: r.input.name, after: hostSnapshot(r.input) })));
  // enrolled MACs are no longer unknown
  const macs = rows.map((r) => r.input.mac);
  for (let i = 0; i < macs.length; i += 500) await tx.discoveredHost.deleteMany({ where: { mac: { in: macs.slice(i, i + 500) } } });
  return withIds.map(({ id, r }) => ({ id, name: r.input.name }));
}

/** Replaces the tags of these hosts (by id) with the given ones: a statement per 500 hosts, not per host. */
export async function replaceTags(tx: Tx, hosts: { id: string; tags: string[] }[]): Promise<void> {
  for (let i = 0; i < hosts.length; i += 500) await tx.hostTag.deleteMany({ where: { hostId: { in: hosts.slice(i, i + 500).map((h) => h.id) } } });
  await insertMany(tx, "HostTag", hosts.flatMap((h) => h.tags.map((tag) => ({ hostId: h.id, tag }))));
}

export type HostSnapshot = ReturnType<typeof hostSnapshot>;

export interface AuditedHost {
  id: string;
  name: string;
  before?: HostSnapshot;
  after?: HostSnapshot;
}

/** The settings of a host that an update changed, before and after; all of them for a create or delete. */
function changedPart(h: AuditedHost): { before?: Partial<HostSnapshot>; after?: Partial<HostSnapshot> } {
  if (!h.before || !h.after) return { before: h.before, after: h.after };
  const keys = (Object.keys(h.after) as (keyof HostSnapshot)[]).filter((k) => JSON.stringify(h.before![k]) !== JSON.stringify(h.after![k]));
  return { before: Object.fromEntries(keys.map((k) => [k, h.before![k]])), after: Object.fromEntries(keys.map((k) => [k, h.after![k]])) };
}

/**
 * The audit of one action on hosts: one entry, however many hosts it touched. One host gets an
 * ordinary entry on that host (its settings before and after). Several get one entry named
 * "N hosts" whose before/after map each host's name to what changed on it, linked to every host
 * (AuditHost) so the host's page and the log's object filter still find it.
 */
export async function auditHosts(tx: Tx, actor: Actor, action: string, hosts: AuditedHost[]): Promise<void> {
  if (hosts.length === 0) return;
  if (hosts.length === 1) {
    const [h] = hosts as [AuditedHost];
    await recordAudit(tx, actor, action, { type: "host", id: h.id, name: h.name }, h.before, h.after);
    return;
  }
  const parts = hosts.map((h) => [h.name, changedPart(h)] as const);
  const side = (k: "before" | "after") => (hosts.some((h) => h[k]) ? { hosts: Object.fromEntries(parts.map(([name, p]) => [name, p[k] ?? null])) } : undefined);
  const entryId = await recordAudit(tx, actor, action, { type: "host", id: null, name: `${hosts.length} hosts` }, side("before"), side("after"));
  await insertMany(tx, "AuditHost", hosts.map((h) => ({ entryId, hostId: h.id, hostName: h.name })));
}
