import "server-only";
import { db, type Tx } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { imagePolicy } from "@/lib/env";
import { conflict, fromDbError, invalid, notFound } from "@/lib/errors";
import { imagesDirProblem } from "@/lib/publish/image-source";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { ReleaseInput, VersionInput } from "@/lib/validation/release";
import { recordAudit } from "./audit";
import { authorize, pageArgs } from "./authorize";
import { hasLikeWildcard, literalMatchIds } from "./search";
import { latestActive } from "@/lib/boot/latest-version";
import { assertSecureBoot } from "./secure-boot";
import { hostCount } from "@/lib/plural";
import { canonVersion } from "./fleet-export";

// Release trees and their versions. A version is a draft until activated; an active version is
// immutable (a new build is a new version); a version pinned by hosts cannot be retired.

const LABELS = { name: "release name", version: "version" };

/**
 * Why a release's images directory, as set or changed, may not be used (lib/publish/image-source.ts),
 * or null. Publishing checks the real paths again.
 */
export function imagesDirChangeProblem(r: { tree: string; imagesDir?: string | null }, before?: { tree: string; imagesDir: string | null }) {
  if (!r.imagesDir || (before && before.imagesDir === r.imagesDir && before.tree === r.tree)) return null;
  return imagesDirProblem(r.imagesDir, r.tree, imagePolicy());
}

function checkImagesDir(r: { tree: string; imagesDir?: string | null }, before?: { tree: string; imagesDir: string | null }) {
  const problem = imagesDirChangeProblem(r, before);
  if (problem) throw invalid(`Images directory: ${problem}`, { imagesDir: problem });
}

export interface ReleaseQuery {
  q?: string;
  page?: number;
}

export async function listReleases(actor: Actor, query: ReleaseQuery = {}) {
  authorize(actor, "viewer");
  const { page, skip, take } = pageArgs(query.page);
  const q = query.q?.trim();
  const where: Prisma.ReleaseWhereInput = !q
    ? {}
    : hasLikeWildcard(q)
      ? { id: { in: await literalMatchIds(`"Release"`, `"id"`, [{ column: `"name"`, mode: "contains" }, { column: `"tree"`, mode: "contains" }], q) } }
      : { OR: [{ name: { contains: q } }, { tree: { contains: q } }] };
  const [items, total] = await db.$transaction([
    db.release.findMany({
      where,
      orderBy: { name: "asc" },
      skip,
      take,
      include: { versions: { orderBy: { createdAt: "asc" }, select: { version: true, status: true } }, _count: { select: { hosts: true } } },
    }),
    db.release.count({ where }),
  ]);
  return {
    items: items.map(({ _count, versions, ...r }) => ({ ...r, hostCount: _count.hosts, versions, latestActive: latestActive(versions) })),
    total,
    page,
    pageSize: take,
  };
}


/**
 * The activation time of a version of this release activated now: now, or 1 ms after the
 * release's last activation while the clock has not passed it. "Latest" is the version activated
 * last; two activations within one millisecond (a fleet file or a script activating several
 * versions) or a clock set back would otherwise tie or go backwards, and which version the
 * floating hosts follow would depend on the clock's resolution. Call it in the activating transaction.
 */
export async function activationTime(tx: Tx, releaseId: string, now = new Date()): Promise<Date> {
  const { _max } = await tx.releaseVersion.aggregate({ where: { releaseId }, _max: { activatedAt: true } });
  const last = _max.activatedAt?.getTime();
  return last === undefined || now.getTime() > last ? now : new Date(last + 1);
}

/**
 * What activating or retiring a version does to the hosts that follow the release's latest
 * version (assigned the release without a pinned version): how many move, from which version to
 * which (null: none). Activating a draft makes it the latest; retiring the latest hands the
 * followers to the most recently activated remaining version. Anything else moves nobody.
 */
export interface StatusEffect {
  moved: number;
  from: string | null;
  to: string | null;
}

