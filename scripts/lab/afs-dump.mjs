#!/usr/bin/env node
// afs-dump: turn a directory tree into an OpenAFS volume dump (what `vos dump` writes and
// `vos restore` reads), so the lab can load a release tree into a real OpenAFS volume without
// an AFS cache manager on the host:
//
//   node scripts/lab/afs-dump.mjs --name rel.deb12 --id 536870930 SRC_DIR > rel.dump
//   vos restore <server> a rel.deb12 -file rel.dump -noauth
//
// Format, as OpenAFS 1.8 writes it (DUMPVERSION 1), after the OpenAFS sources:
//   src/volser/dump.h, dumpstuff.c     dump/volume/vnode tags, DUMPBEGINMAGIC/DUMPENDMAGIC,
//                                      large (directory) vnodes first, then small ones
//   src/vol/vnode.h                    vnode types and numbering (directories odd, others even),
//                                      192-byte ACL area of a large vnode
//   src/dir/dir.h, dir.c, salvage.c    2048-byte directory pages of 64 32-byte blobs, page header,
//                                      allocation map, 128-bucket hash table, DirHash, NameBlobs,
//                                      first-fit blob allocation, "." at blob 13 and ".." at 14
//   src/libacl/acl.h, aclprocs.c,      ACL header + entries in network byte order, positive
//   src/libacl/prs_fs.h                entries sorted by id; rights r=1 w=2 i=4 l=8 d=16 k=32 a=64
//   src/volser/volprocs.c              ViceCreateRoot: root is vnode 1 uniquifier 1, the volume
//                                      uniquifier is one above the highest vnode uniquifier
//   src/vol/vol-salvage.c              link counts (a directory: 2 + its subdirectories), parents,
//                                      mount points (symlink vnode without x bits, "#cell:vol.")
//
// What it writes: directories, regular files (contents, mode bits incl. setuid/setgid/sticky,
// mtime), symlinks, and AFS mount points: a symlink whose target matches /^[#%][^:]+:[^:]+\.$/
// (e.g. "#lab.test:rel.deb12.") becomes a mount point (symlink vnode, mode 0644). Owner, group
// and author are 0; every directory gets the same ACL. Output is a function of the tree and
// `now` only: names sorted bytewise, vnodes numbered depth-first, uniquifiers counted up from 1.
//
// Limits: refuses (with the path) devices, sockets, fifos, names over 255 bytes or holding "/"
// or NUL, a directory with more entries than 1023 AFS directory pages hold, more than 32767
// subdirectories in one directory, and volume names over 22 characters. Hard links become
// separate files. Files over 2 GiB - 1 use the 64-bit length tag 'h' (vos dump switches only
// at 4 GiB; the volserver and restorevol read both). Directory objects and symlink targets are
// held in memory, file contents are streamed. Negative ACL entries, per-file owners and
// incremental dumps are not supported.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

// --- format constants (src/volser/dump.h, src/vol/vnode.h, src/dir/dir.h) ---------------------
const DUMPVERSION = 1;
const DUMPBEGINMAGIC = 0xb3a11322;
const DUMPENDMAGIC = 0x3a214b6e;
const D_DUMPHEADER = 1;
const D_VOLUMEHEADER = 2;
const D_VNODE = 3;
const D_DUMPEND = 4;
const VOLUMEINFOVERSION = 1;
const READWRITE_VOLUME = 0;

const vFile = 1;
const vDirectory = 2;
const vSymlink = 3;
const ACL_AREA = 256 - 64; // SIZEOF_LARGEDISKVNODE - SIZEOF_SMALLDISKVNODE
const ACL_MAXENTRIES = 20;
const ACL_ACLVERSION = 1;

const AFS_PAGESIZE = 2048;
const EPP = 64; // blobs per page
const NHASHENT = 128;
const MAXPAGES = 128; // pages with an alloMap byte
const BIGMAXPAGES = 1023;
const DHE = 12; // blobs of the dir header beyond the page header
const PAGE_TAG = 1234;
const FFIRST = 1;
const MAXNAMELEN = 255;

