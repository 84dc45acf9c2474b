import "server-only";
import fs from "node:fs";
import { db, isPostgres, type Tx } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import type { ValidatorResult } from "@/lib/publish/validate";
import { recordAudit } from "./audit";
import { insertMany, newId, sqlDate, timeOrderedId } from "./bulk-insert";
import type { ChangeKind, Current, FileChange, Generated, Run } from "./publish";
import type { LoadedSnapshot } from "./snapshot";

// The record step of a publish (lib/data/publish.ts): the publication and its changed files, in
// one transaction with the new manifest and what each host is assigned; or, for a dry run, the
// publication of status dry_run and its files only, kept a while to be paged through.

/** Bulk work: 20,000 files of a first publish (Prisma's default of 5 s is for a few rows). */
const RECORD_TX = { timeout: 120_000, maxWait: 10_000 };

/** Record, in one transaction: the publication, its changed files, the new manifest, what hosts are assigned. */
export async function record(run: Run, changes: FileChange[], byPath: Map<string, Current>, validation: ValidatorResult[], generated: Generated, { hostRows }: LoadedSnapshot): Promise<string> {
  const { actor, outDir, scope } = run;
  const publicationId = newId("p");
  const added = changes.filter((c) => c.change === "added").length;
  const removed = changes.filter((c) => c.change === "removed").length;
  await db.$transaction(async (tx) => {
    await pruneDryRuns(tx, outDir, 0);
    await tx.publication.create({ data: publicationRow(run, publicationId, "succeeded", changes, validation, generated) });
    await insertFiles(tx, publicationId, changes, byPath);
    const gone = changes.filter((c) => c.change !== "added").map((c) => c.path);
    for (let i = 0; i < gone.length; i += 500) await tx.exportFile.deleteMany({ where: { outDir, path: { in: gone.slice(i, i + 500) } } });
    const at = new Date();
    await insertMany(tx, "ExportFile", changes.filter((c) => c.change !== "removed").map((c) => {
      const f = byPath.get(c.path)!;
      return { outDir, path: c.path, kind: c.kind, sha256: c.sha256, size: f.bytes?.length ?? fs.statSync(f.source!).size, hostId: f.hostId, publicationId, updatedAt: at };
    }), undefined, { json: true });
    await recordAssigned(tx, assignedArtifacts(generated), hostRows, at);
    await recordAudit(tx, actor, "publish", { type: "publication", id: publicationId, name: outDir }, undefined, { scope: scope ?? "full", added, changed: changes.length - added - removed, removed });
  }, RECORD_TX);
  return publicationId;
}

/** What a host boots after a publication: the overlay and the config its DHCP answer leads it to. */
export interface AssignedArtifacts {
  host: string;
  /** its overlay initrd (Host.assignedInitrdSha256; boot reports carry the one they booted) */
  initrdSha256: string;
  /** the config its firmware is handed: its GRUB config with Secure Boot, else its iPXE script (Host.assignedConfigSha256) */
  configSha256: string;
  /** the path of each of its per-host files → sha256 (pxelinux, for admins who chain pxelinux themselves, too) */
  files: Record<string, string>;
}

/**
 * What each host of the publication is assigned, by host name: from the files of `current` that
 * are its own (its name on them), so no path is made again nor looked up among 20,000. Its boot
 * config is the one its DHCP entry hands it (dhcpd.ts): shim then its GRUB config with Secure
 * Boot, else its iPXE script.
 */
export function assignedArtifacts(generated: Pick<Generated, "hosts" | "overlays" | "current">): AssignedArtifacts[] {
  const own = new Map<string, { files: Record<string, string>; ipxe?: string; grub?: string }>();
  for (const c of generated.current) {
    if (!c.hostName) continue;
    let o = own.get(c.hostName);
    if (!o) own.set(c.hostName, (o = { files: {} }));
    o.files[c.path] = c.sha256; // (current is sorted by path: grub/, ipxe/, pxelinux.cfg/, as ever)
    if (c.kind === "ipxe") o.ipxe = c.sha256;
    else if (c.kind === "grub") o.grub = c.sha256;
  }
  return generated.hosts.map((h) => {
    const o = own.get(h.name)!;
    return {
      host: h.name,
      initrdSha256: generated.overlays.get(`${h.release}@${h.version}/${h.cell}`)!,
      configSha256: (h.secureBoot ? o.grub : o.ipxe)!,
      files: o.files,
    };
  });
}

/**
 * Records what each host is now assigned where it changed (its overlay, its config, when, and the
 * row's updatedAt, as Prisma's updateMany would): one joined UPDATE per 5,000 hosts, the values as
 * one JSON parameter (jsonb_each in SQLite, json_to_recordset in PostgreSQL).
 */
