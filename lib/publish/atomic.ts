import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";

// Writes that a crash never leaves half-done: a temporary file in the same directory, fsync,
// rename over the target (atomic on POSIX), fsync of the directory so the rename is durable.
// A reader (TFTP, HTTP, a DHCP daemon) sees the old file or the new one, never a mix.

export function fsyncDir(dir: string) {
  const fd = fs.openSync(dir, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** `rel` must be a plain relative path (the generators' layout); anything else is refused. */
export function safeJoin(root: string, rel: string): string {
  refuseUnsafe(rel);
  return path.join(root, rel);
}

/** A segment that is empty, "." or ".." (a leading "/" is an empty first segment). */
const UNSAFE_SEGMENT = /(?:^|\/)\.{0,2}(?:\/|$)/;

function refuseUnsafe(rel: string): void {
  if (UNSAFE_SEGMENT.test(rel)) throw new Error(`refusing to write outside the export directory: ${rel}`);
}

/**
 * `syncDir: false` leaves the directory fsync to the caller, who writes many files and syncs each
 * directory once at the end (20,000 files: 5.6 s with a directory fsync per file). Each file is
 * still whole at any moment; only which renames survive a power cut before that sync is open.
 */
export function writeFileAtomic(root: string, rel: string, bytes: Buffer, opts: { syncDir?: boolean } = {}): void {
  const target = safeJoin(root, rel);
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(target)}.tmp-${process.pid}-${crypto.randomBytes(4).toString("hex")}`);
  const fd = fs.openSync(tmp, "wx", 0o644);
  try {
    fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, target);
  if (opts.syncDir !== false) fsyncDir(dir);
}

const TEMP = /^\..+\.tmp-\d+-[0-9a-f]{8}$/;

/**
 * Many files at once, each still replaced atomically, with one flush instead of one per file:
 * write every temporary file, make them durable, then rename each over its target and fsync each
 * directory once. A crash before the renames leaves the old files (and temporary files, removed
 * by removeStaleTemps); after a rename the new bytes are already on disk. One syncfs(2)
 * (`sync -f`) flushes them all: 20,000 files in ~0.6 s instead of ~3 s with an fsync per file,
 * 200 in ~5 ms. But it flushes whatever else the filesystem holds too: a few files (a host's,
 * the marker), and up to a thousand (a wave of hosts) while other processes have much unwritten
 * data (a busy machine), are fsynced in parallel instead, 16 at a time: 200 files in ~25 ms
 * whatever the others do, where one syncfs took 5-70 ms (measured on this project's machine; one
 * after another: ~300 ms).
 * A directory that does not exist yet (all of them, in a first publication) is written whole as a
 * temporary directory beside where it goes and renamed there once: its files appear together,
 * with one rename instead of one per file (10,000 host configs a folder).
 * `flush` forces one way (tests).
 */
export async function writeFilesAtomic(root: string, files: { rel: string; bytes: Buffer }[], opts: { flush?: "syncfs" | "fsync" } = {}): Promise<void> {
  await commitStaged(await stageFiles(root, files, opts));
}

/** Files written and flushed but not in place yet (stageFiles), then renamed (commitStaged) or removed (discardStaged). */
export interface Staged {
  /** temporary file or directory → where it goes */
  renames: { tmp: string; target: string }[];
  /** directories whose entries the renames change (fsynced after them) */
  dirs: string[];
  /** when every file was durable (performance.timeOrigin + performance.now() of that moment) */
  durableAt: number;
  /** a stream's (stageStream): the sha256 of each file's bytes as written, by its relative path */
  digests?: Map<string, string>;
}

/**
 * Writes `files` where no reader looks (temporary files, temporary directories for directories
 * that do not exist yet) and makes them durable; nothing is visible until commitStaged. The files
 * are written before it returns; the promise settles once they are durable.
 */
export async function stageFiles(root: string, files: { rel: string; bytes: Buffer }[], opts: { flush?: "syncfs" | "fsync" } = {}): Promise<Staged> {
  const plan = stagingPlan(root);
  try {
    for (const f of files) fs.writeFileSync(plan.at(f.rel), f.bytes, { flag: "wx", mode: 0o644 });
    await flushStaged(
      root,
      plan.flushed,
      files.length,
      files.reduce((sum, f) => sum + dirtyBytes(f.bytes.length), 0),
      opts,
    );
  } catch (e) {
    discardStaged(plan.staged());
    throw e;
  }
  return plan.staged();
}

/**
 * Where stageFiles writes each file (`at`, which makes its directories): a temporary file beside
 * its target, or inside the temporary directory of a directory that does not exist yet; what is
 * renamed in place (`staged`) and what must be made durable before (`flushed`).
 */
function stagingPlan(root: string) {
  // temporary names: the pid and a counter from a random start (one random draw per batch; "wx" refuses a clash)
  let next = crypto.randomBytes(4).readUInt32BE();
  const tmpName = (name: string) => `.${name}.tmp-${process.pid}-${(next++ >>> 0).toString(16).padStart(8, "0")}`;
  // paths by concatenation, not path.join (a few µs each, 20,000 times): `rel` has no empty, "."
  // or ".." segment (refuseUnsafe), so `base/rel` is already what path.join would make of it
  // (an empty root is the current directory, as path.join has it, not "/")
  const base = path.join(root === "" ? "." : root, "/").replace(/(.)\/$/, "$1");
  const under = (dir: string, name: string) => (dir.endsWith("/") ? dir + name : `${dir}/${name}`);
  const renames: Staged["renames"] = [];
  const dirs = new Set<string>();
  const flushed: string[] = [];
  // where the files of each directory are written: itself if it exists, else inside a temporary directory
  const place = new Map<string, string>();
  const placeOf = (dir: string): string => {
    let p = place.get(dir);
    if (p !== undefined) return p;
    if (dir === base || fs.existsSync(dir)) {
      if (dir === base) fs.mkdirSync(base, { recursive: true });
      p = dir;
    } else {
      const parent = placeOf(path.dirname(dir));
      if (parent === path.dirname(dir)) {
        // the topmost missing directory: a temporary one beside it, renamed in place once
        p = path.join(parent, tmpName(path.basename(dir)));
        renames.push({ tmp: p, target: dir });
        dirs.add(parent);
      } else p = path.join(parent, path.basename(dir));
      fs.mkdirSync(p);
      flushed.push(p);
    }
    place.set(dir, p);
    return p;
  };
  const at = (rel: string): string => {
    refuseUnsafe(rel);
    const target = under(base, rel);
    const slash = target.lastIndexOf("/");
    const dir = slash === 0 ? "/" : target.slice(0, slash);
    const name = target.slice(slash + 1);
    const where = placeOf(dir);
    let tmp: string;
    if (where === dir) {
      tmp = under(dir, tmpName(name));
      renames.push({ tmp, target });
      dirs.add(dir);
    } else tmp = under(where, name);
    flushed.push(tmp);
    return tmp;
  };
  // (durable: now, unless the files were made durable earlier, elsewhere)
  return { at, base, flushed, staged: (durableAt = performance.timeOrigin + performance.now()): Staged => ({ renames, dirs: [...dirs], durableAt }) };
}

/** Makes what was staged durable: one syncfs, or an fsync each (see writeFilesAtomic for which). */
async function flushStaged(root: string, flushed: string[], files: number, bytes: number, opts: { flush?: "syncfs" | "fsync" }): Promise<void> {
  // (the temporary directories too: their entries must be durable before they are renamed in place)
  if (flushBySyncfs(files, bytes, opts)) await syncFilesystem(root, flushed);
  else await fsyncAll(flushed);
}

/** Whether `files` staged files of `bytes` (dirtyBytes) are flushed by one syncfs rather than an fsync each. */
function flushBySyncfs(files: number, bytes: number, opts: { flush?: "syncfs" | "fsync" }): boolean {
  return opts.flush ? opts.flush === "syncfs" : files > FSYNC_EACH_UP_TO || (files > FSYNC_EACH_UNDER && othersUnwritten(bytes) < SYNCFS_UNDER);
}

/** A file to copy into a publication was not the file its sha256 names (it changed after it was hashed). */
export class SourceChangedError extends Error {
  override name = "SourceChangedError";
  constructor(readonly source: string) {
    super(`${source} changed while publishing: publish again`);
  }
}

/** Files staged (as stageFiles does) as they are made, written by a worker thread meanwhile: `finish` once all are added. */
export interface StagingStream {
  add(rel: string, bytes: Buffer): void;
  /**
   * A text's UTF-8 bytes, in memory the worker thread shares (slabEncoder): a file added with them
   * is written from there, without a copy to hand it over.
   */
  encode(text: string): Buffer;
  has(rel: string): boolean;
  /**
   * A file copied from `source` (an image, a boot loader), read and checked against `sha256` by
   * the worker: if it is not that file, finish throws SourceChangedError.
   */
  addCopy(rel: string, source: string, sha256: string): void;
  /** the files added so far */
  paths(): string[];
  /** no more files for now: the worker flushes what it has once written (finish waits for that flush, or makes another) */
  flushSoon(): void;
  /** the files written and durable (nothing in place yet: commitStaged) */
  finish(): Promise<Staged>;
  /** stops writing and removes what was written */
  discard(): Promise<void>;
}

/** Bytes of a slab (slabEncoder): most texts share one. */
const SLAB_BYTES = 1 << 20;

/**
 * UTF-8 bytes of texts, written one after another into large buffers (slabs) and handed out as
 * views of them: a buffer per text without an allocation per text (Buffer.from's 8 KiB pool is a
 * new allocation every few small files: ~45 ms of 20,000 host configs). A view stays valid, and
 * unchanged, as long as it is kept. `shared`: slabs a worker thread can read (stageStream).
 */
export function slabEncoder(shared = false): (text: string) => Buffer {
  const alloc = shared ? (n: number): Buffer => Buffer.from(new SharedArrayBuffer(n)) : (n: number): Buffer => Buffer.allocUnsafeSlow(n);
  let slab = alloc(0);
  let used = 0;
  return (text) => {
    const most = text.length * 3; // (UTF-8 bytes per UTF-16 unit)
    if (most > slab.length - used) {
      if (most > SLAB_BYTES >> 2) {
        // a large text (a DHCP configuration): a buffer of its own
        const own = alloc(Buffer.byteLength(text));
        own.write(text);
        return own;
      }
      slab = alloc(SLAB_BYTES);
      used = 0;
    }
    const n = slab.write(text, used);
    const view = slab.subarray(used, used + n);
    used += n;
    return view;
  };
}

// (self-contained: evaluated in the worker, whichever bundle, Next.js or the CLI's, this module is in)
// Each batch: the temporary paths, and where each file's bytes are: in a shared slab (the id the
// main thread gave it, sent once with the batch that first uses it) or in the batch's own buffer
// (-1: bytes that were not encoded by the stream, copied). Offsets and lengths in bytes. `copy`: a
// file to copy from its source (an image), read here and checked against its sha256 (`changed`:
// a source that was not the file it should be, the stream's failure).
// Flushes: one `sync -f` (syncfs) at a time, each run by a shell the worker starts once (a fork of
// this process, whose memory a publisher of 10,000 hosts makes large, costs ~12 ms; one of a shell
// almost nothing). Write-behind: every `behind` files written, one in the background, so that the
// flush at the end has less left (20,000 small files written plainly: ~40 ms left of ~150); it
// changes nothing but when bytes reach the disk. `flush`: the caller has no more files for now (a
// first publication, generated): one now. `done`, the last message, with `syncfs`: answers once
// a syncfs that began after the last file was written has ended, without waiting for the main
// thread (a publisher makes its diffs meanwhile). `synced`: whether one did (else, or after two
// minutes, the caller flushes); `digests`: each file's sha256, in the order written (hashed here,
// beside the writing, rather than on the thread that generates them); `at`: when (milliseconds since the epoch, as performance.timeOrigin + now() in any thread).
const STAGE_WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const { spawn } = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const { root, behind: every } = workerData;
const slabs = new Map();
let failed = null;
let changed = null;
let written = 0;
const digests = [];
let syncer = null;
const dead = { request: () => Promise.resolve(false), end() {} };
function request() {
  if (!syncer) {
    const waiting = [];
    const gone = () => {
      for (const w of waiting.splice(0)) w(false);
      syncer = dead;
    };
    try {
      const child = spawn("sh", ["-c", 'while read -r _; do sync -f "$0" >/dev/null 2>&1; echo $?; done', root], { stdio: ["pipe", "pipe", "ignore"] });
      let out = "";
      child.on("error", gone);
      child.on("exit", gone);
      child.stdin.on("error", () => undefined);
      child.stdout.on("data", (d) => {
        out += d;
        for (let i; (i = out.indexOf("\\n")) >= 0; out = out.slice(i + 1)) waiting.shift()?.(out.slice(0, i) === "0");
      });
      syncer = {
        request: () => new Promise((resolve) => { waiting.push(resolve); child.stdin.write("\\n"); }),
        end: () => child.stdin.end(),
      };
    } catch {
      // (no process could be started: the caller flushes each file instead)
      gone();
    }
  }
  return syncer.request();
}
let inflight = null;
let durableUpTo = 0;
function syncNow() {
  const covers = written;
  const promise = request().then((ok) => {
    if (ok && covers > durableUpTo) durableUpTo = covers;
    inflight = null;
    return ok;
  });
  inflight = { promise };
  return promise;
}
async function covered() {
  while (durableUpTo !== written) {
    if (inflight) await inflight.promise;
    else if (!(await syncNow())) return false;
  }
  return true;
}
parentPort.on("message", async (m) => {
  if (m.copy) {
    if (failed) return;
    try {
      const bytes = fs.readFileSync(m.copy.source);
      const digest = crypto.hash("sha256", bytes, "hex");
      if (digest !== m.copy.sha256) {
        failed = m.copy.source + " changed while publishing";
        changed = m.copy.source;
        return;
      }
      fs.writeFileSync(m.copy.tmp, bytes, { flag: "wx", mode: 0o644 });
      digests.push(digest);
      if (++written % every === 0 && !inflight) syncNow();
    } catch (e) {
      failed = (e && e.message) || String(e);
    }
    return;
  }
  if (m.flush) {
    if (!failed) covered();
    return;
  }
  if (m.done) {
    // (a flush that has not ended in two minutes: given up on, the caller flushes each file)
    const synced = !failed && m.syncfs && written > 0 && (await Promise.race([covered(), new Promise((resolve) => setTimeout(resolve, 120000, false))]));
    syncer?.end();
    return parentPort.postMessage({ failed, changed, synced, digests: failed ? [] : digests, at: performance.timeOrigin + performance.now() });
  }
  for (const [id, sab] of m.slabs) slabs.set(id, new Uint8Array(sab));
  if (failed) return;
  const own = new Uint8Array(m.buf);
  try {
    for (let i = 0; i < m.paths.length; i++) {
      const from = m.src[i] < 0 ? own : slabs.get(m.src[i]);
      const bytes = from.subarray(m.offs[i], m.offs[i] + m.lens[i]);
      fs.writeFileSync(m.paths[i], bytes, { flag: "wx", mode: 0o644 });
      digests.push(crypto.hash("sha256", bytes, "hex"));
      if (++written % every === 0 && !inflight) syncNow();
    }
  } catch (e) {
    failed = (e && e.message) || String(e);
  }
});
`;

/** Files a batch (sent to the worker in one message). */
const STREAM_BATCH = 256;
/** Files between two write-behind flushes of a stream. */
const WRITE_BEHIND_FILES = 4096;

/**
 * stageFiles for files that come one by one (a first publication, as it is generated): the main
 * thread plans the temporary names and directories (stagingPlan), a worker thread writes the
 * bytes meanwhile. The same files in the same places as stageFiles; a crash leaves temporary ones.
 * Bytes from `encode` are handed over where they are (shared memory); any others are copied.
 */
export function stageStream(root: string, opts: { flush?: "syncfs" | "fsync" } = {}): StagingStream {
  const plan = stagingPlan(root);
  const worker = new Worker(STAGE_WORKER, { eval: true, workerData: { root: plan.base, behind: WRITE_BEHIND_FILES } });
  const added = new Set<string>();
  const slabIds = new Map<ArrayBufferLike, number>();
  let batch = { paths: [] as string[], src: [] as number[], offs: [] as number[], lens: [] as number[], slabs: [] as [number, SharedArrayBuffer][] };
  let copied: Buffer[] = [];
  let copiedBytes = 0;
  let total = 0; // (as the page cache counts it: dirtyBytes)
  let failure: Error | null = null;
  let exited = false;
  worker.on("error", (e) => (failure ??= e));
  worker.on("exit", () => (exited = true));
  const send = () => {
    if (!batch.paths.length) return;
    const buf = new ArrayBuffer(copiedBytes);
    const all = new Uint8Array(buf);
    let o = 0;
    for (const b of copied) {
      all.set(b, o);
      o += b.length;
    }
    worker.postMessage({ ...batch, buf }, [buf]);
    batch = { paths: [], src: [], offs: [], lens: [], slabs: [] };
    copied = [];
    copiedBytes = 0;
  };
  const discard = async () => {
    await worker.terminate(); // (nothing written after it)
    discardStaged(plan.staged());
  };
  return {
    add(rel, bytes) {
      if (added.has(rel)) throw new Error(`${rel} staged twice`);
      const tmp = plan.at(rel);
      added.add(rel);
      batch.paths.push(tmp);
      batch.lens.push(bytes.length);
      const sab = bytes.buffer;
      if (sab instanceof SharedArrayBuffer) {
        let id = slabIds.get(sab);
        if (id === undefined) {
          slabIds.set(sab, (id = slabIds.size));
          batch.slabs.push([id, sab]);
        }
        batch.src.push(id);
        batch.offs.push(bytes.byteOffset);
      } else {
        batch.src.push(-1);
        batch.offs.push(copiedBytes);
        copied.push(bytes);
        copiedBytes += bytes.length;
      }
      total += dirtyBytes(bytes.length);
      if (batch.paths.length >= STREAM_BATCH) send();
    },
    encode: slabEncoder(true),
    addCopy(rel, source, sha256) {
      if (added.has(rel)) throw new Error(`${rel} staged twice`);
      const tmp = plan.at(rel);
      added.add(rel);
      send(); // (in order: the files added before it are written before it)
      worker.postMessage({ copy: { tmp, source, sha256 } });
      total += dirtyBytes(fs.statSync(source).size);
    },
    has: (rel) => added.has(rel),
    paths: () => [...added],
    flushSoon() {
      send();
      if (!exited) worker.postMessage({ flush: true });
    },
    async finish() {
      try {
        send();
        // (a worker that already stopped would never answer: its exit event is gone)
        if (exited) throw failure ?? new Error("the staging worker stopped");
        const done = new Promise<{ failed: string | null; changed: string | null; synced: boolean; digests: string[]; at: number }>((resolve, reject) => {
          worker.once("message", resolve);
          worker.once("error", reject);
          worker.once("exit", () => reject(failure ?? new Error("the staging worker stopped")));
        });
        // the flush, by the worker as soon as it has written the last file (see STAGE_WORKER)
        const syncfs = flushBySyncfs(added.size, total, opts);
        worker.postMessage({ done: true, syncfs });
        const { failed, changed, synced, digests, at } = await done;
        if (failure) throw failure;
        if (changed) throw new SourceChangedError(changed);
        if (failed) throw new Error(`staging: ${failed}`);
        await worker.terminate();
        // (`sync -f` failed or is missing, or a few files: an fsync each)
        if (!synced) await fsyncAll(plan.flushed);
        const paths = [...added];
        if (digests.length !== paths.length) throw new Error(`staging: ${digests.length} digests for ${paths.length} files`);
        return { ...plan.staged(synced ? at : undefined), digests: new Map(paths.map((p, i) => [p, digests[i]!])) };
      } catch (e) {
        await discard();
        throw e;
      }
    },
    discard,
  };
}

/** Renames what stageFiles wrote into place and fsyncs the directories that changed. */
export async function commitStaged(staged: Staged): Promise<void> {
  for (const r of staged.renames) fs.renameSync(r.tmp, r.target);
  await fsyncAll(staged.dirs);
}

/** Removes what stageFiles wrote (a validator refused the publication, or writing failed). */
export function discardStaged(staged: Staged): void {
  for (const r of staged.renames) fs.rmSync(r.tmp, { recursive: true, force: true });
}

/** Fewer files are always fsynced one by one (a host's, the marker); up to FSYNC_EACH_UP_TO, one by one while others have much unwritten. */
const FSYNC_EACH_UNDER = 32;
const FSYNC_EACH_UP_TO = 1000;
/** What others may have unwritten for one syncfs to stay cheap (bytes). */
const SYNCFS_UNDER = 4 << 20;

/** What a file of `n` bytes adds to the system's unwritten memory: whole pages (a 600-byte host config: 4 KiB). */
const dirtyBytes = (n: number) => Math.ceil(n / 4096) * 4096;

/** Bytes the system has not written yet (/proc/meminfo's Dirty) less `ours` (dirtyBytes); unknown: Infinity. */
function othersUnwritten(ours: number): number {
  try {
    const kb = /^Dirty:\s+(\d+) kB$/m.exec(fs.readFileSync("/proc/meminfo", "utf8"))?.[1];
    return kb === undefined ? Infinity : Number(kb) * 1024 - ours;
  } catch {
    return Infinity;
  }
}

/** syncfs(2) of the filesystem holding `root`; where `sync -f` is missing, an fsync per file. */
async function syncFilesystem(root: string, files: string[]): Promise<void> {
  // a child process: the caller's thread goes on (a publication makes its diffs meanwhile)
  const ok = await new Promise<boolean>((resolve) => {
    const child = spawn("sync", ["-f", root], { stdio: "ignore", timeout: 120_000 });
    child.on("error", () => resolve(false));
    child.on("exit", (code) => resolve(code === 0));
  });
  if (!ok) await fsyncAll(files); // (an fsync through a read-only descriptor: files and directories alike)
}

/** fsync of files or directories, `parallel` at a time (libuv's threads do them; few descriptors open at once). */
async function fsyncAll(paths: string[], parallel = 16): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const handle = await fs.promises.open(paths[next++]!, "r");
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, paths.length) }, worker));
}

