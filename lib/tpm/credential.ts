import crypto from "node:crypto";
import { ALG, TpmPublicError, type TpmPublic } from "./public";

// TPM2_MakeCredential in software (TPM 2.0 Part 1 §24 "Credential Protection", Part 1 §11.4.10.2
// KDFa, Annex B.10.3 RSA secret sharing), as tpm2-tools' `tpm2_makecredential -T none` computes it
// (lib/tpm2_identity_util.c, tools/tpm2_makecredential.c):
//   seed        = random, the size of the EK's nameAlg digest (32 bytes)
//   encSeed     = RSA-OAEP(EK, SHA-256, label "IDENTITY\0")(seed)
//   symKey      = KDFa(SHA-256, seed, "STORAGE", akName, "", 128)
//   encIdentity = AES-128-CFB(symKey, IV 0)(TPM2B_DIGEST(secret))
//   hmacKey     = KDFa(SHA-256, seed, "INTEGRITY", "", "", 256)
//   outerHMAC   = HMAC-SHA256(hmacKey, encIdentity || akName)
//   credentialBlob (TPM2B_ID_OBJECT) = TPM2B_DIGEST(outerHMAC) || encIdentity
// Only the EK's TPM can recover the seed, and it releases the secret only to an object whose name
// is akName loaded in that TPM: `tpm2_activatecredential` on the host.

/** tpm2-tools' file header (lib/files.c): magic, then version 1 for credential files. */
const MAGIC = 0xbadcc0de;
const VERSION = 1;
const OAEP_LABEL = Buffer.from("IDENTITY\0", "latin1");
export const SECRET_BYTES = 32;
const NAME_BYTES = 2 + 32;

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** A TPM2B: 2-byte big-endian size || bytes. */
function tpm2b(bytes: Buffer): Buffer {
  return Buffer.concat([u16(bytes.length), bytes]);
}

/**
 * KDFa with SHA-256 (Part 1 §11.4.10.2): the concatenation of
 * HMAC(key, [i]32 || label || 0x00 || contextU || contextV || [bits]32) for i = 1, 2, …
 */
export function kdfa(key: Buffer, label: string, contextU: Buffer, contextV: Buffer, bits: number): Buffer {
  const out: Buffer[] = [];
  const labelBytes = Buffer.from(`${label}\0`, "latin1");
  for (let i = 1, have = 0; have * 8 < bits; i++) {
    const block = crypto.createHmac("sha256", key).update(u32(i)).update(labelBytes).update(contextU).update(contextV).update(u32(bits)).digest();
    out.push(block);
    have += block.length;
  }
  return Buffer.concat(out).subarray(0, bits / 8);
}

export interface CredentialParts {
  /** TPM2B_ID_OBJECT's body: TPM2B_DIGEST(outerHMAC) || encIdentity */
  credentialBlob: Buffer;
  /** TPM2B_ENCRYPTED_SECRET's body: the OAEP-encrypted seed */
  encryptedSecret: Buffer;
}

/** The credential blob and encrypted seed, before they are framed as tpm2-tools' file. */
export function makeCredentialParts(ekPub: TpmPublic, akName: Buffer, secret: Buffer): CredentialParts {
  if (ekPub.role !== "ek" || ekPub.nameAlg !== ALG.SHA256 || ekPub.symmetric?.algorithm !== ALG.AES || ekPub.symmetric.keyBits !== 128)
    throw new TpmPublicError("ek: not an endorsement key with SHA-256 and AES-128 (parse it with parsePublic(bytes, 'ek'))");
  if (akName.length !== NAME_BYTES || akName.readUInt16BE(0) !== ALG.SHA256)
    throw new TpmPublicError(`ak: a name is 0x000b and a SHA-256 digest (34 bytes), not ${akName.length} bytes`);
  if (secret.length !== SECRET_BYTES) throw new Error(`makeCredential: the secret must be ${SECRET_BYTES} bytes, not ${secret.length}`);

  const seed = crypto.randomBytes(32); // the EK's nameAlg digest size (SHA-256)
  const encryptedSecret = crypto.publicEncrypt(
    { key: ekPub.key, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: OAEP_LABEL },
    seed,
  );

  const symKey = kdfa(seed, "STORAGE", akName, Buffer.alloc(0), ekPub.symmetric.keyBits);
  const cipher = crypto.createCipheriv("aes-128-cfb", symKey, Buffer.alloc(16));
  const encIdentity = Buffer.concat([cipher.update(tpm2b(secret)), cipher.final()]);

  const hmacKey = kdfa(seed, "INTEGRITY", Buffer.alloc(0), Buffer.alloc(0), 256);
  const outerHmac = crypto.createHmac("sha256", hmacKey).update(encIdentity).update(akName).digest();
  return { credentialBlob: Buffer.concat([tpm2b(outerHmac), encIdentity]), encryptedSecret };
}

/**
 * TPM2_MakeCredential for the host's EK and AK name, framed as the file `tpm2_activatecredential -i`
 * reads: magic 0xBADCC0DE, version 1, TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET (all big-endian).
 */
export function makeCredential(ekPub: TpmPublic, akName: Buffer, secret: Buffer): Buffer {
  const { credentialBlob, encryptedSecret } = makeCredentialParts(ekPub, akName, secret);
  return Buffer.concat([u32(MAGIC), u32(VERSION), tpm2b(credentialBlob), tpm2b(encryptedSecret)]);
}

/** Splits a credential file into its parts; throws on a wrong header, sizes or trailing bytes. */
export function readCredentialFile(file: Buffer): CredentialParts {
  let pos = 0;
  const take = (n: number, what: string) => {
    if (file.length - pos < n) throw new Error(`credential file: truncated (${what})`);
    const v = file.subarray(pos, pos + n);
    pos += n;
    return v;
  };
  if (take(4, "magic").readUInt32BE(0) !== MAGIC) throw new Error("credential file: not tpm2-tools' magic 0xBADCC0DE");
  const version = take(4, "version").readUInt32BE(0);
  if (version !== VERSION) throw new Error(`credential file: version ${version}, not ${VERSION}`);
  const credentialBlob = take(take(2, "credential size").readUInt16BE(0), "credential");
  const encryptedSecret = take(take(2, "secret size").readUInt16BE(0), "secret");
  if (pos !== file.length) throw new Error(`credential file: ${file.length - pos} bytes after the secret`);
  return { credentialBlob, encryptedSecret };
}