export function statusEffect<V extends { id: string; status: string; version: string; activatedAt?: Date | null }>(
  versions: V[],
  target: V,
  status: "active" | "retired",
  followers: number,
): StatusEffect {
  const latest = latestActive(versions);
  if (status === "active") {
    if (target.status !== "draft" || latest?.id === target.id) return { moved: 0, from: latest?.version ?? null, to: latest?.version ?? null };
    return { moved: followers, from: latest?.version ?? null, to: target.version };
  }
  if (latest?.id !== target.id) return { moved: 0, from: latest?.version ?? null, to: latest?.version ?? null };
  const next = latestActive(versions.filter((v) => v.id !== target.id));
  return { moved: followers, from: target.version, to: next?.version ?? null };
}

function versionView(v: Prisma.ReleaseVersionGetPayload<object>) {
  return { ...v, modules: v.modules as string[], readonly: v.readonly as string[], writable: v.writable as string[] };
}
export type VersionView = ReturnType<typeof versionView>;

/** A release with its versions, and per version: hosts assigned to it and hosts that last booted it. */
export async function getRelease(actor: Actor, name: string) {
  authorize(actor, "viewer");
  const release = await db.release.findUnique({ where: { name }, include: { versions: { orderBy: { createdAt: "asc" } } } });
  if (!release) throw notFound(`Release ${name}`);
  const versions = release.versions.map(versionView);
  const latest = latestActive(versions);
  const [pinned, floating, booted] = await db.$transaction([
    db.host.groupBy({ by: ["pinnedVersionId"], where: { releaseId: release.id, pinnedVersionId: { not: null } }, _count: { _all: true }, orderBy: { pinnedVersionId: "asc" } }),
    db.host.count({ where: { releaseId: release.id, pinnedVersionId: null } }),
    db.boot.groupBy({ by: ["releaseVersion"], where: { lastOf: { releaseId: release.id } }, _count: { _all: true }, orderBy: { releaseVersion: "asc" } }),
  ]);
  const pinnedBy = new Map(pinned.map((p) => [p.pinnedVersionId, (p._count as { _all: number })._all]));
  const bootedBy = new Map(booted.map((b) => [b.releaseVersion, (b._count as { _all: number })._all]));
  return {
    ...release,
    versions: versions.map((v) => ({
      ...v,
      pinnedHosts: pinnedBy.get(v.id) ?? 0,
      assignedHosts: (pinnedBy.get(v.id) ?? 0) + (latest?.id === v.id ? floating : 0),
      runningHosts: bootedBy.get(v.version) ?? 0,
      isLatest: latest?.id === v.id,
      /** what its Activate (drafts) or Retire (active) button would do to the release's followers */
      statusEffect: v.status === "retired" ? null : statusEffect(versions, v, v.status === "draft" ? "active" : "retired", floating),
    })),
    floatingHosts: floating,
    hostCount: floating + [...pinnedBy.values()].reduce((a, b) => a + b, 0),
  };
}
export type ReleaseView = Awaited<ReturnType<typeof getRelease>>;

const releaseSnapshot = (r: { name: string; tree: string; imagesDir: string | null; notes: string }) => ({ name: r.name, tree: r.tree, imagesDir: r.imagesDir, notes: r.notes });
/** What the audit log keeps of a version: its fields as the fleet file has them, and its status. */
function versionSnapshot(v: Parameters<typeof canonVersion>[0] & { status: string }) {
  const { version, ...content } = canonVersion(v);
  return { version, status: v.status, ...content };
}

/**
 * The hosts that follow a release boot whatever version activating or retiring one hands them:
 * refused when a Secure Boot host among them could not boot it. Call it after the change is written.
 */
export function assertFollowersBoot(tx: Tx, releaseId: string, change: string) {
  const lead = (n: number) => `${change} would leave ${hostCount(n)} with Secure Boot following the release unable to boot`;
  return assertSecureBoot(tx, { releaseId, pinnedVersionId: null }, lead);
}

export async function createRelease(actor: Actor, input: ReleaseInput) {
  authorize(actor, "operator");
  try {
    checkImagesDir(input);
    return await db.$transaction(async (tx) => {
      const row = await tx.release.create({ data: { ...input, imagesDir: input.imagesDir ?? null } });
      await recordAudit(tx, actor, "release.create", { type: "release", id: row.id, name: row.name }, undefined, releaseSnapshot(row));
      return row;
    });
  } catch (e) {
    fromDbError(e, LABELS);
  }
}