const MOUNT_POINT = /^[#%][^:]+:[^:]+\.$/;
const CHUNK = 1 << 20;

export const WELL_KNOWN_IDS = Object.freeze({
  "system:administrators": -204, // SYSADMINID
  "system:anyuser": -101, // ANYUSERID
  "system:authuser": -102, // AUTHUSERID
});
export const DEFAULT_ACL = Object.freeze(["system:administrators rlidwka", "system:anyuser rl"]);
const RIGHT_BITS = {
  r: 1,
  w: 2,
  i: 4,
  l: 8,
  d: 16,
  k: 32,
  a: 64,
  A: 0x01000000,
  B: 0x02000000,
  C: 0x04000000,
  D: 0x08000000,
  E: 0x10000000,
  F: 0x20000000,
  G: 0x40000000,
  H: 0x80000000,
};
const RIGHT_ALIASES = { all: "rlidwka", read: "rl", write: "rlidwk", none: "" };

export class AfsDumpError extends Error {
  constructor(message) {
    super(message);
    this.name = "AfsDumpError";
  }
}

const show = (p) => (Buffer.isBuffer(p) ? p.toString() : String(p));

// --- ACL ----------------------------------------------------------------------------------------

function parseRights(text, where) {
  const letters = RIGHT_ALIASES[text] ?? text;
  let bits = 0;
  for (const c of letters) {
    if (!(c in RIGHT_BITS)) throw new AfsDumpError(`bad ACL rights "${text}" in ${where} (letters rlidwka, A-H, or all/read/write/none)`);
    bits = (bits | RIGHT_BITS[c]) >>> 0;
  }
  return bits;
}

/**
 * ACL entries as "name rights" strings (or [name, rights] pairs) -> [{ id, rights }] sorted by id,
 * duplicates merged, "none" dropped. Names: system:administrators, system:anyuser,
 * system:authuser, or a numeric protection-database id.
 */
export function parseAcl(acl = DEFAULT_ACL) {
  const byId = new Map();
  for (const item of acl) {
    const [name, rights, extra] = Array.isArray(item) ? item : String(item).trim().split(/\s+/);
    const where = JSON.stringify(item);
    if (!name || rights === undefined || extra !== undefined)
      throw new AfsDumpError(`bad ACL entry ${where}: expected "NAME RIGHTS", e.g. "system:anyuser rl"`);
    let id;
    if (Object.hasOwn(WELL_KNOWN_IDS, name)) id = WELL_KNOWN_IDS[name];
    else if (/^-?\d+$/.test(name) && Number.isSafeInteger(Number(name)) && Number(name) >= -0x80000000 && Number(name) <= 0x7fffffff) id = Number(name);
    else throw new AfsDumpError(`unknown ACL name "${name}" in ${where}: use ${Object.keys(WELL_KNOWN_IDS).join(", ")} or a numeric id (no ptserver is asked)`);
    if (id === -103) throw new AfsDumpError(`ACL entry ${where}: anonymous (32766) or id -103 cannot be on an ACL`);
    byId.set(id, (byId.get(id) ?? 0) | parseRights(rights, where));
  }
  const entries = [...byId].filter(([, r]) => r !== 0).map(([id, rights]) => ({ id, rights: rights >>> 0 }));
  entries.sort((a, b) => a.id - b.id); // acl_Internalize sorts positive entries ascending (CmpPlus)
  if (entries.length > ACL_MAXENTRIES) throw new AfsDumpError(`ACL has ${entries.length} entries, AFS allows ${ACL_MAXENTRIES}`);
  return entries;
}

/** The 192-byte ACL area of a directory vnode, in network byte order (acl_HtonACL). */
export function aclBytes(entries) {
  const b = Buffer.alloc(ACL_AREA);
  b.writeInt32BE(20 + 8 * entries.length, 0); // sizeof(struct acl_accessList) + (total - 1) * 8
  b.writeInt32BE(ACL_ACLVERSION, 4);
  b.writeInt32BE(entries.length, 8); // total
  b.writeInt32BE(entries.length, 12); // positive
  b.writeInt32BE(0, 16); // negative
  entries.forEach((e, i) => {
    b.writeInt32BE(e.id, 20 + 8 * i);
    b.writeUInt32BE(e.rights >>> 0, 24 + 8 * i);
  });
  return b;
}

// --- directories (src/dir) --------------------------------------------------------------------

/** afs_dir_DirHash: bucket 0..127 of a name (bytes). */
export function dirHash(name) {
  let hval = 0;
  for (const c of name) hval = (Math.imul(hval, 173) + c) >>> 0;
  const tval = hval & (NHASHENT - 1);
  if (tval === 0) return 0;
  return hval >= 0x80000000 ? NHASHENT - tval : tval;
}

/** afs_dir_NameBlobs: 32-byte blobs an entry with a name of `len` bytes takes. */
export const nameBlobs = (len) => 1 + ((len + 1 + 15) >> 5);

/** Checks one directory entry name (bytes); throws AfsDumpError naming `where`. */
export function checkName(name, where) {
  if (name.length === 0) throw new AfsDumpError(`empty name in ${show(where)}`);
  if (name.length > MAXNAMELEN) throw new AfsDumpError(`name too long for AFS (${name.length} bytes, at most ${MAXNAMELEN}): ${show(where)}`);
  if (name.includes(0)) throw new AfsDumpError(`name contains NUL: ${show(where)}`);
  if (name.includes(0x2f)) throw new AfsDumpError(`name contains "/": ${show(where)}`);
  const s = name.toString("latin1");
  if (s === "." || s === "..") throw new AfsDumpError(`"${s}" cannot be an entry name: ${show(where)}`);
}

/**
 * An AFS directory object: afs_dir_MakeDir + afs_dir_Create for each entry, in order.
 * self/parent/entries: { vnode, unique } (+ name: Buffer for entries). Returns the pages.
 */
export function buildDirectory(self, parent, entries, where = "directory") {
  const pages = [];
  const free = []; // free blobs per page (our own count; alloMap only covers MAXPAGES)
  const page0 = Buffer.alloc(AFS_PAGESIZE);
  page0.writeUInt16BE(1, 0); // pgcount
  page0.writeUInt16BE(PAGE_TAG, 2);
  page0[4] = EPP - DHE - 1; // freecount (unused)
  page0[5] = 0xff; // blobs 0..12: page header, alloMap, hash table
  page0[6] = 0x1f;
  page0[32] = EPP - DHE - 1; // alloMap[0]
  for (let i = 1; i < MAXPAGES; i++) page0[32 + i] = EPP;
  pages.push(page0);
  free.push(EPP - DHE - 1);

  const addPage = (i) => {
    const p = Buffer.alloc(AFS_PAGESIZE);
    p.writeUInt16BE(0, 0);
    p.writeUInt16BE(PAGE_TAG, 2);
    p[4] = EPP - 1;
    p[5] = 0x01; // the page header's blob
    pages[i] = p;
    free[i] = EPP - 1;
    if (i < MAXPAGES) page0[32 + i] = EPP - 1;
    page0.writeUInt16BE(i + 1, 0); // pgcount
  };
  const findBlobs = (n) => {
    for (let i = 0; i < BIGMAXPAGES; i++) {
      if (i >= pages.length) addPage(i); // every earlier page is too full
      if (free[i] < n) continue;
      const bm = pages[i].subarray(5, 13);
      for (let j = 0; j <= EPP - n; j++) {
        let k = 0;
        while (k < n && !((bm[(j + k) >> 3] >> ((j + k) & 7)) & 1)) k++;
        if (k < n) continue;
        for (k = 0; k < n; k++) bm[(j + k) >> 3] |= 1 << ((j + k) & 7);
        free[i] -= n;
        if (i < MAXPAGES) page0[32 + i] = free[i];
        return i * EPP + j;
      }
    }
    throw new AfsDumpError(`too many entries for one AFS directory (${BIGMAXPAGES} pages of ${EPP} blobs): ${show(where)}`);
  };
  const create = (name, fid) => {
    const blob = findBlobs(nameBlobs(name.length));
    const page = pages[blob >> 6];
    const off = (blob & (EPP - 1)) * 32;
    const bucket = dirHash(name);
    page[off] = FFIRST;
    page[off + 1] = 0;
    page.writeUInt16BE(page0.readUInt16BE(160 + 2 * bucket), off + 2); // next = old chain head
    page.writeUInt32BE(fid.vnode >>> 0, off + 4);
    page.writeUInt32BE(fid.unique >>> 0, off + 8);
    name.copy(page, off + 12); // NUL follows: the page is zero-filled
    page0.writeUInt16BE(blob, 160 + 2 * bucket);
  };

  create(Buffer.from("."), self);
  create(Buffer.from(".."), parent);
  for (const e of entries) create(e.name, e);
  return Buffer.concat(pages);
}

// --- planning: walk the tree, number the vnodes, build the directories ------------------------

const u32time = (ms) => Math.min(Math.max(Math.floor(ms / 1000), 0), 0xffffffff);
const joinPath = (dir, name) => Buffer.concat([dir, Buffer.from("/"), name]);

function fileKind(st) {
  if (st.isDirectory()) return "directory";
  if (st.isFile()) return "file";
  if (st.isSymbolicLink()) return "symlink";
  if (st.isFIFO()) return "fifo";
  if (st.isSocket()) return "socket";
  if (st.isCharacterDevice()) return "character device";
  if (st.isBlockDevice()) return "block device";
  return "unknown file type";
}

function checkVolumeName(name) {
  if (typeof name !== "string" || !/^[A-Za-z0-9._-]+$/.test(name))
    throw new AfsDumpError(`bad volume name ${JSON.stringify(name)}: letters, digits, ".", "_", "-"`);
  if (name.length > 22) throw new AfsDumpError(`volume name "${name}" is longer than 22 characters (VOLSER_OLDMAXVOLNAME - 9)`);
  if (/^\d+$/.test(name) || /\.(readonly|backup)$/.test(name)) throw new AfsDumpError(`volume name "${name}" is all digits or ends in .readonly/.backup`);
}

function checkVolumeId(id) {
  if (!Number.isInteger(id) || id < 1 || id > 0xffffffff) throw new AfsDumpError(`bad volume id ${JSON.stringify(id)}: an integer 1..4294967295`);
}

/** Validates { name, id, acl?, now?, quota? }; returns them normalised (acl as its 192 bytes). */
export function checkOptions(opts = {}) {
  const { name, id } = opts;
  checkVolumeName(name);
  checkVolumeId(id);
  const now = opts.now === undefined ? Math.floor(Date.now() / 1000) : opts.now instanceof Date ? Math.floor(opts.now.getTime() / 1000) : opts.now;
  if (!Number.isInteger(now) || now < 0 || now > 0xffffffff) throw new AfsDumpError(`bad now ${JSON.stringify(opts.now)}: seconds since 1970 or a Date`);
  const quota = opts.quota ?? 0;
  if (!Number.isInteger(quota) || quota < 0 || quota > 0x7fffffff) throw new AfsDumpError(`bad quota ${JSON.stringify(quota)} (KB, 0 = unlimited)`);
  return { name, id, now, quota, acl: aclBytes(parseAcl(opts.acl ?? DEFAULT_ACL)) };
}

/**
 * Walks srcDir (lstat, never following symlinks) and returns the plan of the dump: every vnode
 * with its number, uniquifier, metadata, and the data (directory objects and symlink targets
 * in memory, regular files by path).
 */
export function planVolume(srcDir, opts = {}) {
  const { name, id, now, quota, acl } = checkOptions(opts);

  const root = Buffer.from(path.resolve(srcDir));
  let rootSt;
  try {
    rootSt = fs.statSync(root);
  } catch (e) {
    throw new AfsDumpError(`cannot read ${show(root)}: ${e.message}`);
  }
  if (!rootSt.isDirectory()) throw new AfsDumpError(`not a directory: ${show(root)}`);

  const large = []; // index b -> vnode 2b+1
  const small = []; // index b -> vnode 2b+2
  let nextUnique = 1;
  const newDir = (p, st, parent) => {
    const v = {
      vnode: 2 * large.length + 1,
      unique: nextUnique++,
      type: vDirectory,
      path: p,
      mode: st.mode & 0o7777,
      mtime: u32time(st.mtimeMs),
      parent,
      linkCount: 2,
      data: null,
    };
    large.push(v);
    return v;
  };
  const newSmall = (fields) => {
    const v = { vnode: 2 * small.length + 2, unique: nextUnique++, linkCount: 1, data: null, ...fields };
    small.push(v);
    return v;
  };

  const rootV = newDir(root, rootSt, 0);
  const stack = [rootV];
  while (stack.length) {
    const dir = stack.pop();
    let names;
    try {
      names = fs.readdirSync(dir.path, { encoding: "buffer" });
    } catch (e) {
      throw new AfsDumpError(`cannot read directory ${show(dir.path)}: ${e.message}`);
    }
    names.sort(Buffer.compare);
    const entries = [];
    const subdirs = [];
    for (const n of names) {
      const p = joinPath(dir.path, n);
      checkName(n, p);
      const st = fs.lstatSync(p);
      const kind = fileKind(st);
      let v;
      if (kind === "directory") {
        v = newDir(p, st, dir.vnode);
        subdirs.push(v);
      } else if (kind === "file") {
        v = newSmall({ type: vFile, path: p, mode: st.mode & 0o7777, mtime: u32time(st.mtimeMs), parent: dir.vnode, length: st.size });
      } else if (kind === "symlink") {
        const target = fs.readlinkSync(p, { encoding: "buffer" });
        const mountPoint = MOUNT_POINT.test(target.toString("latin1"));
        // a symlink vnode without x bits is a mount point to AFS; real symlinks keep theirs (0777)
        const mode = mountPoint ? 0o644 : (st.mode & 0o7777) | 0o111;
        v = newSmall({ type: vSymlink, path: p, mode, mtime: u32time(st.mtimeMs), parent: dir.vnode, data: target, length: target.length, mountPoint });
      } else {
        throw new AfsDumpError(`unsupported file type (${kind}): ${show(p)}: an AFS volume holds only directories, regular files and symlinks`);
      }
      entries.push({ name: n, vnode: v.vnode, unique: v.unique });
    }
    if (2 + subdirs.length > 0x7fff) throw new AfsDumpError(`too many subdirectories (${subdirs.length}) for an AFS link count: ${show(dir.path)}`);
    dir.linkCount = 2 + subdirs.length; // ".", the parent's entry, and each subdirectory's ".."
    const parent = dir.parent ? large[(dir.parent - 1) >> 1] : dir;
    dir.data = buildDirectory(dir, parent, entries, dir.path);
    dir.length = dir.data.length;
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]); // depth-first, sorted
  }

  // volume statistics as the salvager computes them: nBlocks() charges 1 KB for an empty file
  let diskused = 0;
  for (const v of [...large, ...small]) diskused += v.length === 0 ? 1 : Math.ceil(v.length / 1024);
  return { name, id, now, quota, acl, large, small, uniquifier: nextUnique, filecount: large.length + small.length, diskused: Math.min(diskused, 0x7fffffff) };
}

