import "server-only";
import fs from "node:fs";
import path from "node:path";
import { db, isPostgres } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import type { Actor } from "@/lib/auth/roles";
import { env } from "@/lib/env";
import { AppError, invalid, notFound } from "@/lib/errors";
import { dhcpKind, generateAll, type PublishedFile } from "@/lib/generate/all";
import { dhcpFiles, type DhcpFilesOptions } from "@/lib/generate/dhcp";
import { LAYOUT, type FleetSnapshot, type SnapHost } from "@/lib/generate/snapshot";
import { removeFile, removeStaleTemps, sha256, writeFilesAtomic, fsyncDir } from "@/lib/publish/atomic";
import { readBusybox } from "@/lib/publish/busybox";
import { findLoaders, missingForSecureBoot } from "@/lib/publish/loaders";
import { DHCP_KINDS, DIFF_LIMITS, TEXT_KINDS, fileDiff } from "@/lib/publish/diff";
import { runHooks, type HookResult } from "@/lib/publish/hooks";
import { PublishBusyError, withExportLock } from "@/lib/publish/lock";
import { validateDhcp, type ValidatorResult } from "@/lib/publish/validate";
import type { DeliveryOutcome } from "@/lib/publish/deliver";
import { recordAudit } from "./audit";
import { ClusterLockBusy, withClusterLock } from "./cluster-lock";
import { deliverPublication } from "./deliveries";
import { authorize } from "./authorize";
import { newId } from "./bulk-insert";
import { record, recordDryRun } from "./publish-record";
import { loadSnapshot, type LoadedSnapshot } from "./snapshot";
import { hostCount } from "@/lib/plural";
import { snapshotViolations, violationsMessage } from "@/lib/boot/secure-boot";
import { secureBootField } from "@/lib/publish/refusal-paths";

// One publish pipeline for the UI, the API and `afsboot publish`: snapshot → generate → compare
// with what the export directory holds (the ExportFile manifest) → validate the changed DHCP
// configs with the real daemons (any failure: nothing is written) → write what changed,
// atomically → remove what is gone → record the Publication with per-file diffs → run the
// post-publish hooks. One publisher per export directory at a time (a lock file).
//
// Scope "hosts" republishes some hosts' files only (after an edit or a token rotation): their
// PXE files, their overlays, and their networks' DHCP files; the DHCP check then runs on the
// changed hosts' entries within their network (the rest of the file passed when it was published,
// and names, MACs and IPs are checked unique across the whole network by the generator).

export type ChangeKind = "added" | "changed" | "removed";

export interface FileChange {
  path: string;
  change: ChangeKind;
  kind: string;
  sha256: string;
  /** unified diff (text files, cut at 64 KiB), a one-line summary (binary), or null past the per-publication limit */
  diff?: string | null;
  /** the whole diff, gzip-compressed, when `diff` was cut, and its size uncompressed */
  diffGzip?: Buffer | null;
  diffWholeSize?: number | null;
  /** the host a per-host file (PXE config, iPXE script) belongs to */
  host?: string | null;
}

export interface PublishResult {
  publicationId: string | null;
  status: "succeeded" | "dry_run";
  changes: FileChange[];
  unchanged: number;
  validation: ValidatorResult[];
  hooks: HookResult[];
  skipped: { host: string; reason: string }[];
  /** each boot server's copy of this publication (none for a dry run, or without delivery targets) */
  deliveries?: DeliveryOutcome[];
  /** milliseconds per stage: snapshot, generate, compare, validate, diff, write, record, deliver, hooks */
  timings: Record<string, number>;
}

export interface PublishOptions {
  outDir: string;
  /** compute and return everything, write and record nothing */
  dryRun?: boolean;
  /** publish only these hosts' files */
  hosts?: string[];
  busyboxPath?: string;
  /** compute diffs (default true; the benchmark measures without too) */
  diffs?: boolean;
}

export interface Current {
  path: string;
  kind: string;
  sha256: string;
  bytes: Buffer | null;
  source: string | null;
  hostId: string | null;
  hostName: string | null;
}

const KIND_OF_IMAGE = "image";
const KIND_OF_LOADER = "loader";