export async function updateRelease(actor: Actor, name: string, input: ReleaseInput & { revision: number }) {
  authorize(actor, "operator");
  const { revision, ...data } = input;
  try {
    return await db.$transaction(async (tx) => {
      const before = await tx.release.findUnique({ where: { name } });
      if (!before) throw notFound(`Release ${name}`);
      checkImagesDir(data, before);
      const { count } = await tx.release.updateMany({ where: { id: before.id, revision }, data: { ...data, imagesDir: data.imagesDir ?? null, revision: { increment: 1 } } });
      if (count === 0) throw conflict("This release was changed by someone else since you opened it: reload and apply your change again");
      const after = await tx.release.findUniqueOrThrow({ where: { id: before.id } });
      await recordAudit(tx, actor, "release.update", { type: "release", id: after.id, name: after.name }, releaseSnapshot(before), releaseSnapshot(after));
      return after;
    });
  } catch (e) {
    fromDbError(e, LABELS);
  }
}

export async function deleteRelease(actor: Actor, name: string) {
  authorize(actor, "operator");
  await db.$transaction(async (tx) => {
    const before = await tx.release.findUnique({ where: { name }, include: { _count: { select: { hosts: true } } } });
    if (!before) throw notFound(`Release ${name}`);
    if (before._count.hosts > 0) throw conflict(`Release ${name} is assigned to ${before._count.hosts} host(s): assign them another release first`);
    await tx.releaseVersion.deleteMany({ where: { releaseId: before.id } });
    await tx.release.delete({ where: { id: before.id } });
    await recordAudit(tx, actor, "release.delete", { type: "release", id: before.id, name }, releaseSnapshot(before), undefined);
  });
}

async function findVersion(tx: Tx, releaseName: string, version: string) {
  const v = await tx.releaseVersion.findFirst({ where: { version, release: { name: releaseName } }, include: { release: true } });
  if (!v) throw notFound(`Version ${releaseName}@${version}`);
  return v;
}

const versionData = (input: VersionInput) => ({
  version: input.version,
  kernel: input.kernel,
  baseInitrd: input.baseInitrd,
  modules: input.modules,
  readonly: input.readonly,
  writable: input.writable,
  tmpfsSize: input.tmpfsSize,
  signedKernel: input.signedKernel ?? false,
  signedModules: input.signedModules ?? false,
  notes: input.notes,
});

/** A new draft version; `status: "active"` activates it at once (the fleet file does that). */
export async function createVersion(actor: Actor, releaseName: string, input: VersionInput, opts: { activate?: boolean } = {}) {
  authorize(actor, "operator");
  try {
    return await db.$transaction(async (tx) => {
      const release = await tx.release.findUnique({ where: { name: releaseName } });
      if (!release) throw notFound(`Release ${releaseName}`);
      const row = await tx.releaseVersion.create({
        data: { ...versionData(input), releaseId: release.id, ...(opts.activate ? { status: "active", activatedAt: await activationTime(tx, release.id) } : {}) },
      });
      if (opts.activate) await assertFollowersBoot(tx, release.id, `Activating ${releaseName}@${row.version}`);
      await recordAudit(tx, actor, "version.create", { type: "release-version", id: row.id, name: `${releaseName}@${row.version}` }, undefined, versionSnapshot(row));
      return versionView(row);
    });
  } catch (e) {
    fromDbError(e, LABELS);
  }
}

