import crypto from "node:crypto";

// Secrets the console must be able to read back (BMC passwords; later SSH host keys, keytabs),
// encrypted at rest: AES-256-GCM under a key derived (HKDF-SHA256) from the server secret, one key
// per purpose. The key never lives in the database, so a copy of the database alone (a backup, a
// dump) does not give the secrets away. The purpose is also authenticated data: a sealed BMC
// password cannot be passed off as another kind of secret.
//
//   v1.<iv, 12 bytes>.<ciphertext>.<tag, 16 bytes>   (each base64url)

const VERSION = "v1";
const keys = new WeakMap<Buffer, Map<string, Buffer>>();

function keyFor(serverSecret: Buffer, purpose: string): Buffer {
  let byPurpose = keys.get(serverSecret);
  if (!byPurpose) keys.set(serverSecret, (byPurpose = new Map()));
  let key = byPurpose.get(purpose);
  if (!key) {
    key = Buffer.from(crypto.hkdfSync("sha256", serverSecret, "afsboot-secret-box", `${VERSION}:${purpose}`, 32));
    byPurpose.set(purpose, key);
  }
  return key;
}

export function sealSecret(serverSecret: Buffer, purpose: string, plaintext: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", keyFor(serverSecret, purpose), iv);
  cipher.setAAD(Buffer.from(purpose));
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, iv.toString("base64url"), ct.toString("base64url"), cipher.getAuthTag().toString("base64url")].join(".");
}

/** The plaintext, or null when the value was not sealed by this server secret for this purpose (or was altered). */
export function openSecret(serverSecret: Buffer, purpose: string, sealed: string): string | null {
  const [version, iv, ct, tag, extra] = sealed.split(".");
  if (version !== VERSION || iv === undefined || ct === undefined || tag === undefined || extra !== undefined) return null;
  try {
    const decipher = crypto.createDecipheriv("aes-256-gcm", keyFor(serverSecret, purpose), Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(purpose));
    const tagBytes = Buffer.from(tag, "base64url");
    if (tagBytes.length !== 16) return null;
    decipher.setAuthTag(tagBytes);
    return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}

/** Looks like a sealed value (for checks that no secret is stored in the clear). */
export const isSealed = (v: string) => /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{22}$/.test(v);