export async function publish(actor: Actor, opts: PublishOptions): Promise<PublishResult> {
  authorize(actor, "operator");
  const outDir = path.resolve(opts.outDir);
  const busybox = readBusybox(opts.busyboxPath);
  try {
    // one publisher at a time: across console replicas (PostgreSQL advisory lock), and per export
    // directory on this machine (its lock file), waiting up to 10 s for the one under way
    return await withClusterLock("publish", () => withExportLock(outDir, () => publishLocked(actor, opts, outDir, busybox)), 10_000);
  } catch (e) {
    if (e instanceof PublishBusyError) throw new AppError(409, "busy", e.message);
    if (e instanceof ClusterLockBusy) throw new AppError(409, "busy", "another publication is running on another console replica; try again when it has finished");
    throw e;
  }
}

/** One publication, the export directory's lock held: the steps of the pipeline above, each timed. */
async function publishLocked(actor: Actor, opts: PublishOptions, outDir: string, busybox: Buffer): Promise<PublishResult> {
  const run: Run = { actor, outDir, startedAt: new Date(), scope: opts.hosts ? [...new Set(opts.hosts)].sort() : null, timings: {} };
  const lap = stopwatch(run.timings);
  if (!opts.dryRun) removeStaleTemps(outDir);

  const loaded = await loadScopedSnapshot(run);
  refuseUnbootable(loaded.snapshot);
  lap("snapshot");
  const generated = generateScoped(run, loaded, busybox);
  lap("generate");
  const changes = await compareWithManifest(run, generated.current, loaded.hostRows);
  lap("compare");
  const validation = await validateChangedDhcp(run, changes, generated, loaded.snapshot);
  lap("validate");
  const unchanged = generated.current.length - changes.filter((c) => c.change !== "removed").length;
  const failed = validation.filter((v) => v.status === "failed");
  if (failed.length) await refuse(run, validation, failed, opts.dryRun);

  const byPath = new Map(generated.current.map((f) => [f.path, f]));
  if (opts.diffs !== false) addDiffs(outDir, changes, byPath);
  lap("diff");
  const skipped = run.scope ? loaded.skipped.filter((s) => run.scope!.includes(s.host)) : loaded.skipped;
  const result = (publicationId: string | null, status: PublishResult["status"], hooks: HookResult[] = []): PublishResult => ({ publicationId, status, changes, unchanged, validation, hooks, skipped, timings: run.timings });
  // a dry run is kept (a while, see recordDryRun) so that its changed files can be paged through
  if (opts.dryRun) {
    const kept = await recordDryRun(run, changes, byPath, validation, generated);
    lap("record");
    return result(kept, "dry_run");
  }

  writeChanges(outDir, changes, byPath);
  lap("write");
  const publicationId = await record(run, changes, byPath, validation, generated, loaded);
  // this directory holds that publication now (the manifest speaks for it: see compareWithManifest)
  writeFilesAtomic(outDir, [{ rel: MARKER, bytes: Buffer.from(`${publicationId}\n`) }]);
  lap("record");
  // each boot server's copy, before the hooks (which may reload the DHCP servers that read it)
  const deliveries = await deliverPublication(actor, publicationId, outDir, changes.length > 0);
  lap("deliver");
  // hooks: only when something changed
  const hooks = changes.length ? await runHooks({ exportDir: outDir, publicationId, changes }) : [];
  if (hooks.length) await db.publication.update({ where: { id: publicationId }, data: { hooks: hooks as object[] } });
  lap("hooks");
  return { ...result(publicationId, "succeeded", hooks), deliveries };
}

/** What one publication is about: who, where, when, which hosts (null: all), and its stages' times. */
export interface Run {
  actor: Actor;
  outDir: string;
  startedAt: Date;
  scope: string[] | null;
  timings: Record<string, number>;
}

/** Records into `timings` the milliseconds since the previous lap (or since it was made). */
function stopwatch(timings: Record<string, number>) {
  let t = performance.now();
  return (stage: string) => {
    const now = performance.now();
    timings[stage] = Math.round(now - t);
    t = now;
  };
}

