import crypto, { type KeyObject } from "node:crypto";
import { AppError } from "@/lib/errors";
import { plural } from "@/lib/plural";

// TPM 2.0 public areas as hosts send them: the TPM2B_PUBLIC files tpm2-tools writes
// (`tpm2_createek -u`, `tpm2_createak -u`, `tpm2_readpublic -o`): a 2-byte big-endian size, then
// the TPMT_PUBLIC (TPM 2.0 Part 2 §12.2.4). Only the two keys of the identity protocol are
// accepted: an RSA 2048 endorsement key from the default EK template (restricted decryption key
// with AES-128-CFB, which MakeCredential needs) and an RSA 2048 restricted signing key (the AK).
// Everything else is refused with a message an admin can read in the API answer.

export type TpmRole = "ek" | "ak";

/** A public area the host sent was malformed or not the key the protocol expects (HTTP 422). */
export class TpmPublicError extends AppError {
  constructor(message: string) {
    super(422, "invalid", message);
    this.name = "TpmPublicError";
  }
}

export const ALG = {
  RSA: 0x0001,
  AES: 0x0006,
  SHA256: 0x000b,
  SHA384: 0x000c,
  SHA512: 0x000d,
  NULL: 0x0010,
  RSASSA: 0x0014,
  RSAES: 0x0015,
  RSAPSS: 0x0016,
  OAEP: 0x0017,
  ECC: 0x0023,
  CFB: 0x0043,
} as const;

/** TPMA_OBJECT bits (Part 2 §8.3). */
export const ATTR = {
  fixedTPM: 1 << 1,
  fixedParent: 1 << 4,
  sensitiveDataOrigin: 1 << 5,
  restricted: 1 << 16,
  decrypt: 1 << 17,
  sign: 1 << 18,
} as const;

/** Larger than any RSA 2048 public area (the EK's is 316 bytes with its size): a cap, not a layout. */
export const MAX_PUBLIC_BYTES = 1024;
const RSA_BITS = 2048;
const HASH_SIZES: Record<number, number> = { [ALG.SHA256]: 32, [ALG.SHA384]: 48, [ALG.SHA512]: 64 };

export interface TpmPublic {
  role: TpmRole;
  /** the TPMT_PUBLIC bytes (without the TPM2B size): what names and fingerprints hash */
  publicArea: Buffer;
  type: typeof ALG.RSA;
  nameAlg: number;
  objectAttributes: number;
  authPolicy: Buffer;
  /** TPMT_SYM_DEF_OBJECT; null for TPM_ALG_NULL (signing keys) */
  symmetric: { algorithm: number; keyBits: number; mode: number } | null;
  /** TPMT_RSA_SCHEME; null for TPM_ALG_NULL; hashAlg null for schemes without one (RSAES) */
  scheme: { scheme: number; hashAlg: number | null } | null;
  keyBits: number;
  /** the public exponent, 65537 when the area says 0 (the TPM's default) */
  exponent: number;
  modulus: Buffer;
  key: KeyObject;
}

const hex = (n: number, digits = 4) => `0x${n.toString(16).padStart(digits, "0")}`;

