import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootHost, startSwtpm, swtpmMissing, tpm2, type HostBoot, type Swtpm } from "../testing/swtpm";
import { SECRET_BYTES, kdfa, makeCredential, readCredentialFile } from "./credential";
import { TpmPublicError, objectName, parsePublic } from "./public";

// MakeCredential in software, judged by the real thing: swtpm activates what makeCredential makes
// (and an impostor TPM cannot), and tpm2-tools' own `tpm2_makecredential -T none` writes the same
// layout that the same software opening accepts.

const fixture = (name: string) => fs.readFileSync(path.join(import.meta.dirname, "__fixtures__", name));
const EK = fixture("ek.pub");
const AK = fixture("ak.pub");
const OAEP = { padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: Buffer.from("IDENTITY\0", "latin1") };
const none = Buffer.alloc(0);

/** TPM2_ActivateCredential in software, for an EK whose private key the test holds. */
function openCredential(file: Buffer, ekPrivate: crypto.KeyObject, akName: Buffer): Buffer {
  const { credentialBlob, encryptedSecret } = readCredentialFile(file);
  const seed = crypto.privateDecrypt({ key: ekPrivate, ...OAEP }, encryptedSecret);
  expect(seed.length).toBe(32);
  const hmacSize = credentialBlob.readUInt16BE(0);
  const outerHmac = credentialBlob.subarray(2, 2 + hmacSize);
  const encIdentity = credentialBlob.subarray(2 + hmacSize);
  const expected = crypto
    .createHmac("sha256", kdfa(seed, "INTEGRITY", none, none, 256))
    .update(encIdentity)
    .update(akName)
    .digest();
  if (outerHmac.length !== expected.length || !crypto.timingSafeEqual(outerHmac, expected)) throw new Error("integrity check failed");
  const decipher = crypto.createDecipheriv("aes-128-cfb", kdfa(seed, "STORAGE", akName, none, 128), Buffer.alloc(16));
  const plain = Buffer.concat([decipher.update(encIdentity), decipher.final()]);
  expect(plain.readUInt16BE(0)).toBe(plain.length - 2);
  return plain.subarray(2);
}

/** The fixture EK with another modulus: an EK whose private key the test holds. */
function ekWithKnownKey(): { ekPub: Buffer; privateKey: crypto.KeyObject } {
  const { publicKey, privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 65537 });
  const n = Buffer.from(publicKey.export({ format: "jwk" }).n!, "base64url");
  expect(n.length).toBe(256);
  return { ekPub: Buffer.concat([EK.subarray(0, EK.length - 256), n]), privateKey };
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-tpm-test-"));
}

describe("kdfa", () => {
  it("is HMAC-SHA256(key, [1]32 || label || 0 || contextU || contextV || [bits]32), truncated to bits", () => {
    const key = Buffer.alloc(32, 7);
    const u = Buffer.from("u");
    const block = (i: number) =>
      crypto
        .createHmac("sha256", key)
        .update(Buffer.from([0, 0, 0, i, ...Buffer.from("STORAGE\0"), ...u, 0, 0, 0x01, 0x80]))
        .digest();
    expect(kdfa(key, "STORAGE", u, none, 384)).toEqual(Buffer.concat([block(1), block(2)]).subarray(0, 48));
    expect(kdfa(key, "INTEGRITY", none, none, 128)).toHaveLength(16);
  });
});

