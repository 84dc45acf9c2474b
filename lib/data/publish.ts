import "server-only";
import fs from "node:fs";
import path from "node:path";
import { db, isPostgres } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import type { Actor } from "@/lib/auth/roles";
import { env } from "@/lib/env";
import { AppError, invalid, notFound } from "@/lib/errors";
import { bootImages, dhcpKind, generateBootFiles, type PublishedFile } from "@/lib/generate/all";
import { dhcpUnitFiles, dhcpUnits, type DhcpFilesOptions, type DhcpUnit } from "@/lib/generate/dhcp";
import { dhcpInputsDigest } from "@/lib/generate/dhcp/inputs";
import { type DhcpSnapshot, type FleetSnapshot, type SnapHost } from "@/lib/generate/snapshot";
import { DHCP_INPUTS, dhcpInputsBytes, readDhcpInputs, type DhcpInputsRecord } from "@/lib/publish/dhcp-inputs";
import { SourceChangedError, commitStaged, discardStaged, fsyncDir, removeFile, removeStaleTemps, sha256, slabEncoder, stageFiles, stageStream, writeFilesAtomic, type Staged, type StagingStream } from "@/lib/publish/atomic";
import { readBusybox } from "@/lib/publish/busybox";
import { forgetDigest, sha256OfBuffer } from "@/lib/publish/file-cache";
import { cachedOverlay } from "@/lib/publish/overlay-cache";
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
import { assignedArtifacts, record, recordDryRun, type AssignedArtifacts } from "./publish-record";
import { loadDhcpSnapshot } from "./dhcp-snapshot";

export type { AssignedArtifacts } from "./publish-record";
import { loadSnapshot, type LoadedSnapshot } from "./snapshot";
import { hostCount } from "@/lib/plural";
import { snapshotViolations, violationsMessage } from "@/lib/boot/secure-boot";
import { secureBootField } from "@/lib/publish/refusal-paths";

// One publish pipeline for the UI, the API and `afsboot publish`: snapshot → generate → compare
// with what the export directory holds (the ExportFile manifest) → validate the changed DHCP
// configs with the real daemons while the diffs are made and what changed is written aside (any
// failure: nothing is put in place) → put it in place, atomically → remove what is gone → record
// the Publication with per-file diffs → run the post-publish hooks. One publisher per export directory at a time (a lock file).
//
// Scope "hosts" republishes some hosts' files only (after an edit, a token rotation, a rollout
// wave): their PXE files, their overlays, and their networks' DHCP files, the same bytes a full
// publish would write. The DHCP files are made from their own lighter snapshot (every host of
// those networks, DHCP fields only: lib/data/dhcp-snapshot.ts), and kept without regenerating
// when the digest of those inputs is the one they were published from (lib/publish/dhcp-inputs.ts).
// A changed DHCP file is checked whole by the daemons, as in a full publish; an unchanged one is
// neither checked nor written, and the publication's validation says so.

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
  /**
   * milliseconds per stage: snapshot, generate, compare, validate, write, diff, record, deliver,
   * hooks (one after another: they add up to the whole); and, not stages of their own:
   * `validators`, the daemons' own time, while the write and diff stages ran (`validate`: starting
   * them, and what was left to wait for after those stages); `durable`, from the start of the
   * generate stage until every file was written aside and flushed (in a first publication, as it
   * was generated and while the diffs were made; not for a dry run)
   */
  timings: Record<string, number>;
  /** a publication of some hosts: what each of them now boots (see publishHosts) */
  assigned?: AssignedArtifacts[];
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
  /** a file kept as published (a DHCP file whose inputs are unchanged; an image a publication of some hosts cannot account for): neither bytes nor a source, never written */
  kept?: boolean;
}

const KIND_OF_IMAGE = "image";
/** the kinds of the fleet's default boot configs (those without a host: boot.ipxe, pxelinux.cfg/default, grub/grub.cfg) */
const DEFAULT_CONFIG_KINDS = new Set(["pxelinux", "ipxe", "grub"]);
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