/** Edits a draft. Active and retired versions are immutable. */
export async function updateVersion(actor: Actor, releaseName: string, version: string, input: VersionInput & { revision: number }) {
  authorize(actor, "operator");
  const { revision, ...data } = input;
  try {
    return await db.$transaction(async (tx) => {
      const before = await findVersion(tx, releaseName, version);
      if (before.status !== "draft") {
        throw conflict(`Version ${releaseName}@${version} is ${before.status} and cannot change: make a new version from it instead`);
      }
      const { count } = await tx.releaseVersion.updateMany({ where: { id: before.id, revision }, data: { ...versionData(data), revision: { increment: 1 } } });
      if (count === 0) throw conflict("This version was changed by someone else since you opened it: reload and apply your change again");
      const after = await tx.releaseVersion.findUniqueOrThrow({ where: { id: before.id } });
      await recordAudit(tx, actor, "version.update", { type: "release-version", id: after.id, name: `${releaseName}@${after.version}` }, versionSnapshot(before), versionSnapshot(after));
      return versionView(after);
    });
  } catch (e) {
    fromDbError(e, LABELS);
  }
}

/** Copies a version into a new draft ("new version from this one"). */
export async function copyVersion(actor: Actor, releaseName: string, version: string, newVersion: string) {
  authorize(actor, "operator");
  const source = await findVersion(db, releaseName, version);
  return createVersion(actor, releaseName, {
    ...versionView(source),
    version: newVersion,
    notes: source.notes,
  });
}

/**
 * Activates a draft or retires an active version. `expectMoved`: the number of following hosts the
 * person confirmed would move (the console's dialog); when it is no longer true, nothing changes
 * and the refusal says how many would move now.
 */
export async function setVersionStatus(actor: Actor, releaseName: string, version: string, status: "active" | "retired", opts: { expectMoved?: number } = {}) {
  authorize(actor, "operator");
  return db.$transaction(async (tx) => {
    const before = await findVersion(tx, releaseName, version);
    const unchanged = { moved: 0, from: null, to: null } satisfies StatusEffect;
    if (before.status === status) return { ...versionView(before), hostsMoved: unchanged };
    if (status === "active" && before.status === "retired") throw invalid(`Version ${releaseName}@${version} is retired: make a new version from it instead`);
    if (status === "retired") {
      const pinned = await tx.host.count({ where: { pinnedVersionId: before.id } });
      if (pinned > 0) throw conflict(`Version ${releaseName}@${version} is pinned by ${pinned} host(s): assign them another version first`);
    }
    const [versions, followers] = await Promise.all([
      tx.releaseVersion.findMany({ where: { releaseId: before.releaseId }, select: { id: true, version: true, status: true, activatedAt: true } }),
      tx.host.count({ where: { releaseId: before.releaseId, pinnedVersionId: null } }),
    ]);
    const effect = statusEffect(versions, before, status, followers);
    if (opts.expectMoved !== undefined && opts.expectMoved !== effect.moved) {
      throw conflict(`${effect.moved} host(s) would move now, not ${opts.expectMoved} as confirmed: hosts of ${releaseName} changed meanwhile. Look again and confirm.`);
    }
    const after = await tx.releaseVersion.update({
      where: { id: before.id },
      data: status === "active" ? { status, activatedAt: await activationTime(tx, before.releaseId) } : { status, retiredAt: new Date() },
    });
    if (effect.moved > 0) await assertFollowersBoot(tx, before.releaseId, `${status === "active" ? "Activating" : "Retiring"} ${releaseName}@${version}`);
    await recordAudit(
      tx,
      actor,
      status === "active" ? "version.activate" : "version.retire",
      { type: "release-version", id: after.id, name: `${releaseName}@${version}` },
      versionSnapshot(before),
      { ...versionSnapshot(after), hostsMoved: effect.moved, hostsMovedFrom: effect.from, hostsMovedTo: effect.to },
    );
    return { ...versionView(after), hostsMoved: effect };
  });
}

export async function deleteVersion(actor: Actor, releaseName: string, version: string) {
  authorize(actor, "operator");
  await db.$transaction(async (tx) => {
    const before = await findVersion(tx, releaseName, version);
    if (before.status !== "draft") throw conflict(`Version ${releaseName}@${version} is ${before.status}: only drafts can be deleted (retire it instead)`);
    await tx.releaseVersion.delete({ where: { id: before.id } });
    await recordAudit(tx, actor, "version.delete", { type: "release-version", id: before.id, name: `${releaseName}@${version}` }, versionSnapshot(before), undefined);
  });
}
