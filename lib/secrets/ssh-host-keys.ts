import crypto from "node:crypto";
import { promisify } from "node:util";

// SSH host keys made by the console (node:crypto, no ssh-keygen at run time), in the files OpenSSH
// itself writes: the private key as an unencrypted "openssh-key-v1" file (PROTOCOL.key in OpenSSH's
// sources: cipher and kdf "none", one key, two equal check ints, the comment, padding 1, 2, 3 … to
// the 8-byte block) and the public key as one line, "ssh-ed25519 AAAA… comment". The wire encodings
// (string, mpint, the public key blobs) are RFC 4251 §5, RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4.
// lib/secrets/ssh-host-keys.test.ts has the real ssh-keygen read every file this writes.

export type HostKeyType = "ed25519" | "ecdsa" | "rsa";

export interface HostKey {
  type: HostKeyType;
  /** the OpenSSH private key file, unencrypted (mode 0600 where it is written) */
  privateKey: string;
  /** the public line: "ssh-ed25519 AAAA… comment" */
  publicKey: string;
  /** "SHA256:" + base64 (no padding) of SHA-256 of the public key blob, as `ssh-keygen -l` shows it */
  fingerprint: string;
}

/** The types a host gets, in the order sshd offers them. */
export const HOST_KEY_TYPES: readonly HostKeyType[] = ["ed25519", "ecdsa", "rsa"];

/** OpenSSH's name of each type, the first string of the public key blob. */
const SSH_NAME: Record<HostKeyType, string> = { ed25519: "ssh-ed25519", ecdsa: "ecdsa-sha2-nistp256", rsa: "ssh-rsa" };
const RSA_BITS = 3072;
/** the smallest RSA key parsePublicKeyLine takes (OpenSSH refuses fewer than 1024 bits; the console wants 2048) */
const RSA_MIN_BITS = 2048;