/**
 * Publishes some hosts' files: what the rollout engine calls for each wave (and `publish --host`
 * through publish). Hosts by name or by id; an unknown one is a 404 and nothing is published.
 * Their networks' DHCP files are rewritten (and checked) only if their bytes change. Returns the
 * publication and, per host, the overlay and boot config it now boots: the same values as its
 * Host.assignedInitrdSha256 and assignedConfigSha256 afterwards (nothing recorded for a dry run).
 */
export async function publishHosts(actor: Actor, hosts: { names: string[] } | { ids: string[] }, opts: Omit<PublishOptions, "hosts">): Promise<PublishResult & { assigned: AssignedArtifacts[] }> {
  authorize(actor, "operator");
  let names: string[];
  if ("names" in hosts) names = hosts.names;
  else {
    const rows = await db.host.findMany({ where: { id: { in: hosts.ids } }, select: { id: true, name: true } });
    const missing = hosts.ids.filter((id) => !rows.some((r) => r.id === id));
    if (missing.length) throw notFound(`no host with id ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ` and ${missing.length - 5} more` : ""}`);
    names = rows.map((r) => r.name);
  }
  const r = await publish(actor, { ...opts, hosts: names });
  return { ...r, assigned: r.assigned ?? [] };
}

/** One publication, the export directory's lock held: the steps of the pipeline above, each timed. */
async function publishLocked(actor: Actor, opts: PublishOptions, outDir: string, busybox: Buffer): Promise<PublishResult> {
  const timings: Record<string, number> = {};
  const lap = stopwatch(timings);
  const startedAt = new Date();
  const run: Run = { actor, outDir, startedAt, scope: opts.hosts ? [...new Set(opts.hosts)].sort() : null, dryRun: !!opts.dryRun, timings, last: await lastPublication(outDir) };
  if (!opts.dryRun) removeStaleTemps(outDir, 4, run.last?.held ? run.last.finishedAt?.getTime() : undefined);

  const { loaded, networks } = await loadScopedSnapshot(run);
  refuseUnbootable(loaded.snapshot);
  // a publication of some hosts: their networks' DHCP input, apart (a full one has it in its snapshot)
  const dhcp = networks ? await loadDhcpSnapshot(networks, loaded.catalog) : { snapshot: loaded.snapshot, units: dhcpUnits(loaded.snapshot) };
  // Nothing published into this path yet (a first publication): every file is new, so each is
  // written aside (a worker thread) as it is generated, instead of after. Checked against the
  // comparison below all the same; anything else is written once compared, as before.
  let streamed = !opts.dryRun && !run.scope && !(await db.exportFile.findFirst({ where: { outDir }, select: { path: true } })) ? stageStream(outDir) : null;
  lap("snapshot");
  const generateFrom = performance.timeOrigin + performance.now();
  let generated: Generated;
  let changes: FileChange[];
  try {
    generated = await generateScoped(run, loaded, dhcp, busybox, streamed);
    lap("generate");
    changes = await compareWithManifest(run, generated.current, loaded.hostRows);
    if (streamed && !streamedAsChanged(streamed, changes)) {
      await streamed.discard();
      streamed = null;
    }
  } catch (e) {
    await streamed?.discard();
    throw e;
  }
  lap("compare");
  // The daemons check the changed DHCP configs while the diffs are made and the files are written
  // where no reader looks (temporary files and directories): nothing is put in place before they
  // have all passed, and what was written is removed if one refuses. `validators`: their own time.
  const validatorsFrom = performance.now();
  const validating = validateChangedDhcp(run, changes, generated).then((v) => {
    if (v.some((x) => x.status !== "skipped")) timings.validators = Math.round(performance.now() - validatorsFrom);
    return v;
  });
  // awaited below, after the files are written: a failure meanwhile must not be an unhandled rejection
  validating.catch(() => undefined);
  lap("validate"); // (writing the configs aside for the daemons and starting them)
  const unchanged = generated.current.length - changes.filter((c) => c.change !== "removed").length;
  const byPath = generated.byPath;
  let staged: Staged | null = null;
  let staging: Promise<Staged> | null = null;
  try {
    // written aside at once; made durable (one syncfs, a child process) while the diffs are made
    staging = opts.dryRun ? null : stageChanges(outDir, changes, byPath, streamed);
    // (only when something is written)
    if (changes.some((c) => c.change !== "removed")) staging?.then((st) => (timings.durable = Math.round(st.durableAt - generateFrom)), () => undefined);
    lap("write");
    if (opts.diffs !== false) addDiffs(outDir, changes, byPath);
    lap("diff");
    staged = staging && (await staging);
    lap("write");
    settleDigests(generated, changes, staged?.digests);
  } catch (e) {
    await staging?.then(discardStaged, () => undefined);
    await validating.catch(() => undefined);
    throw e;
  }
  const validation = await validating.catch((e: unknown) => {
    if (staged) discardStaged(staged);
    throw e;
  });
  lap("validate");
  const failed = validation.filter((v) => v.status === "failed");
  if (failed.length) {
    if (staged) discardStaged(staged);
    await refuse(run, validation, failed, opts.dryRun);
  }

  const skipped = run.scope ? loaded.skipped.filter((s) => run.scope!.includes(s.host)) : loaded.skipped;
  const assigned = run.scope ? assignedArtifacts(generated) : undefined;
  const result = (publicationId: string | null, status: PublishResult["status"], hooks: HookResult[] = []): PublishResult => ({ publicationId, status, changes, unchanged, validation, hooks, skipped, timings: run.timings, ...(assigned ? { assigned } : {}) });
  // a dry run is kept (a while, see recordDryRun) so that its changed files can be paged through
  if (opts.dryRun || !staged) {
    const kept = await recordDryRun(run, changes, byPath, validation, generated);
    lap("record");
    return result(kept, "dry_run");
  }

  await commitChanges(outDir, changes, staged);
  lap("write");
  const publicationId = await record(run, changes, byPath, validation, generated, loaded);
  // what its DHCP files were made from, then: this directory holds that publication now (the
  // manifest speaks for it: see compareWithManifest)
  await writeFilesAtomic(outDir, [...dhcpInputsUpdate(run, generated), { rel: MARKER, bytes: Buffer.from(`${publicationId}\n`) }]);
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
  dryRun: boolean;
  timings: Record<string, number>;
  /** the last publication into this path, and whether this directory holds it (its marker names it) */
  last: { id: string; finishedAt: Date | null; held: boolean } | null;
}

