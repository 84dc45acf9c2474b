// MIT keytab files (the FILE keytab type), read and checked before the console stores or delivers
// one. The layout is MIT krb5's doc/formats/keytab_file_format.rst: the byte 5, the format version
// (1 or 2), then signed 32-bit record lengths each followed by a key entry (length > 0), a hole of
// that many zero bytes (length < 0) or nothing more (length 0, the end). Version 2 (0x0502) is
// big-endian throughout; version 1 (0x0501) was written in the byte order of the machine that
// made it, so its integers cannot be read without knowing that machine: it is refused (MIT has
// written 0x0502 since release 1.0; `ktutil` rewrites an old file).
//
//   entry ::= principal, timestamp (32 bits), kvno (8 bits), enctype (16 bits),
//             key length (16 bits), key, [kvno (32 bits), present in 1.14 and later]
//   principal ::= count of components (16 bits), realm (data), components (data)…, name type (32 bits)
//   data ::= length (16 bits), bytes
//
// The 32-bit kvno overrides the 8-bit one when at least 4 bytes remain in the record and it is
// non-zero. An entry may be shorter than its record (it replaced a larger hole).
//
// Key bytes never leave this file: entries carry the key's length only, so nothing a caller logs
// or shows (an entry, a summary, an error) can hold a key.

/** the largest keytab taken: a host's keytab holds a few hundred bytes */
export const KEYTAB_MAX_BYTES = 64 * 1024;

const FORMAT_V2 = 0x0502;

/** MIT's names of the encryption types (RFC 3961 §8, RFC 8009, RFC 6803; krb5 enctype names). */
const ENCTYPES: Record<number, string> = {
  1: "des-cbc-crc",
  2: "des-cbc-md4",
  3: "des-cbc-md5",
  16: "des3-cbc-sha1",
  17: "aes128-cts-hmac-sha1-96",
  18: "aes256-cts-hmac-sha1-96",
  19: "aes128-cts-hmac-sha256-128",
  20: "aes256-cts-hmac-sha384-192",
  23: "arcfour-hmac",
  24: "arcfour-hmac-exp",
  25: "camellia128-cts-cmac",
  26: "camellia256-cts-cmac",
};

export const enctypeName = (enctype: number) => ENCTYPES[enctype] ?? `enctype-${enctype}`;

export interface KeytabEntry {
  /** "host/x.example.org@REALM", components joined by '/', with '/', '@' and '\' in them escaped as MIT prints them */
  principal: string;
  components: string[];
  realm: string;
  /** the name type (1 principal, 3 service and host, …) */
  nameType: number;
  /** when the entry was written (seconds since the epoch, as stored) */
  timestamp: number;
  /** the key version: the 32-bit one when present and non-zero, else the 8-bit one */
  kvno: number;
  enctype: number;
  enctypeName: string;
  /** the length of the key; the key itself is not kept */
  keyLength: number;
}

export interface KeytabSummary {
  /** one row per principal and key version, in the order they first appear in the file */
  principals: { principal: string; kvno: number; enctypes: string[] }[];
}

export class KeytabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeytabError";
  }
}

/** Thrown inside an entry: the reader turns it into "entry N …". */
class Short extends Error {}