/** Snapshot: everything, or the scoped hosts' networks (and only their versions' kernels and base initrds). */
async function loadScopedSnapshot({ actor, scope, outDir }: Run): Promise<LoadedSnapshot> {
  let networks: string[] | undefined;
  if (scope) {
    if (scope.length === 0) throw invalid("name at least one host to publish");
    const rows = await db.host.findMany({ where: { name: { in: scope } }, select: { name: true, network: { select: { name: true } } } });
    const missing = scope.filter((n) => !rows.some((r) => r.name === n));
    if (missing.length) throw notFound(`no host named ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ` and ${missing.length - 5} more` : ""}`);
    networks = [...new Set(rows.map((r) => r.network.name))].sort();
  }
  return loadSnapshot(actor, { images: "read", networks, imagesFor: scope ?? undefined, outDir });
}

/**
 * Secure Boot hosts whose version or cell cannot boot that way: every change is checked when it is
 * made, so this is a change made some other way (by hand in the database, a restored backup).
 * Nothing is published; the refusal names each host at its Secure Boot setting.
 */
function refuseUnbootable(snapshot: FleetSnapshot) {
  const violations = snapshotViolations(snapshot);
  if (violations.length === 0) return;
  const lead = `Nothing was published: ${hostCount(violations.length)} with Secure Boot cannot boot ${violations.length === 1 ? "its" : "their"} assigned version`;
  throw invalid(violationsMessage(lead, violations), Object.fromEntries(violations.map((v) => [secureBootField(v.host), v.message])));
}

export interface Generated {
  /** every file the publication should hold, generated or an image to copy */
  current: Current[];
  files: PublishedFile[];
  overlays: Map<string, string>;
  /** the hosts whose files this publication writes */
  hosts: SnapHost[];
  scopedHosts: SnapHost[] | null;
  dhcpOpts: DhcpFilesOptions & { exportDir: string };
}

/** Generate: everything, or only what the scoped hosts' files need. */
function generateScoped({ scope, outDir }: Run, loaded: LoadedSnapshot, busybox: Buffer): Generated {
  const { snapshot, hostRows } = loaded;
  const scopedHosts = scope ? snapshot.hosts.filter((h) => scope.includes(h.name)) : null;
  // the DHCP configs name paths on the DHCP server: the export directory, Kea's hook libraries
  const dhcpOpts = { exportDir: outDir, keaHooksDir: env().AFSBOOT_KEA_HOOKS_DIR };
  const { files, overlays, images } = generating(() => (scopedHosts ? generateForHosts(snapshot, scopedHosts, busybox, dhcpOpts) : generateAll(snapshot, { busybox, ...dhcpOpts })));
  const hosts = scopedHosts ?? snapshot.hosts;
  const hostOfPath = new Map<string, { id: string; name: string }>();
  for (const h of hosts) {
    const host = { id: hostRows.get(h.name)!.id, name: h.name };
    hostOfPath.set(LAYOUT.pxelinux(h.mac), host);
    hostOfPath.set(LAYOUT.ipxe(h.mac), host);
    if (h.secureBoot) hostOfPath.set(LAYOUT.grub(h.mac), host);
  }
  const imageList = [...new Map(images.map((i) => [i.path, i])).values()];
  // the boot loaders of Debian's packages, at the export root (Secure Boot hosts cannot do without shim and GRUB)
  const roots = env().AFSBOOT_LOADER_ROOTS;
  const loaders = findLoaders(roots);
  const missing = missingForSecureBoot(
    loaders,
    snapshot.hosts.filter((h) => h.secureBoot).map((h) => h.name),
    roots,
  );
  if (missing) throw invalid(`Nothing was published: ${missing}`);
  const current: Current[] = [
    ...files.map((f) => ({ path: f.path, kind: f.kind as string, sha256: sha256(f.bytes), bytes: f.bytes, source: null, hostId: hostOfPath.get(f.path)?.id ?? null, hostName: hostOfPath.get(f.path)?.name ?? null })),
    ...imageList.map((i) => ({ path: i.path, kind: KIND_OF_IMAGE, sha256: i.sha256, bytes: null, source: loaded.imageSources.get(`${i.release}/${i.name}`)!, hostId: null, hostName: null })),
    ...loaders.map((l) => ({ path: l.name, kind: KIND_OF_LOADER, sha256: l.sha256, bytes: null, source: l.source, hostId: null, hostName: null })),
  ];
  return { current, files, overlays, hosts, scopedHosts, dhcpOpts };
}