/** Adds to `timings[stage]` the milliseconds since the previous lap (or since it was made). */
function stopwatch(timings: Record<string, number>) {
  let t = performance.now();
  return (stage: string) => {
    const now = performance.now();
    timings[stage] = (timings[stage] ?? 0) + Math.round(now - t);
    t = now;
  };
}

/**
 * Snapshot: everything; or the scoped hosts alone, with what the fleet boots (for the overlays,
 * images and defaults), and the names of their networks.
 */
async function loadScopedSnapshot({ actor, scope, outDir }: Run): Promise<{ loaded: LoadedSnapshot; networks: string[] | null }> {
  if (scope?.length === 0) throw invalid("name at least one host to publish");
  const loaded = await loadSnapshot(actor, { images: "read", hosts: scope ?? undefined, fleetPairs: scope !== null, outDir });
  if (!scope) return { loaded, networks: null };
  const missing = scope.filter((n) => !loaded.hostRows.has(n));
  if (missing.length) throw notFound(`no host named ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ` and ${missing.length - 5} more` : ""}`);
  // every named host's network, those left out of the snapshot too (their entries leave the DHCP files)
  return { loaded, networks: [...new Set([...loaded.hostRows.values()].map((h) => h.network))].sort() };
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
  /** every file the publication should hold, generated or an image to copy (or a DHCP file kept) */
  current: Current[];
  /** `current` by path */
  byPath: Map<string, Current>;
  /** the generated files (not the kept ones) */
  files: PublishedFile[];
  overlays: Map<string, string>;
  /** the hosts whose files this publication writes */
  hosts: SnapHost[];
  scopedHosts: SnapHost[] | null;
  dhcpOpts: DhcpFilesOptions & { exportDir: string };
  /** each DHCP unit of the publication: the digest of its inputs, its files, whether they were kept */
  dhcpUnits: { unit: DhcpUnit; inputs: string | null; files: Record<string, string>; kept: boolean }[];
}