/**
 * Temporary files (and directories: see stageFiles) a killed publisher left behind (call with the
 * export directory's lock held).
 * `since` (ms): when the last publication that cleaned this directory finished; a folder with no
 * subfolder (link count 2) whose entries did not change since is not read: 10,000 host configs a
 * folder, read on every publication of one host, for the rare temporary file. A directory's mtime
 * comes from the kernel's coarse clock (a tick behind, or a whole second on some filesystems),
 * and `since` from this process's clock: a folder changed within MTIME_SLACK_MS before `since`
 * is read all the same (a temporary file written just after a publication ended was once missed).
 */
const MTIME_SLACK_MS = 2000;

export function removeStaleTemps(root: string, depth = 4, since?: number): number {
  let removed = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    if (e.isDirectory() && TEMP.test(e.name)) {
      // a directory a killed publisher was writing whole (see stageFiles)
      fs.rmSync(path.join(root, e.name), { recursive: true, force: true });
      removed++;
    } else if (e.isDirectory() && depth > 0) {
      const dir = path.join(root, e.name);
      if (since !== undefined) {
        const st = fs.statSync(dir);
        if (st.nlink === 2 && st.mtimeMs < since - MTIME_SLACK_MS) continue;
      }
      removed += removeStaleTemps(dir, depth - 1, since);
    } else if (e.isFile() && TEMP.test(e.name)) {
      fs.rmSync(path.join(root, e.name), { force: true });
      removed++;
    }
  }
  return removed;
}

export function removeFile(root: string, rel: string, opts: { syncDir?: boolean } = {}): void {
  const target = safeJoin(root, rel);
  fs.rmSync(target, { force: true });
  if (opts.syncDir !== false && fs.existsSync(path.dirname(target))) fsyncDir(path.dirname(target));
}

/** (crypto.hash, one call: 20,000 small files in half the time of a Hash object each) */
export function sha256(bytes: Buffer): string {
  return crypto.hash("sha256", bytes, "hex");
}