/** Compare with the manifest, and with the disk: a file deleted by hand is written again. Sorted by path. */
async function compareWithManifest({ outDir, scope }: Run, current: Current[], hostRows: LoadedSnapshot["hostRows"]): Promise<FileChange[]> {
  const manifest = scope
    ? await db.exportFile.findMany({ where: { outDir, OR: [{ path: { in: current.map((c) => c.path) } }, { hostId: { in: scope.map((n) => hostRows.get(n)!.id) } }] }, select: { path: true, sha256: true, kind: true, hostId: true } })
    : await loadManifest(outDir);
  const before = new Map(manifest.map((f) => [f.path, f]));
  const lastWrite = await db.publication.findFirst({ where: { outDir, status: "succeeded" }, orderBy: { startedAt: "desc" }, select: { id: true, finishedAt: true } });
  // The manifest says what the last publication wrote into a directory of this path. If this
  // directory did not get it (another console replica published into its own directory of the
  // same path, or it was restored from elsewhere), what it holds is checked file by file instead.
  const stale = lastWrite !== null && readMarker(outDir) !== lastWrite.id;
  const onDisk = listed(outDir, current.map((c) => c.path), stale ? null : (lastWrite?.finishedAt ?? null));
  const changes: FileChange[] = [];
  for (const f of current) {
    const old = before.get(f.path);
    if (old === undefined) changes.push({ path: f.path, change: "added", kind: f.kind, sha256: f.sha256, host: f.hostName });
    else if (old.sha256 !== f.sha256 || !onDisk.has(f.path) || (stale && !sameOnDisk(outDir, f.path, f.sha256)))
      changes.push({ path: f.path, change: "changed", kind: f.kind, sha256: f.sha256, host: f.hostName });
  }
  const now = new Set(current.map((f) => f.path));
  const removed: FileChange[] = [];
  for (const [p, old] of before) if (!now.has(p)) removed.push({ path: p, change: "removed", kind: old.kind, sha256: old.sha256 });
  await nameHostsOfRemoved(outDir, removed);
  changes.push(...removed);
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Validate the DHCP configs that changed with the real daemons (unchanged ones passed when they were published). */
async function validateChangedDhcp({ outDir }: Run, changes: FileChange[], { files, scopedHosts, dhcpOpts }: Generated, snapshot: FleetSnapshot): Promise<ValidatorResult[]> {
  const changedDhcp = new Set(changes.filter((c) => c.change !== "removed" && (c.kind === "dhcpd" || c.kind === "kea" || c.kind === "dnsmasq")).map((c) => c.path));
  let toCheck = files.filter((f) => changedDhcp.has(f.path) || (f.kind === "dnsmasq" && changedDhcp.has(f.path.replace(/\.conf$/, ".hosts"))));
  if (scopedHosts && toCheck.length) {
    // the changed hosts' entries in their networks, as complete configs the daemons can check
    const nets = new Set(toCheck.map((f) => f.path));
    toCheck = dhcpFiles({ ...snapshot, hosts: scopedHosts }, dhcpOpts)
      .filter((f) => nets.has(f.path) || nets.has(f.path.replace(/\.conf$/, ".hosts")))
      .map((f) => ({ path: f.path, kind: dhcpKind(f.path), bytes: Buffer.from(f.content) }));
  }
  return toCheck.length ? validateDhcp(toCheck, outDir) : [];
}

/** A validator failed: nothing is written; the failed publication is recorded (not for a dry run) and refused. */
async function refuse({ actor, outDir, startedAt, scope, timings }: Run, validation: ValidatorResult[], failed: ValidatorResult[], dryRun?: boolean): Promise<never> {
  const error = failed.map((f) => `${f.validator} rejected ${f.file}: ${f.output}`).join("\n");
  if (!dryRun) {
    await db.$transaction(async (tx) => {
      const id = newId("p");
      await tx.publication.create({ data: { id, status: "failed", startedAt, actorType: actor.type, actorName: actor.name, outDir, validation: validation as object[], error, filesChanged: 0, scope: scope ? "hosts" : "full", scopeHosts: scope ?? undefined, timings, finishedAt: new Date() } });
      await recordAudit(tx, actor, "publish.failed", { type: "publication", id, name: outDir }, undefined, { failed: failed.map((f) => f.file) });
    });
  }
  throw invalid(`Nothing was published: ${failed.map((f) => `${f.validator} rejected ${f.file}`).join("; ")}`, Object.fromEntries(failed.map((f) => [f.file, f.output])));
}

/**
 * The hosts removed per-host files belonged to: by the manifest's host id while the host exists,
 * else (a deleted host) by the name recorded with the file when it was last published.
 */
async function nameHostsOfRemoved(outDir: string, removed: FileChange[]) {
  const perHost = removed.filter((c) => c.kind === "pxelinux" || c.kind === "ipxe" || c.kind === "grub");
  for (let i = 0; i < perHost.length; i += 500) {
    const chunk = perHost.slice(i, i + 500);
    const paths = chunk.map((c) => c.path);
    const rows = await db.exportFile.findMany({ where: { outDir, path: { in: paths }, hostId: { not: null } }, select: { path: true, hostId: true } });
    const hosts = await db.host.findMany({ where: { id: { in: rows.map((r) => r.hostId!) } }, select: { id: true, name: true } });
    const nameOf = new Map(hosts.map((h) => [h.id, h.name]));
    const hostOf = new Map(rows.flatMap((r) => (nameOf.has(r.hostId!) ? [[r.path, nameOf.get(r.hostId!)!] as const] : [])));
    const unknown = paths.filter((p) => !hostOf.has(p));
    if (unknown.length) {
      const recorded = await db.publicationFile.findMany({
        where: { path: { in: unknown }, host: { not: null }, publication: { outDir, status: "succeeded" } },
        orderBy: { publication: { startedAt: "asc" } },
        select: { path: true, host: true },
      });
      for (const r of recorded) hostOf.set(r.path, r.host!); // the latest wins
    }
    for (const c of chunk) c.host = hostOf.get(c.path) ?? null;
  }
}

/**
 * Diffs against the bytes on disk (what the last publication wrote), up to the per-publication
 * limit: the DHCP configurations first, so a publish that changes 20,000 per-host files still
 * shows what it does to them.
 */
function addDiffs(outDir: string, changes: FileChange[], byPath: Map<string, Current>) {
  let n = 0;
  const ordered = [...changes.filter((c) => DHCP_KINDS.has(c.kind)), ...changes.filter((c) => !DHCP_KINDS.has(c.kind))];
  for (const c of ordered) {
    if (n >= DIFF_LIMITS.maxFiles) {
      c.diff = null;
      continue;
    }
    const text = TEXT_KINDS.has(c.kind);
    const oldText = c.change === "added" ? null : text ? readText(outDir, c.path) : "";
    const newText = c.change === "removed" ? null : text ? byPath.get(c.path)!.bytes!.toString() : "";
    const d = fileDiff({ path: c.path, kind: c.kind, oldText, newText });
    c.diff = d.shown;
    c.diffGzip = d.whole;
    c.diffWholeSize = d.wholeSize;
    n++;
  }
}

/** Write what changed (atomically), then remove what is gone. */
function writeChanges(outDir: string, changes: FileChange[], byPath: Map<string, Current>) {
  const writes = changes
    .filter((c) => c.change !== "removed")
    .map((c) => {
      const f = byPath.get(c.path)!;
      const bytes = f.bytes ?? fs.readFileSync(f.source!);
      if (!f.bytes && sha256(bytes) !== f.sha256) throw invalid(`${f.source} changed while publishing: publish again`);
      return { rel: c.path, bytes };
    });
  writeFilesAtomic(outDir, writes);
  const dirs = new Set<string>();
  for (const c of changes.filter((x) => x.change === "removed")) {
    removeFile(outDir, c.path, { syncDir: false });
    dirs.add(path.dirname(path.join(outDir, c.path)));
  }
  for (const d of dirs) if (fs.existsSync(d)) fsyncDir(d);
}

/** The whole manifest of a directory as one aggregated string: 20,000 rows in ~15 ms instead of ~140 ms as objects. */
async function loadManifest(outDir: string): Promise<{ path: string; sha256: string; kind: string }[]> {
  const line = Prisma.sql`"path" || ' ' || "sha256" || ' ' || "kind"`;
  const rows = isPostgres()
    ? await db.$queryRaw<{ m: string | null }[]>`SELECT string_agg(${line}, chr(10)) AS m FROM "ExportFile" WHERE "outDir" = ${outDir}`
    : await db.$queryRaw<{ m: string | null }[]>`SELECT group_concat(${line}, char(10)) AS m FROM "ExportFile" WHERE "outDir" = ${outDir}`;
  const text = rows[0]?.m;
  if (!text) return [];
  // paths, hashes and kinds have no spaces or newlines (the layout's file names; safeJoin refuses others)
  return text.split("\n").map((l) => {
    const [p, sha, kind] = l.split(" ") as [string, string, string];
    return { path: p, sha256: sha, kind };
  });
}

/**
 * The files a publication of some hosts rewrites: their PXE files, the overlays they boot, the
 * kernels and base initrds those name, and the DHCP files of their networks (the snapshot holds
 * only those networks). The same generators as a full publish, given a smaller snapshot.
 */
function generateForHosts(snapshot: FleetSnapshot, hosts: SnapHost[], busybox: Buffer, dhcpOpts: DhcpFilesOptions & { exportDir: string }) {
  const mine = generateAll({ ...snapshot, hosts }, { busybox, ...dhcpOpts });
  const own = new Set(hosts.flatMap((h) => [LAYOUT.pxelinux(h.mac), LAYOUT.ipxe(h.mac), LAYOUT.grub(h.mac)]));
  const dhcp = dhcpFiles(snapshot, dhcpOpts).map((f): PublishedFile => ({ path: f.path, kind: dhcpKind(f.path), bytes: Buffer.from(f.content) }));
  return { files: [...mine.files.filter((f) => own.has(f.path) || f.kind === "overlay"), ...dhcp], overlays: mine.overlays, images: mine.images };
}

/**
 * The generators re-check every value and refuse what a config cannot carry: the data layer
 * validated it already, so this means an inconsistency (or a bug) that must stop the publish
 * with its message, as a 422 rather than a crash.
 */
export function generating<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Error && /GenerateError$/.test(e.name)) throw invalid(`Cannot generate the boot files: ${e.message}`);
    throw e;
  }
}