/** Generate: everything, or only what the scoped hosts' files need (and their networks' DHCP files, unless kept). */
async function generateScoped(run: Run, loaded: LoadedSnapshot, dhcp: { snapshot: DhcpSnapshot; units: DhcpUnit[] }, busybox: Buffer, streamed: StagingStream | null): Promise<Generated> {
  const { scope, outDir } = run;
  const { snapshot, hostRows } = loaded;
  const scopedHosts = scope ? snapshot.hosts : null;
  // the DHCP configs name paths on the DHCP server: the export directory, Kea's hook libraries
  const dhcpOpts = { exportDir: outDir, keaHooksDir: env().AFSBOOT_KEA_HOOKS_DIR };
  // a publication of some hosts: their own PXE files, and the overlays, images and defaults of the whole fleet
  // (the bytes of 20,000 small files in a few large buffers: slabEncoder)
  const encode = streamed ? streamed.encode : slabEncoder();
  // an image that could not be read (a version only other hosts boot: loadSnapshot says which) has no
  // path of its own yet; the published images stay as they are (below)
  const imageList = [...new Map(bootImages(snapshot, loaded.pairs).filter((i) => i.sha256 !== "").map((i) => [i.path, i])).values()];
  // the boot loaders of Debian's packages, at the export root (Secure Boot hosts cannot do without shim and GRUB)
  const roots = env().AFSBOOT_LOADER_ROOTS;
  const loaders = findLoaders(roots);
  const copied: Current[] = [
    ...imageList.map((i) => ({ path: i.path, kind: KIND_OF_IMAGE, sha256: i.sha256, bytes: null, source: loaded.imageSources.get(`${i.release}/${i.name}`)!, hostId: null, hostName: null })),
    ...loaders.map((l) => ({ path: l.name, kind: KIND_OF_LOADER, sha256: l.sha256, bytes: null, source: l.source, hostId: null, hostName: null })),
  ];
  // A first publication writes as it generates (streamed): the large files first (the images, then
  // the DHCP files), so that they are on disk, not left for the flush at the end, when the last
  // host configs are made.
  if (streamed) for (const c of copied) streamed.addCopy(c.path, c.source!, c.sha256);
  const { units, kept } = await dhcpOfUnits(run, dhcp, dhcpOpts, encode);
  if (streamed) for (const f of units.flatMap((u) => u.generated)) streamed.add(f.path, f.bytes);
  const boot = generating(() => generateBootFiles(snapshot, { busybox, pairs: loaded.pairs, overlay: cachedOverlay, onFile: streamed ? (f) => streamed.add(f.path, f.bytes) : undefined, encode }));
  // nothing more to write as it is generated: the worker flushes meanwhile (what the comparison
  // finds to write besides, if anything, is flushed again)
  streamed?.flushSoon();
  const missing = missingForSecureBoot(
    loaders,
    snapshot.hosts.filter((h) => h.secureBoot).map((h) => h.name),
    roots,
  );
  if (missing) throw invalid(`Nothing was published: ${missing}`);
  const files = boot.files;
  const hosts = snapshot.hosts;
  files.push(...units.flatMap((u) => u.generated));
  const current: Current[] = [
    ...files.map((f) => ({
      path: f.path,
      kind: f.kind as string,
      // (a first publication's worker hashes the texts as it writes them: settleDigests)
      sha256: f.kind === "overlay" ? sha256OfBuffer(f.bytes) : streamed ? PENDING : sha256(f.bytes),
      bytes: f.bytes,
      source: null,
      hostId: f.host ? hostRows.get(f.host.name)!.id : null,
      hostName: f.host?.name ?? null,
    })),
    ...kept,
    ...copied,
  ].sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  if (loaded.unreadableImages?.length) {
    // some image of the fleet (of versions only other hosts boot) cannot be read now: the fleet-wide
    // files (default configs, overlays and images no host boots any more) are left as published,
    // for the next full publication, which needs every image, to sort out
    for (let i = current.length - 1; i >= 0; i--) if (current[i]!.hostId === null && DEFAULT_CONFIG_KINDS.has(current[i]!.kind)) current.splice(i, 1);
    const have = new Set(current.map((c) => c.path));
    const published = await db.exportFile.findMany({ where: { outDir, kind: { in: ["overlay", KIND_OF_IMAGE] } }, select: { path: true, sha256: true, kind: true } });
    for (const f of published) if (!have.has(f.path)) current.push({ path: f.path, kind: f.kind, sha256: f.sha256, bytes: null, source: null, hostId: null, hostName: null, kept: true });
    current.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  }
  const shaOf = new Map(current.map((c) => [c.path, c.sha256]));
  const dhcpUnitsOut = units.map(({ unit, inputs, paths, kept: k }) => ({ unit, inputs, files: Object.fromEntries(paths.map((p) => [p, shaOf.get(p)!])), kept: k }));
  return { current, byPath: new Map(current.map((f) => [f.path, f])), files, overlays: boot.overlays, hosts, scopedHosts, dhcpOpts, dhcpUnits: dhcpUnitsOut };
}