async function recordAssigned(tx: Tx, assigned: AssignedArtifacts[], hostRows: LoadedSnapshot["hostRows"], at: Date) {
  const moved = assigned.filter((a) => {
    const row = hostRows.get(a.host)!;
    return row.assignedInitrdSha256 !== a.initrdSha256 || row.assignedConfigSha256 !== a.configSha256;
  });
  const when = sqlDate(at);
  for (let i = 0; i < moved.length; i += 5000) {
    const part = moved.slice(i, i + 5000);
    const json = JSON.stringify(part.map((a) => (isPostgres() ? { id: hostRows.get(a.host)!.id, initrd: a.initrdSha256, config: a.configSha256 } : [hostRows.get(a.host)!.id, a.initrdSha256, a.configSha256])));
    const from = isPostgres()
      ? Prisma.sql`json_to_recordset(${json}::json) AS v("id" text, "initrd" text, "config" text)`
      : Prisma.sql`(SELECT value ->> 0 AS "id", value ->> 1 AS "initrd", value ->> 2 AS "config" FROM jsonb_each(${json})) AS v`;
    await tx.$executeRaw`UPDATE "Host" SET "assignedInitrdSha256" = v."initrd", "assignedConfigSha256" = v."config", "assignedAt" = ${when}, "updatedAt" = ${when} FROM ${from} WHERE "Host"."id" = v."id"`;
  }
}

/** The publication's row: who, where, when, what changed. */
function publicationRow({ actor, outDir, startedAt, scope, timings }: Run, id: string, status: "succeeded" | "dry_run", changes: FileChange[], validation: ValidatorResult[], generated: Generated) {
  const count = (change: ChangeKind) => changes.filter((c) => c.change === change).length;
  return {
    id, status, startedAt, actorType: actor.type, actorName: actor.name, outDir, validation: validation as object[],
    filesChanged: changes.length, filesAdded: count("added"), filesRemoved: count("removed"), filesTotal: generated.current.length,
    scope: scope ? "hosts" : "full", scopeHosts: scope ?? undefined, timings, finishedAt: new Date(),
  };
}

/** A publication's changed files, with their diffs and the hosts of per-host files. */
async function insertFiles(tx: Tx, publicationId: string, changes: FileChange[], byPath: Map<string, Current>) {
  await insertMany(tx, "PublicationFile", changes.map((c) => ({
    id: timeOrderedId("f"), publicationId, path: c.path, kind: c.kind, sha256: c.sha256, size: byPath.get(c.path)?.bytes?.length ?? 0, change: c.change,
    diff: c.diff ?? null, diffGzip: c.diffGzip ?? null, diffWholeSize: c.diffWholeSize ?? null, host: c.host ?? null,
  })), undefined, { json: true });
}

/** How long a dry run is kept to be paged through, and how many of them per export directory at most. */
export const DRY_RUN_KEPT = { hours: 24, perOutDir: 10 };

/**
 * Dry runs past DRY_RUN_KEPT go: in every directory those older than a day, in this one all but
 * the newest `perOutDir - room` (room for the one about to be recorded). Run whenever a dry run or
 * a publication is recorded, so a one-off directory's dry runs do not stay either.
 */
async function pruneDryRuns(tx: Tx, outDir: string, room: number) {
  const cutoff = new Date(Date.now() - DRY_RUN_KEPT.hours * 3_600_000);
  const here = await tx.publication.findMany({ where: { outDir, status: "dry_run" }, orderBy: { startedAt: "desc" }, select: { id: true } });
  const stale = await tx.publication.findMany({ where: { status: "dry_run", startedAt: { lt: cutoff } }, select: { id: true } });
  const old = [...new Set([...here.slice(Math.max(0, DRY_RUN_KEPT.perOutDir - room)), ...stale].map((p) => p.id))];
  for (let i = 0; i < old.length; i += 500) {
    await tx.publicationFile.deleteMany({ where: { publicationId: { in: old.slice(i, i + 500) } } });
    await tx.publication.deleteMany({ where: { id: { in: old.slice(i, i + 500) }, status: "dry_run" } });
  }
}

/**
 * Keeps a dry run as a publication of status dry_run with its changed files (nothing is written
 * or assigned), so that its preview can be paged and filtered like a publication.
 */
export async function recordDryRun(run: Run, changes: FileChange[], byPath: Map<string, Current>, validation: ValidatorResult[], generated: Generated): Promise<string> {
  const { outDir } = run;
  const id = newId("p");
  await db.$transaction(async (tx) => {
    await pruneDryRuns(tx, outDir, 1);
    await tx.publication.create({ data: publicationRow(run, id, "dry_run", changes, validation, generated) });
    await insertFiles(tx, id, changes, byPath);
  }, RECORD_TX);
  return id;
}
