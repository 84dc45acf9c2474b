import crypto from "node:crypto";
import { writeCpio, type CpioEntry } from "@/lib/generate/initrd/cpio";

// The secrets bundle a host gets once per boot (docs/security.md): a newc cpio archive of the
// files /init installs, encrypted under keys derived from the per-boot key K that only the host's
// TPM can unwrap (TPM2_ActivateCredential). The initrd has openssl and no AEAD on its command line,
// so: AES-256-CBC, then HMAC-SHA256 over IV and ciphertext (encrypt-then-MAC), each key its own
// HMAC of K. Pure: node:crypto only.
//
//   body = IV (16) || C || T (32)   C = AES-256-CBC(encKey, IV, archive)   T = HMAC(macKey, IV || C)
//   encKey = HMAC-SHA256(K, "afsboot-enc")   macKey = HMAC-SHA256(K, "afsboot-mac")
//   proof of activation = hex HMAC-SHA256(K, "afsboot-proof:" + activation id)

export const KEY_BYTES = 32;
const hmac = (key: Buffer, data: Buffer | string) => crypto.createHmac("sha256", key).update(data).digest();

export function bundleKeys(k: Buffer) {
  if (k.length !== KEY_BYTES) throw new Error(`the per-boot key is ${KEY_BYTES} bytes`);
  return { enc: hmac(k, "afsboot-enc"), mac: hmac(k, "afsboot-mac") };
}

/** What the host sends to show it unwrapped K: bound to the activation, so it cannot be reused for another. */
export const activationProof = (k: Buffer, activationId: string) => hmac(k, `afsboot-proof:${activationId}`).toString("hex");

/** Constant-time check of a presented proof (64 hex digits). */
export function proofMatches(k: Buffer, activationId: string, presented: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(presented)) return false;
  return crypto.timingSafeEqual(Buffer.from(activationProof(k, activationId), "hex"), Buffer.from(presented, "hex"));
}

export function encryptBundle(k: Buffer, plain: Buffer, iv: Buffer = crypto.randomBytes(16)): Buffer {
  const { enc, mac } = bundleKeys(k);
  const cipher = crypto.createCipheriv("aes-256-cbc", enc, iv);
  const c = Buffer.concat([iv, cipher.update(plain), cipher.final()]);
  return Buffer.concat([c, hmac(mac, c)]);
}

/** The host's side, for tests and tools: null when the tag does not match (wrong key, altered bytes). */
export function decryptBundle(k: Buffer, body: Buffer): Buffer | null {
  if (body.length < 16 + 16 + 32) return null;
  const { enc, mac } = bundleKeys(k);
  const c = body.subarray(0, body.length - 32);
  if (!crypto.timingSafeEqual(hmac(mac, c), body.subarray(body.length - 32))) return null;
  const decipher = crypto.createDecipheriv("aes-256-cbc", enc, c.subarray(0, 16));
  return Buffer.concat([decipher.update(c.subarray(16)), decipher.final()]);
}

export interface BundleSecrets {
  sshKeys: { type: string; privateKey: string; publicKey: string }[];
  keytab: Buffer | null;
  principal: string | null;
}

/** The archive /init unpacks into /run/afsboot/secrets: the paths and modes it installs them with. */
export function bundleArchive(s: BundleSecrets): Buffer {
  const entries: CpioEntry[] = [
    { type: "dir", path: "etc", mode: 0o755 },
    { type: "dir", path: "afsboot", mode: 0o700 },
  ];
  if (s.sshKeys.length) entries.push({ type: "dir", path: "etc/ssh", mode: 0o755 });
  for (const k of s.sshKeys) {
    if (!/^(ed25519|ecdsa|rsa)$/.test(k.type)) throw new Error(`unknown SSH key type ${k.type}`);
    entries.push({ type: "file", path: `etc/ssh/ssh_host_${k.type}_key`, mode: 0o600, data: k.privateKey });
    entries.push({
      type: "file",
      path: `etc/ssh/ssh_host_${k.type}_key.pub`,
      mode: 0o644,
      data: k.publicKey.endsWith("\n") ? k.publicKey : `${k.publicKey}\n`,
    });
  }
  if (s.keytab) entries.push({ type: "file", path: "etc/krb5.keytab", mode: 0o600, data: s.keytab });
  if (s.principal) entries.push({ type: "file", path: "afsboot/principal", mode: 0o600, data: `${s.principal}\n` });
  return writeCpio(entries);
}