/** The sha256 of a text a first publication's worker hashes as it writes it (stageStream), until settleDigests. */
const PENDING = "";

/**
 * Fills in the sha256 of each file whose digest is PENDING: from the worker that wrote it, else
 * (written another way after all, see streamedAsChanged) of its bytes; in the files, the changes
 * and the DHCP units alike, before anything records them.
 */
function settleDigests({ current, byPath, dhcpUnits }: Generated, changes: FileChange[], digests: Map<string, string> | undefined) {
  let pending = false;
  for (const c of current)
    if (c.sha256 === PENDING) {
      c.sha256 = digests?.get(c.path) ?? sha256(c.bytes!);
      pending = true;
    }
  if (!pending) return;
  for (const ch of changes) if (ch.sha256 === PENDING) ch.sha256 = byPath.get(ch.path)!.sha256;
  for (const u of dhcpUnits) for (const p of Object.keys(u.files)) u.files[p] = byPath.get(p)!.sha256;
}

/**
 * Each DHCP unit's files: kept as published when a publication of some hosts finds the digest of
 * the unit's inputs to be the one its files were published from, and those files still in the
 * directory as the manifest has them; generated otherwise (always, for a full publication).
 */
async function dhcpOfUnits({ scope, dryRun, outDir, last }: Run, dhcp: { snapshot: DhcpSnapshot; units: DhcpUnit[] }, dhcpOpts: DhcpFilesOptions & { exportDir: string }, encode: (text: string) => Buffer) {
  const recorded: DhcpInputsRecord = scope ? readDhcpInputs(outDir) : {};
  const fresh = scope !== null && last?.held === true;
  const units: { unit: DhcpUnit; inputs: string | null; paths: string[]; kept: boolean; generated: PublishedFile[] }[] = [];
  const kept: Current[] = [];
  for (const unit of dhcp.units) {
    // what the files are made from: recorded by a publication, compared by one of some hosts (a full dry run needs neither)
    const inputs = scope || !dryRun ? dhcpInputsDigest(dhcp.snapshot, unit, dhcpOpts) : null;
    const rec = recorded[unit.key];
    if (fresh && rec?.inputs === inputs && (await stillPublished(outDir, rec.files))) {
      const paths = Object.keys(rec.files).sort();
      kept.push(...paths.map((p) => ({ path: p, kind: dhcpKind(p), sha256: rec.files[p]!, bytes: null, source: null, hostId: null, hostName: null, kept: true })));
      units.push({ unit, inputs, paths, kept: true, generated: [] });
      continue;
    }
    const generated = generating(() => dhcpUnitFiles(dhcp.snapshot, unit, dhcpOpts)).map((f): PublishedFile => ({ path: f.path, kind: dhcpKind(f.path), bytes: encode(f.content) }));
    units.push({ unit, inputs, paths: generated.map((f) => f.path), kept: false, generated });
  }
  return { units, kept };
}