// --- encoding ---------------------------------------------------------------------------------

class Out {
  constructor() {
    this.parts = [];
  }
  byte(tag, v) {
    this.parts.push(Buffer.from([tag.charCodeAt(0), v & 0xff]));
  }
  tag(t) {
    this.parts.push(Buffer.from([t]));
  }
  short(tag, v) {
    const b = Buffer.alloc(3);
    b[0] = tag.charCodeAt(0);
    b.writeUInt16BE(v & 0xffff, 1);
    this.parts.push(b);
  }
  int32(tag, v) {
    const b = Buffer.alloc(5);
    b[0] = typeof tag === "number" ? tag : tag.charCodeAt(0);
    b.writeUInt32BE(v >>> 0, 1);
    this.parts.push(b);
  }
  double(tag, a, c) {
    const b = Buffer.alloc(9);
    b[0] = typeof tag === "number" ? tag : tag.charCodeAt(0);
    b.writeUInt32BE(a >>> 0, 1);
    b.writeUInt32BE(c >>> 0, 5);
    this.parts.push(b);
  }
  string(tag, s) {
    this.parts.push(Buffer.from([tag.charCodeAt(0)]), Buffer.from(s, "latin1"), Buffer.from([0]));
  }
  array(tag, values) {
    const b = Buffer.alloc(3 + 4 * values.length);
    b[0] = tag.charCodeAt(0);
    b.writeUInt16BE(values.length, 1);
    values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 3 + 4 * i));
    this.parts.push(b);
  }
  bytes(tag, buf) {
    this.parts.push(Buffer.from([tag.charCodeAt(0)]), buf);
  }
  take() {
    const b = Buffer.concat(this.parts);
    this.parts = [];
    return b;
  }
}