describe("makeCredential", () => {
  const ek = parsePublic(EK, "ek");
  const akName = objectName(parsePublic(AK, "ak"));

  it("writes tpm2-tools' credential file: magic, version 1, TPM2B_ID_OBJECT (HMAC + 34 encrypted bytes), TPM2B_ENCRYPTED_SECRET (256)", () => {
    const file = makeCredential(ek, akName, crypto.randomBytes(SECRET_BYTES));
    expect(file.subarray(0, 8).toString("hex")).toBe("badcc0de00000001");
    const { credentialBlob, encryptedSecret } = readCredentialFile(file);
    expect(credentialBlob.length).toBe(2 + 32 + 2 + SECRET_BYTES);
    expect(credentialBlob.readUInt16BE(0)).toBe(32);
    expect(encryptedSecret.length).toBe(256);
    expect(file.length).toBe(8 + 2 + 68 + 2 + 256);
  });

  it("is opened in software by the EK's private key for that AK name only", () => {
    const { ekPub, privateKey } = ekWithKnownKey();
    const secret = crypto.randomBytes(SECRET_BYTES);
    const file = makeCredential(parsePublic(ekPub, "ek"), akName, secret);
    expect(openCredential(file, privateKey, akName)).toEqual(secret);
    const otherName = Buffer.concat([akName.subarray(0, 2), crypto.randomBytes(32)]);
    expect(() => openCredential(file, privateKey, otherName)).toThrow("integrity check failed");
  });

  it("draws a fresh seed each time", () => {
    const secret = crypto.randomBytes(SECRET_BYTES);
    expect(makeCredential(ek, akName, secret)).not.toEqual(makeCredential(ek, akName, secret));
  });

  it("refuses a secret of the wrong size, a malformed AK name, an AK as the EK", () => {
    expect(() => makeCredential(ek, akName, Buffer.alloc(16))).toThrow("the secret must be 32 bytes, not 16");
    expect(() => makeCredential(ek, akName.subarray(2), crypto.randomBytes(32))).toThrow(TpmPublicError);
    expect(() => makeCredential(ek, Buffer.concat([Buffer.from([0, 4]), akName.subarray(2)]), crypto.randomBytes(32))).toThrow(/ak: a name is 0x000b/);
    expect(() => makeCredential(parsePublic(AK, "ak"), akName, crypto.randomBytes(32))).toThrow(/^ek: not an endorsement key/);
  });

  it("readCredentialFile refuses a wrong magic, a truncated file and trailing bytes", () => {
    const file = makeCredential(ek, akName, crypto.randomBytes(SECRET_BYTES));
    expect(() => readCredentialFile(Buffer.concat([Buffer.from([0]), file.subarray(1)]))).toThrow(/magic/);
    expect(() => readCredentialFile(file.subarray(0, file.length - 1))).toThrow(/truncated/);
    expect(() => readCredentialFile(Buffer.concat([file, Buffer.from([0])]))).toThrow(/1 bytes after/);
  });
});

const missing = swtpmMissing();