/** The last publication into the directory's path, and whether the directory holds it (its marker names it). */
async function lastPublication(outDir: string): Promise<Run["last"]> {
  const last = await db.publication.findFirst({ where: { outDir, status: "succeeded" }, orderBy: { startedAt: "desc" }, select: { id: true, finishedAt: true } });
  return last && { ...last, held: readMarker(outDir) === last.id };
}

/** Whether the manifest and the disk still have these files with these sha256s (the manifest's word for the bytes). */
async function stillPublished(outDir: string, files: Record<string, string>): Promise<boolean> {
  const paths = Object.keys(files);
  if (paths.length === 0) return false;
  const rows = await db.exportFile.findMany({ where: { outDir, path: { in: paths } }, select: { path: true, sha256: true } });
  return rows.length === paths.length && rows.every((r) => files[r.path] === r.sha256) && paths.every((p) => fs.existsSync(path.join(outDir, p)));
}

/**
 * The directory's new DHCP inputs record: this publication's units, and for a scoped one the
 * others as they were (unless the directory did not hold the last publication: then its record
 * may not match the manifest, and only what this publication checked is kept).
 */
function dhcpInputsUpdate({ scope, outDir, last }: Run, generated: Generated): { rel: string; bytes: Buffer }[] {
  const before = readDhcpInputs(outDir);
  const next: DhcpInputsRecord = scope && last?.held ? { ...before } : {};
  for (const u of generated.dhcpUnits) {
    // (only a full dry run leaves them out, and it records nothing)
    if (u.inputs === null) throw new Error(`the DHCP inputs of ${u.unit.key} were not digested`);
    next[u.unit.key] = { inputs: u.inputs, files: u.files };
  }
  const bytes = dhcpInputsBytes(next);
  return bytes.equals(dhcpInputsBytes(before)) && fs.existsSync(path.join(outDir, DHCP_INPUTS)) ? [] : [{ rel: DHCP_INPUTS, bytes }];
}