/** Reads one record's bytes; every read checks that they are there. */
class EntryReader {
  private at = 0;
  constructor(private readonly b: Buffer) {}
  get left() {
    return this.b.length - this.at;
  }
  private need(n: number, what: string) {
    if (this.at + n > this.b.length) throw new Short(`ends inside its ${what}`);
  }
  u8(what: string) {
    this.need(1, what);
    return this.b.readUInt8(this.at++);
  }
  u16(what: string) {
    this.need(2, what);
    const v = this.b.readUInt16BE(this.at);
    this.at += 2;
    return v;
  }
  u32(what: string) {
    this.need(4, what);
    const v = this.b.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }
  /** a counted string: 16-bit length, then the bytes */
  data(what: string): Buffer {
    const n = this.u16(`${what}'s length`);
    this.need(n, what);
    const v = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
  skip(n: number) {
    this.at += n;
  }
}

const escapeComponent = (s: string) => s.replace(/[\\/@]/g, (c) => `\\${c}`);

/** A name component or realm as text: UTF-8 without control characters (they could forge lines in a log). */
function text(b: Buffer, what: string): string {
  const s = b.toString("utf8");
  if (!Buffer.from(s, "utf8").equals(b) || /[\x00-\x1f\x7f]/.test(s)) throw new Short(`has a ${what} that is not printable UTF-8`);
  return s;
}

function readEntry(r: EntryReader): KeytabEntry {
  const count = r.u16("principal");
  if (count === 0) throw new Short("has a principal without a name");
  const realm = text(r.data("realm"), "realm");
  const components: string[] = [];
  for (let i = 0; i < count; i++) components.push(text(r.data("principal"), "name component"));
  const nameType = r.u32("principal's name type");
  const timestamp = r.u32("timestamp");
  const kvno8 = r.u8("key version");
  const enctype = r.u16("encryption type");
  const keyLength = r.data("key").length;
  if (keyLength === 0) throw new Short("has an empty key");
  let kvno = kvno8;
  if (r.left >= 4) {
    const kvno32 = r.u32("key version");
    if (kvno32 !== 0) kvno = kvno32;
  }
  const principal = `${components.map(escapeComponent).join("/")}@${escapeComponent(realm)}`;
  return { principal, components, realm, nameType, timestamp, kvno, enctype, enctypeName: enctypeName(enctype), keyLength };
}

/** The entries of an MIT keytab (format 0x0502), checked; throws KeytabError saying what is wrong. */
export function parseKeytab(bytes: Uint8Array): KeytabEntry[] {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length > KEYTAB_MAX_BYTES) throw new KeytabError(`the keytab is ${b.length} bytes, more than the ${KEYTAB_MAX_BYTES} a host's keytab may have`);
  if (b.length === 0) throw new KeytabError("the keytab is empty (0 bytes)");
  if (b[0] !== 5) throw new KeytabError("not a keytab: an MIT keytab starts with the bytes 05 02");
  if (b.length < 2) throw new KeytabError("the keytab is truncated: it ends inside its format version");
  const version = b.readUInt16BE(0);
  if (version === 0x0501)
    throw new KeytabError(
      "a keytab of the old format 0x0501 (its numbers in the byte order of the machine that wrote it) is not taken: rewrite it with ktutil",
    );
  if (version !== FORMAT_V2) throw new KeytabError(`not a keytab the console reads: format 0x${version.toString(16).padStart(4, "0")}, not 0x0502`);

  const entries: KeytabEntry[] = [];
  let at = 2;
  for (let record = 1; at < b.length; record++) {
    if (at + 4 > b.length) throw new KeytabError(`the keytab is truncated: it ends inside the length of record ${record}`);
    const length = b.readInt32BE(at);
    at += 4;
    if (length === 0) break; // the end, whatever follows
    const size = Math.abs(length);
    if (at + size > b.length) throw new KeytabError(`the keytab is truncated: record ${record} announces ${size} bytes, ${b.length - at} remain`);
    if (length > 0) {
      try {
        entries.push(readEntry(new EntryReader(b.subarray(at, at + size))));
      } catch (e) {
        if (e instanceof Short) throw new KeytabError(`the keytab is malformed: entry ${entries.length + 1} (record ${record}) ${e.message}`);
        throw e;
      }
    }
    at += size;
  }
  if (entries.length === 0) throw new KeytabError("the keytab holds no keys");
  return entries;
}

/** What a keytab holds, to show and to check: principals, key versions, encryption types; no keys. */
export function summarizeKeytab(entries: KeytabEntry[]): KeytabSummary {
  const rows = new Map<string, KeytabSummary["principals"][number]>();
  for (const e of entries) {
    const id = `${e.kvno} ${e.principal}`;
    const row = rows.get(id) ?? { principal: e.principal, kvno: e.kvno, enctypes: [] };
    if (!row.enctypes.includes(e.enctypeName)) row.enctypes.push(e.enctypeName);
    rows.set(id, row);
  }
  return { principals: [...rows.values()] };
}

/**
 * The keys a keytab holds for one principal (its newest key version), or a KeytabError naming the
 * principals it does hold.
 */
export function requirePrincipal(summary: KeytabSummary, principal: string): KeytabSummary["principals"][number] {
  const rows = summary.principals.filter((p) => p.principal === principal);
  if (rows.length === 0) {
    const held = [...new Set(summary.principals.map((p) => p.principal))];
    throw new KeytabError(`the keytab has no key for ${principal}; it has keys for ${held.join(", ") || "no principal"}`);
  }
  return rows.reduce((a, b) => (b.kvno > a.kvno ? b : a));
}