function headers(plan) {
  const o = new Out();
  // DumpDumpHeader
  o.double(D_DUMPHEADER, DUMPBEGINMAGIC, DUMPVERSION);
  o.int32("v", plan.id);
  o.string("n", plan.name);
  o.array("t", [0, plan.now]); // from (full dump), to = V_updateDate of a RW volume
  // DumpVolumeHeader
  o.tag(D_VOLUMEHEADER);
  o.int32("i", plan.id);
  o.int32("v", VOLUMEINFOVERSION);
  o.string("n", plan.name);
  o.byte("s", 1); // inService
  o.byte("b", 1); // blessed
  o.int32("u", plan.uniquifier);
  o.byte("t", READWRITE_VOLUME);
  o.int32("p", plan.id); // parentId
  o.int32("c", 0); // cloneId
  o.int32("q", plan.quota);
  o.int32("m", 0); // minquota
  o.int32("d", plan.diskused);
  o.int32("f", plan.filecount);
  o.int32("a", 0); // accountNumber
  o.int32("o", 0); // owner
  o.int32("C", plan.now); // creationDate
  o.int32("A", 0); // accessDate
  o.int32("U", plan.now); // updateDate
  o.int32("E", 0); // expirationDate
  o.int32("B", 0); // backupDate
  o.string("O", ""); // offline message
  o.string("M", ""); // motd
  o.array("W", [0, 0, 0, 0, 0, 0, 0]); // weekUse
  o.int32("D", 0); // dayUseDate
  o.int32("Z", 0); // dayUse
  return o.take();
}