/**
 * The publication a directory last received, as a file in it: the manifest (ExportFile) is keyed
 * by the directory's path, which replicas on several machines share. Served to boot servers
 * too, it says which publication a copy holds.
 */
export const MARKER = ".afsboot-published";

function readMarker(outDir: string): string | null {
  try {
    return fs.readFileSync(path.join(outDir, MARKER), "utf8").trim();
  } catch {
    return null;
  }
}

function sameOnDisk(root: string, rel: string, sha: string): boolean {
  try {
    return sha256(fs.readFileSync(path.join(root, rel))) === sha;
  } catch {
    return false;
  }
}

function readText(root: string, rel: string): string | null {
  try {
    return fs.readFileSync(path.join(root, rel), "utf8");
  } catch {
    return null;
  }
}

/**
 * Which of `paths` exist under root (a file deleted by hand is written again): one readdir per
 * directory, skipped for a directory whose entries did not change since the last publication
 * finished (its mtime is older: no file was added, removed or renamed there since).
 */
function listed(root: string, paths: string[], lastWrite: Date | null): { has: (p: string) => boolean } {
  const dirs = new Map<string, Set<string> | "all" | null>();
  const entries = (d: string) => {
    if (!dirs.has(d)) {
      try {
        const full = path.join(root, d);
        dirs.set(d, lastWrite && fs.statSync(full).mtimeMs < lastWrite.getTime() ? "all" : new Set(fs.readdirSync(full)));
      } catch {
        dirs.set(d, null);
      }
    }
    return dirs.get(d)!;
  };
  const known = new Set(paths);
  return {
    has: (p: string) => {
      if (!known.has(p)) return false;
      const e = entries(path.posix.dirname(p));
      return e === "all" || (e !== null && e.has(path.posix.basename(p)));
    },
  };
}