/** A cursor over the bytes that refuses to read past the end. */
class Reader {
  private pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly role: TpmRole,
  ) {}
  get offset() {
    return this.pos;
  }
  get remaining() {
    return this.buf.length - this.pos;
  }
  private need(n: number, what: string) {
    if (this.remaining < n)
      throw new TpmPublicError(`${this.role}: truncated public key (${what} at byte ${this.pos} needs ${n} bytes, ${this.remaining} left)`);
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  bytes(n: number, what: string): Buffer {
    this.need(n, what);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** A TPM2B: 2-byte size, then that many bytes. */
  sized(what: string): Buffer {
    return this.bytes(this.u16(`${what} size`), what);
  }
}

/** Reads a TPMT_PUBLIC of type RSA; checks the layout, not yet what kind of key it is. */
function readRsaArea(area: Buffer, role: TpmRole): Omit<TpmPublic, "role" | "key"> {
  const r = new Reader(area, role);
  const type = r.u16("type");
  if (type !== ALG.RSA)
    throw new TpmPublicError(`${role}: not an RSA key (type ${hex(type)}${type === ALG.ECC ? ", ECC" : ""}); only RSA 2048 keys are accepted`);
  const nameAlg = r.u16("nameAlg");
  const objectAttributes = r.u32("objectAttributes");
  const authPolicy = r.sized("authPolicy");

  const symAlg = r.u16("symmetric algorithm");
  const symmetric = symAlg === ALG.NULL ? null : { algorithm: symAlg, keyBits: r.u16("symmetric keyBits"), mode: r.u16("symmetric mode") };
  const schemeAlg = r.u16("scheme");
  let scheme: TpmPublic["scheme"] = null;
  if (schemeAlg === ALG.RSAES) scheme = { scheme: schemeAlg, hashAlg: null };
  else if (schemeAlg === ALG.RSASSA || schemeAlg === ALG.RSAPSS || schemeAlg === ALG.OAEP) scheme = { scheme: schemeAlg, hashAlg: r.u16("scheme hashAlg") };
  else if (schemeAlg !== ALG.NULL) throw new TpmPublicError(`${role}: unknown RSA scheme ${hex(schemeAlg)}`);
  const keyBits = r.u16("keyBits");
  const rawExponent = r.u32("exponent");
  const modulus = r.sized("unique (modulus)");
  if (r.remaining > 0)
    throw new TpmPublicError(`${role}: ${plural(r.remaining, "byte")} after the public area (its size says ${area.length}, the key ends at ${r.offset})`);
  return {
    publicArea: area,
    type,
    nameAlg,
    objectAttributes,
    authPolicy,
    symmetric,
    scheme,
    keyBits,
    exponent: rawExponent === 0 ? 65537 : rawExponent,
    modulus,
  };
}

function has(attrs: number, bit: number) {
  return (attrs & bit) !== 0;
}

/** Refuses a well-formed area that is not the kind of key `role` names. */
function checkKind(p: Omit<TpmPublic, "role" | "key">, role: TpmRole): void {
  const fail = (why: string) => {
    throw new TpmPublicError(`${role}: ${why}`);
  };
  if (p.nameAlg !== ALG.SHA256) fail(`name algorithm ${hex(p.nameAlg)} is not SHA-256 (0x000b)`);
  if (p.authPolicy.length !== 0 && p.authPolicy.length !== HASH_SIZES[p.nameAlg]) fail(`authPolicy of ${p.authPolicy.length} bytes is not a SHA-256 digest`);
  if (p.keyBits !== RSA_BITS) fail(`RSA ${p.keyBits} bits; only RSA ${RSA_BITS} is accepted`);
  if (p.exponent !== 65537) fail(`public exponent ${p.exponent}; only 65537 is accepted`);
  if (p.modulus.length !== RSA_BITS / 8) fail(`modulus of ${p.modulus.length} bytes; an RSA ${RSA_BITS} key has ${RSA_BITS / 8}`);
  if ((p.modulus[0]! & 0x80) === 0 || (p.modulus[p.modulus.length - 1]! & 1) === 0) fail("the modulus is not that of an RSA 2048 key");
  const a = p.objectAttributes;
  if (!has(a, ATTR.fixedTPM) || !has(a, ATTR.fixedParent)) fail(`attributes ${hex(a, 8)}: not fixedTPM and fixedParent (a key that can leave its TPM)`);
  if (!has(a, ATTR.restricted)) fail(`attributes ${hex(a, 8)}: not a restricted key`);

  if (role === "ek") {
    if (!has(a, ATTR.decrypt) || has(a, ATTR.sign)) fail(`attributes ${hex(a, 8)}: not a decryption-only key (an endorsement key decrypts, never signs)`);
    const s = p.symmetric;
    if (!s || s.algorithm !== ALG.AES || s.keyBits !== 128 || s.mode !== ALG.CFB)
      fail(`symmetric ${s ? `${hex(s.algorithm)}/${s.keyBits}/${hex(s.mode)}` : "null"} is not AES-128-CFB (the default EK template)`);
    if (p.scheme) fail(`scheme ${hex(p.scheme.scheme)}; a restricted decryption key has none`);
  } else {
    if (!has(a, ATTR.sign) || has(a, ATTR.decrypt)) fail(`attributes ${hex(a, 8)}: not a signing-only key`);
    if (p.symmetric) fail(`symmetric ${hex(p.symmetric.algorithm)}; a signing key has none`);
    const s = p.scheme;
    if (!s || (s.scheme !== ALG.RSASSA && s.scheme !== ALG.RSAPSS) || s.hashAlg === null || !HASH_SIZES[s.hashAlg])
      fail(`scheme ${s ? hex(s.scheme) : "null"}${s?.hashAlg != null ? ` with hash ${hex(s.hashAlg)}` : ""} is not RSASSA or RSAPSS with SHA-256/384/512`);
  }
}

function rsaKey(modulus: Buffer, exponent: number): KeyObject {
  const e = Buffer.alloc(4);
  e.writeUInt32BE(exponent);
  const trimmed = e.subarray(e.findIndex((b) => b !== 0));
  return crypto.createPublicKey({ key: { kty: "RSA", n: modulus.toString("base64url"), e: trimmed.toString("base64url") }, format: "jwk" });
}

/** Parses a TPM2B_PUBLIC file's bytes as the host's EK or AK; throws TpmPublicError otherwise. */
export function parsePublic(bytes: Uint8Array, role: TpmRole): TpmPublic {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length > MAX_PUBLIC_BYTES)
    throw new TpmPublicError(`${role}: ${plural(buf.length, "byte")}; a public key has at most ${plural(MAX_PUBLIC_BYTES, "byte")}`);
  if (buf.length < 2) throw new TpmPublicError(`${role}: truncated public key (${buf.length} bytes, no size)`);
  const size = buf.readUInt16BE(0);
  if (size === 0) throw new TpmPublicError(`${role}: empty public key (size 0)`);
  if (buf.length - 2 < size) throw new TpmPublicError(`${role}: truncated public key (its size says ${size} bytes, ${buf.length - 2} follow)`);
  if (buf.length - 2 > size) throw new TpmPublicError(`${role}: ${plural(buf.length - 2 - size, "byte")} after the public key (its size says ${size} bytes)`);
  const area = Buffer.from(buf.subarray(2)); // a copy: the caller's buffer may be reused
  const parsed = readRsaArea(area, role);
  checkKind(parsed, role);
  let key: KeyObject;
  try {
    key = rsaKey(parsed.modulus, parsed.exponent);
  } catch {
    throw new TpmPublicError(`${role}: the modulus is not a usable RSA public key`);
  }
  return { role, ...parsed, key };
}

/** The TPM's name of the object: nameAlg (2 bytes) || H_nameAlg(TPMT_PUBLIC). */
export function objectName(pub: Pick<TpmPublic, "nameAlg" | "publicArea">): Buffer {
  if (pub.nameAlg !== ALG.SHA256) throw new TpmPublicError(`name algorithm ${hex(pub.nameAlg)} is not SHA-256`);
  const alg = Buffer.alloc(2);
  alg.writeUInt16BE(pub.nameAlg);
  return Buffer.concat([alg, crypto.createHash("sha256").update(pub.publicArea).digest()]);
}

/** `SHA256:` + unpadded base64 of SHA-256(TPMT_PUBLIC), as ssh shows key fingerprints. */
export function fingerprint(pub: Pick<TpmPublic, "publicArea">): string {
  return `SHA256:${crypto.createHash("sha256").update(pub.publicArea).digest("base64").replace(/=+$/, "")}`;
}