/** Compare with the manifest, and with the disk: a file deleted by hand is written again. Sorted by path. */
async function compareWithManifest({ outDir, scope, last: lastWrite }: Run, current: Current[], hostRows: LoadedSnapshot["hostRows"]): Promise<FileChange[]> {
  // some hosts: their files, and the fleet's overlays and images (a full publish removes those no host boots any more)
  const manifest = scope ? await scopedManifest(outDir, current, scope.map((n) => hostRows.get(n)!.id)) : await loadManifest(outDir);
  const before = new Map(manifest.map((f) => [f.path, f]));
  // The manifest says what the last publication wrote into a directory of this path. If this
  // directory did not get it (another console replica published into its own directory of the
  // same path, or it was restored from elsewhere), what it holds is checked file by file instead.
  const stale = lastWrite !== null && !lastWrite.held;
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

/**
 * Validate the DHCP configs that changed with the real daemons, whole (unchanged ones passed when
 * they were published). A publication of some hosts says of each unchanged one that it was not
 * checked, and why.
 */
async function validateChangedDhcp({ outDir, scope }: Run, changes: FileChange[], { files, dhcpUnits: units }: Generated): Promise<ValidatorResult[]> {
  const changedDhcp = new Set(changes.filter((c) => c.change !== "removed" && DHCP_KINDS.has(c.kind)).map((c) => c.path));
  const checked = (p: string) => changedDhcp.has(p) || (p.endsWith(".conf") && changedDhcp.has(p.replace(/\.conf$/, ".hosts")));
  const toCheck = files.filter((f) => DHCP_KINDS.has(f.kind) && (changedDhcp.has(f.path) || (f.kind === "dnsmasq" && checked(f.path))));
  const results = toCheck.length ? await validateDhcp(toCheck, outDir) : [];
  if (!scope) return results;
  const unchanged = units.flatMap((u) =>
    Object.keys(u.files)
      .filter((p) => !checked(p) && !(dhcpKind(p) === "dnsmasq" && p.endsWith(".hosts")))
      .map(
        (p): ValidatorResult => ({
          validator: dhcpKind(p),
          file: p,
          status: "skipped",
          output: u.kept
            ? "unchanged: its network's DHCP inputs are those it was published from, so it was neither regenerated, checked nor written"
            : "unchanged: regenerated to the same bytes as published, so neither checked nor written",
        }),
      ),
  );
  return [...results, ...unchanged];
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

/**
 * Write what changed where no reader looks yet (see stageFiles): put in place by commitChanges.
 * `streamed`: what was written as it was generated (streamedAsChanged), and the rest written with it.
 */
async function stageChanges(outDir: string, changes: FileChange[], byPath: Map<string, Current>, streamed: StagingStream | null): Promise<Staged> {
  let writes: { rel: string; bytes: Buffer }[];
  try {
    writes = toWrite(changes, byPath, streamed);
  } catch (e) {
    await streamed?.discard();
    throw e;
  }
  if (!streamed) return stageFiles(outDir, writes);
  try {
    for (const w of writes) streamed.add(w.rel, w.bytes);
  } catch (e) {
    // (a directory that cannot be made, a path refused): stop the worker, remove what it wrote
    await streamed.discard();
    throw e;
  }
  return streamed.finish().catch((e: unknown) => {
    if (!(e instanceof SourceChangedError)) throw e;
    forgetDigest(e.source);
    throw invalid(e.message);
  });
}

/** What changed and was not written as it was generated: its bytes (an image's read from its source, and checked). */
function toWrite(changes: FileChange[], byPath: Map<string, Current>, streamed: StagingStream | null): { rel: string; bytes: Buffer }[] {
  return changes
    .filter((c) => c.change !== "removed" && !streamed?.has(c.path))
    .map((c) => {
      const f = byPath.get(c.path)!;
      // a kept DHCP file is unchanged by its definition (same sha256 in the manifest, on disk, fresh marker)
      if (f.kept) throw new Error(`${c.path} was kept as published, yet found changed`);
      return { rel: c.path, bytes: f.bytes ?? sourceBytes(f) };
    });
}

/** The bytes of a file copied from its source (an image, a boot loader), checked to be those its sha256 names. */
function sourceBytes(f: Current): Buffer {
  const bytes = fs.readFileSync(f.source!);
  if (sha256(bytes) !== f.sha256) {
    forgetDigest(f.source!);
    throw invalid(`${f.source} changed while publishing: publish again`);
  }
  return bytes;
}

/** Whether every file written as it was generated is one the comparison found added (the rest it found are written after). */
function streamedAsChanged(streamed: StagingStream, changes: FileChange[]): boolean {
  const added = new Set(changes.filter((c) => c.change === "added").map((c) => c.path));
  return changes.every((c) => c.change === "added") && streamed.paths().every((p) => added.has(p));
}

/** Put what changed in place (atomically), then remove what is gone. */
async function commitChanges(outDir: string, changes: FileChange[], staged: Staged) {
  await commitStaged(staged);
  const dirs = new Set<string>();
  for (const c of changes.filter((x) => x.change === "removed")) {
    removeFile(outDir, c.path, { syncDir: false });
    dirs.add(path.dirname(path.join(outDir, c.path)));
  }
  for (const d of dirs) if (fs.existsSync(d)) fsyncDir(d);
}

/**
 * The manifest rows a publication of some hosts compares with: its files, the hosts' (a changed
 * MAC leaves old ones), and every overlay and image. Each by an index (an OR of them would read
 * the whole manifest): the paths and the overlay and image folders by (outDir, path) ranges.
 */
async function scopedManifest(outDir: string, current: Current[], hostIds: string[]): Promise<{ path: string; sha256: string; kind: string }[]> {
  const select = { path: true, sha256: true, kind: true } as const;
  const folder = (dir: string) => ({ outDir, path: { gte: `${dir}/`, lt: `${dir}0` } }); // "0" follows "/"
  const parts = await db.$transaction([
    db.exportFile.findMany({ where: { outDir, path: { in: current.map((c) => c.path) } }, select }),
    db.exportFile.findMany({ where: { outDir, hostId: { in: hostIds } }, select }),
    db.exportFile.findMany({ where: folder("overlays"), select }),
    db.exportFile.findMany({ where: folder("images"), select }),
  ]);
  return [...new Map(parts.flat().map((r) => [r.path, r])).values()];
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