describe.skipIf(missing !== null)(`against tpm2-tools and real TPMs (swtpm)${missing ? `: ${missing}` : ""}`, () => {
  let tpm: Swtpm;
  let impostor: Swtpm;
  let host: HostBoot;
  let work: string;
  beforeAll(async () => {
    [tpm, impostor] = await Promise.all([startSwtpm(), startSwtpm()]);
    host = bootHost(tpm);
    work = tmpDir();
  });
  afterAll(async () => {
    await Promise.all([tpm?.stop(), impostor?.stop()]);
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  /** What the console does with what the host sent: parse both keys, name the AK from its public area. */
  function credentialFor(boot: Pick<HostBoot, "ekPub" | "akPub">, secret: Buffer): Buffer {
    return makeCredential(parsePublic(boot.ekPub, "ek"), objectName(parsePublic(boot.akPub, "ak")), secret);
  }

  /** `tpm2_makecredential -T none` (no TPM involved), as the reference. */
  function toolsCredential(ekPub: Buffer, akName: Buffer, secret: Buffer): Buffer {
    const dir = fs.mkdtempSync(path.join(work, "mc-"));
    fs.writeFileSync(path.join(dir, "ek.pub"), ekPub);
    fs.writeFileSync(path.join(dir, "secret"), secret);
    const r = tpm2({ tcti: "none" }, ["tpm2_makecredential", "-T", "none", "-u", "ek.pub", "-s", "secret", "-n", akName.toString("hex"), "-o", "cred"], dir);
    expect(r.status, r.stderr).toBe(0);
    return fs.readFileSync(path.join(dir, "cred"));
  }

  it("the host's TPM activates the credential and returns the exact secret", () => {
    const secret = crypto.randomBytes(SECRET_BYTES);
    const r = host.activate(credentialFor(host, secret));
    expect(r).toEqual({ ok: true, key: secret });
  });

  it("works on the next boot too (EK recreated, AK read from 0x81010002), twice in a row", () => {
    const again = bootHost(tpm);
    expect(again.akCreated).toBe(false);
    for (let i = 0; i < 2; i++) {
      const secret = crypto.randomBytes(SECRET_BYTES);
      expect(again.activate(credentialFor(again, secret))).toEqual({ ok: true, key: secret });
    }
  });

  it("an impostor TPM (another EK, its own AK at the same handle) cannot activate it", () => {
    const other = bootHost(impostor);
    expect(other.ekPub).not.toEqual(host.ekPub);
    const secret = crypto.randomBytes(SECRET_BYTES);
    const r = other.activate(credentialFor(host, secret));
    expect(r.ok).toBe(false);
    // libtpms answers a seed it cannot decrypt with TPM_RC_FAILURE (0x101, "commands not being
    // accepted because of a TPM failure") yet keeps working; a hardware TPM may answer another code
    if (!r.ok) expect(r.error).toMatch(/Esys_ActivateCredential\(0x[0-9A-F]+\)/);
    // nor when the console was shown the impostor's AK with the real EK: the EK is not its TPM's
    const forImpostorAk = credentialFor({ ekPub: host.ekPub, akPub: other.akPub }, secret);
    expect(other.activate(forImpostorAk).ok).toBe(false);
    // the refusals are about the credentials: the impostor activates one made for itself
    const own = crypto.randomBytes(SECRET_BYTES);
    expect(other.activate(credentialFor(other, own))).toEqual({ ok: true, key: own });
  });

  it("a credential made for another AK name fails the integrity check in the host's TPM", () => {
    const ek = parsePublic(host.ekPub, "ek");
    const otherName = Buffer.concat([Buffer.from([0x00, 0x0b]), crypto.randomBytes(32)]);
    const r = host.activate(makeCredential(ek, otherName, crypto.randomBytes(SECRET_BYTES)));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain("integrity check failed");
  });

  it("has the layout of tpm2_makecredential -T none, and each one's output is opened the same way", () => {
    const { ekPub, privateKey } = ekWithKnownKey();
    const akName = objectName(parsePublic(host.akPub, "ak"));
    const secret = crypto.randomBytes(SECRET_BYTES);
    const theirs = toolsCredential(ekPub, akName, secret);
    const ours = makeCredential(parsePublic(ekPub, "ek"), akName, secret);
    expect(ours.length).toBe(theirs.length);
    expect(ours.subarray(0, 8)).toEqual(theirs.subarray(0, 8));
    const [t, o] = [readCredentialFile(theirs), readCredentialFile(ours)];
    expect(o.credentialBlob.length).toBe(t.credentialBlob.length);
    expect(o.credentialBlob.subarray(0, 2)).toEqual(t.credentialBlob.subarray(0, 2));
    expect(o.encryptedSecret.length).toBe(t.encryptedSecret.length);
    expect(openCredential(theirs, privateKey, akName)).toEqual(secret);
    expect(openCredential(ours, privateKey, akName)).toEqual(secret);
  });

  it("the TPM activates tpm2-tools' credential the same as ours (the reference works as /init expects)", () => {
    const secret = crypto.randomBytes(SECRET_BYTES);
    expect(host.activate(toolsCredential(host.ekPub, host.akName, secret))).toEqual({ ok: true, key: secret });
  });
});