function vnodeHeader(plan, v) {
  const o = new Out();
  o.double(D_VNODE, v.vnode, v.unique);
  o.byte("t", v.type);
  o.short("l", v.linkCount);
  o.int32("v", 1); // dataVersion
  o.int32("m", v.mtime); // unixModifyTime
  o.int32("a", 0); // author
  o.int32("o", 0); // owner; group 0 is not dumped
  o.short("b", v.mode);
  o.int32("p", v.parent);
  o.int32("s", plan.now); // serverModifyTime
  if (v.type === vDirectory) o.bytes("A", plan.acl);
  if (v.length > 0x7fffffff) o.double("h", Math.floor(v.length / 0x100000000), v.length % 0x100000000);
  else o.int32("f", v.length);
  return o.take();
}

/** The dump as a sequence of Buffers; regular files are read in 1 MiB pieces as they come. */
export function* dumpChunks(plan) {
  yield headers(plan);
  for (const v of [...plan.large, ...plan.small]) {
    yield vnodeHeader(plan, v);
    if (v.data) {
      yield v.data;
      continue;
    }
    let fd;
    try {
      fd = fs.openSync(v.path, "r");
    } catch (e) {
      throw new AfsDumpError(`cannot read ${show(v.path)}: ${e.message}`);
    }
    try {
      let left = v.length;
      while (left > 0) {
        const buf = Buffer.allocUnsafe(Math.min(CHUNK, left));
        const n = fs.readSync(fd, buf, 0, buf.length, v.length - left);
        if (n === 0) throw new AfsDumpError(`file shrank while being dumped: ${show(v.path)}`);
        left -= n;
        yield n === buf.length ? buf : buf.subarray(0, n);
      }
      if (fs.fstatSync(fd).size !== v.length) throw new AfsDumpError(`file changed size while being dumped: ${show(v.path)}`);
    } finally {
      fs.closeSync(fd);
    }
  }
  const end = new Out();
  end.int32(D_DUMPEND, DUMPENDMAGIC);
  yield end.take();
}