// --- the SSH wire encoding -------------------------------------------------------------------

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const sshString = (data: Buffer | string) => {
  const b = typeof data === "string" ? Buffer.from(data) : data;
  return Buffer.concat([u32(b.length), b]);
};
/** a non-negative integer (big-endian bytes) as an mpint: no leading zeros, one 0x00 when the top bit is set */
const mpint = (bytes: Buffer) => {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  const v = bytes.subarray(i);
  return sshString(v.length > 0 && v[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
};
const b64u = (s: string | undefined) => {
  if (s === undefined) throw new Error("node:crypto exported a key without one of its JWK members");
  return Buffer.from(s, "base64url");
};

/** Reads SSH wire fields; every read checks that the bytes are there. */
class SshReader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  string(): Buffer {
    if (this.at + 4 > this.buf.length) throw new Error("ends inside a length");
    const n = this.buf.readUInt32BE(this.at);
    if (this.at + 4 + n > this.buf.length) throw new Error("ends inside a field");
    const v = this.buf.subarray(this.at + 4, this.at + 4 + n);
    this.at += 4 + n;
    return v;
  }
  text(): string {
    return this.string().toString("latin1");
  }
  done(): boolean {
    return this.at === this.buf.length;
  }
}

// --- generation ------------------------------------------------------------------------------

const generateKeyPair = promisify(crypto.generateKeyPair);

interface RawKey {
  /** the public key blob */
  blob: Buffer;
  /** the key's own fields in the private section, after its type name and before the comment */
  secret: Buffer;
}

async function rawKey(type: HostKeyType): Promise<RawKey> {
  if (type === "ed25519") {
    const { privateKey } = await generateKeyPair("ed25519");
    const jwk = privateKey.export({ format: "jwk" });
    const pub = b64u(jwk.x);
    // OpenSSH keeps the 32-byte seed followed by the public key as the "private key" (64 bytes)
    return {
      blob: Buffer.concat([sshString(SSH_NAME.ed25519), sshString(pub)]),
      secret: Buffer.concat([sshString(pub), sshString(Buffer.concat([b64u(jwk.d), pub]))]),
    };
  }
  if (type === "ecdsa") {
    const { privateKey } = await generateKeyPair("ec", { namedCurve: "prime256v1" });
    const jwk = privateKey.export({ format: "jwk" });
    const point = Buffer.concat([Buffer.from([4]), b64u(jwk.x), b64u(jwk.y)]);
    const pub = Buffer.concat([sshString("nistp256"), sshString(point)]);
    return { blob: Buffer.concat([sshString(SSH_NAME.ecdsa), pub]), secret: Buffer.concat([pub, mpint(b64u(jwk.d))]) };
  }
  const { privateKey } = await generateKeyPair("rsa", { modulusLength: RSA_BITS, publicExponent: 65537 });
  const jwk = privateKey.export({ format: "jwk" });
  const [n, e] = [b64u(jwk.n), b64u(jwk.e)];
  // JWK's qi is q⁻¹ mod p, which is OpenSSH's iqmp
  const secret = Buffer.concat([n, e, b64u(jwk.d), b64u(jwk.qi), b64u(jwk.p), b64u(jwk.q)].map(mpint));
  return { blob: Buffer.concat([sshString(SSH_NAME.rsa), mpint(e), mpint(n)]), secret };
}

/** The openssh-key-v1 private key file of one key. */
function privateKeyFile(type: HostKeyType, key: RawKey, comment: string): string {
  const check = crypto.randomBytes(4);
  let plain = Buffer.concat([check, check, sshString(SSH_NAME[type]), key.secret, sshString(comment)]);
  const pad = (8 - (plain.length % 8)) % 8;
  plain = Buffer.concat([plain, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const body = Buffer.concat([
    Buffer.from("openssh-key-v1\0", "latin1"),
    sshString("none"), // cipher
    sshString("none"), // kdf
    sshString(""), // kdf options
    u32(1), // one key
    sshString(key.blob),
    sshString(plain),
  ]);
  const lines = body.toString("base64").match(/.{1,70}/g) ?? [];
  return ["-----BEGIN OPENSSH PRIVATE KEY-----", ...lines, "-----END OPENSSH PRIVATE KEY-----", ""].join("\n");
}

const fingerprintOfBlob = (blob: Buffer) => `SHA256:${crypto.createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;

/** A host name as a key comment: printable ASCII without spaces (it ends the public line). */
function commentFor(hostName: string): string {
  if (!/^[\x21-\x7e]{1,255}$/.test(hostName)) throw new Error(`not a host name for an SSH key comment: ${JSON.stringify(hostName)}`);
  return `root@${hostName}`;
}

/** One fresh key of each type for a host, commented `root@<hostName>` as ssh-keygen -A would. */
export async function generateHostKeys(hostName: string): Promise<HostKey[]> {
  const comment = commentFor(hostName);
  return Promise.all(
    HOST_KEY_TYPES.map(async (type) => {
      const key = await rawKey(type);
      return {
        type,
        privateKey: privateKeyFile(type, key, comment),
        publicKey: `${SSH_NAME[type]} ${key.blob.toString("base64")} ${comment}`,
        fingerprint: fingerprintOfBlob(key.blob),
      };
    }),
  );
}

// --- public lines ----------------------------------------------------------------------------

export interface PublicKey {
  type: HostKeyType;
  /** OpenSSH's name of the type: "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa" */
  sshType: string;
  /** the public key blob */
  blob: Buffer;
  /** the base64 of the blob, as on the line */
  base64: string;
  comment: string;
}

export class SshKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SshKeyError";
  }
}

/** Checks that a blob holds a well-formed key of its type (node:crypto takes the key as the judge). */
function checkBlob(type: HostKeyType, r: SshReader): void {
  const field = () => r.string();
  if (type === "ed25519") {
    const pub = field();
    if (pub.length !== 32) throw new Error("an ed25519 key has 32 bytes");
    crypto.createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: pub.toString("base64url") }, format: "jwk" });
  } else if (type === "ecdsa") {
    if (r.text() !== "nistp256") throw new Error("the curve is not nistp256");
    const point = field();
    if (point.length !== 65 || point[0] !== 4) throw new Error("not an uncompressed P-256 point");
    // throws when the point is not on the curve
    crypto.createPublicKey({
      key: { kty: "EC", crv: "P-256", x: point.subarray(1, 33).toString("base64url"), y: point.subarray(33).toString("base64url") },
      format: "jwk",
    });
  } else {
    const [e, n] = [field(), field()];
    if ((e[0] ?? 0) & 0x80 || (n[0] ?? 0) & 0x80) throw new Error("a negative RSA number");
    const digits = n[0] === 0 ? n.subarray(1) : n;
    const bits = digits.length === 0 ? 0 : (digits.length - 1) * 8 + 32 - Math.clz32(digits[0]!);
    if (bits < RSA_MIN_BITS) throw new Error(`an RSA key of ${bits} bits (at least ${RSA_MIN_BITS} wanted)`);
    crypto.createPublicKey({ key: { kty: "RSA", n: n.toString("base64url"), e: e.toString("base64url") }, format: "jwk" });
  }
  if (!r.done()) throw new Error("bytes after the key");
}

/**
 * A public line ("type base64 [comment]") read and checked: a host key type the console knows, the
 * base64 a blob of that very type, the key itself well formed. Throws SshKeyError saying why not.
 */
export function parsePublicKeyLine(line: string): PublicKey {
  const trimmed = line.trim();
  if (/[\r\n\0]/.test(trimmed)) throw new SshKeyError("an SSH public key is one line");
  const [sshType = "", base64 = "", ...rest] = trimmed.split(/[ \t]+/);
  const type = HOST_KEY_TYPES.find((t) => SSH_NAME[t] === sshType);
  if (!type) throw new SshKeyError(`not an SSH host key type the console takes: "${sshType.slice(0, 40)}" (${Object.values(SSH_NAME).join(", ")})`);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 !== 0) throw new SshKeyError(`the ${sshType} key is not base64`);
  const blob = Buffer.from(base64, "base64");
  try {
    const r = new SshReader(blob);
    const inner = r.text();
    if (inner !== sshType) throw new Error(`the key inside is of type "${inner.slice(0, 40)}"`);
    checkBlob(type, r);
  } catch (e) {
    throw new SshKeyError(`not a valid ${sshType} key: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { type, sshType, blob, base64, comment: rest.join(" ") };
}

/** The SHA-256 fingerprint of a public line, as `ssh-keygen -l` prints it ("SHA256:…"). */
export function fingerprintOf(publicLine: string): string {
  return fingerprintOfBlob(parsePublicKeyLine(publicLine).blob);
}

// --- ssh_known_hosts -------------------------------------------------------------------------

export interface KnownHost {
  /** the names clients use for the host: its name, its FQDN, its addresses ("[name]:port" for another port) */
  names: string[];
  /** its public lines */
  keys: string[];
}

/** A name in a known_hosts pattern list: no spaces nor commas, not a marker ('@'), negation ('!') or hash ('|'), no wildcards. */
function checkName(name: string): string {
  if (!/^[A-Za-z0-9[\]:._-]{1,255}$/.test(name) || /^[-.]/.test(name))
    throw new SshKeyError(`not a host name or address for ssh_known_hosts: ${JSON.stringify(name)}`);
  return name;
}

/**
 * An ssh_known_hosts file: one line per key, "name,fqdn,ip type base64", names in plain text (not
 * hashed: the file is published, and a reader needs to see which host a key is for). Order does not
 * depend on the input's: hosts by their names, each host's keys by type then key; names keep their
 * order (duplicates dropped). Key comments are left out. Throws SshKeyError on a bad name or key.
 */
export function knownHostsLines(hosts: KnownHost[]): string {
  const rank = (t: HostKeyType) => HOST_KEY_TYPES.indexOf(t);
  const rows = hosts
    .filter((h) => h.keys.length > 0)
    .map((h) => {
      const names = [...new Set(h.names.map(checkName))];
      if (names.length === 0) throw new SshKeyError("a host in ssh_known_hosts needs at least one name");
      const keys = [...new Map(h.keys.map(parsePublicKeyLine).map((k) => [k.base64, k])).values()];
      keys.sort((a, b) => rank(a.type) - rank(b.type) || (a.base64 < b.base64 ? -1 : a.base64 > b.base64 ? 1 : 0));
      return { names: names.join(","), keys };
    });
  rows.sort((a, b) => (a.names < b.names ? -1 : a.names > b.names ? 1 : 0));
  return rows.flatMap((r) => r.keys.map((k) => `${r.names} ${k.sshType} ${k.base64}\n`)).join("");
}