/** The whole dump in memory: volumeDump(srcDir, { name, id, acl?, now?, quota? }) -> Buffer. */
export function volumeDump(srcDir, opts) {
  return Buffer.concat([...dumpChunks(planVolume(srcDir, opts))]);
}

/** Streams the dump to a Writable (honours backpressure; does not end it). Resolves to the plan. */
export async function writeVolumeDump(srcDir, opts, out) {
  const plan = planVolume(srcDir, opts); // the whole tree is checked before the first byte
  await pump(dumpChunks(plan), out);
  return plan;
}

async function pump(chunks, out) {
  for (const chunk of chunks) {
    if (out.write(chunk)) continue;
    await new Promise((resolve, reject) => {
      const done = (err) => {
        out.off("drain", done);
        out.off("error", done);
        if (err) reject(err);
        else resolve();
      };
      out.on("drain", done);
      out.on("error", done);
    });
  }
}

// --- CLI ----------------------------------------------------------------------------------------

const USAGE = `usage: node scripts/lab/afs-dump.mjs --name VOLNAME --id NUMBER [--acl "NAME RIGHTS"]... [--now SECONDS] [--quota KB] [--out FILE] SRC_DIR
  Writes an OpenAFS volume dump of SRC_DIR (for "vos restore") to FILE or to stdout.
  --acl     every directory's ACL; repeat for several entries (replaces the default
            "system:administrators rlidwka" + "system:anyuser rl"). NAME: system:administrators,
            system:anyuser, system:authuser or a numeric id; RIGHTS: rlidwka letters, all, read, write
  --now     volume and server times (default: now), for reproducible dumps
  --quota   volume quota in KB (default 0: unlimited)`;

function usage(msg) {
  if (msg) process.stderr.write(`afs-dump: ${msg}\n`);
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}

async function main(argv) {
  const opts = { acl: [] };
  let out;
  let src;
  const intArg = (flag, v) => {
    if (v === undefined || !/^\d+$/.test(v)) usage(`${flag} needs a non-negative integer`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith("--") && a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === "-h" || flag === "--help") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (flag === "--name") opts.name = value();
    else if (flag === "--id") opts.id = intArg("--id", value());
    else if (flag === "--acl") opts.acl.push(value() ?? usage("--acl needs a value"));
    else if (flag === "--now") opts.now = intArg("--now", value());
    else if (flag === "--quota") opts.quota = intArg("--quota", value());
    else if (flag === "--out") out = value() ?? usage("--out needs a file");
    else if (flag.startsWith("-") && flag !== "-") usage(`unknown option ${a}`);
    else if (src === undefined) src = a;
    else usage(`more than one SRC_DIR (${src}, ${a})`);
  }
  if (!opts.name) usage("--name is required");
  if (opts.id === undefined) usage("--id is required");
  if (src === undefined) usage("SRC_DIR is required");
  if (opts.acl.length === 0) delete opts.acl;
  if (!out && process.stdout.isTTY) usage("refusing to write a binary dump to a terminal: use --out FILE or redirect stdout");

  try {
    checkOptions(opts);
  } catch (e) {
    if (e instanceof AfsDumpError) usage(e.message);
    throw e;
  }
  const plan = planVolume(src, opts); // everything but file reads fails here, before any output
  const tmp = out ? `${out}.partial-${process.pid}` : undefined;
  const stream = out ? fs.createWriteStream(tmp) : process.stdout;
  try {
    await pump(dumpChunks(plan), stream);
    if (out) {
      await new Promise((resolve, reject) => stream.end((err) => (err ? reject(err) : resolve())));
      fs.renameSync(tmp, out);
    }
  } catch (e) {
    if (out) {
      stream.destroy();
      fs.rmSync(tmp, { force: true });
    }
    throw e;
  }
  process.stderr.write(
    `afs-dump: volume ${plan.name} (${plan.id}): ${plan.large.length} directories, ${plan.small.length} files/symlinks, ${plan.diskused} KB${out ? ` -> ${out}` : ""}\n`,
  );
}

function isMain() {
  try {
    return Boolean(process.argv[1]) && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`afs-dump: error: ${e instanceof AfsDumpError ? e.message : (e?.stack ?? e)}\n`);
    process.exit(1);
  });
}
