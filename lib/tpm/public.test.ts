import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootHost, startSwtpm, swtpmMissing, tpm2, type Swtpm } from "../testing/swtpm";
import { MAX_PUBLIC_BYTES, TpmPublicError, fingerprint, objectName, parsePublic, type TpmRole } from "./public";

// Parsing the public areas hosts send. The fixtures are real: ek.pub, ak.pub, ak.name and an ECC
// EK written by tpm2-tools 5.4 against swtpm 0.7.1 (the commands of lib/tpm/host-commands.ts);
// the last block runs a fresh swtpm and checks what it writes now.

const fixture = (name: string) => fs.readFileSync(path.join(import.meta.dirname, "__fixtures__", name));
const EK = fixture("ek.pub");
const AK = fixture("ak.pub");

/** The message parsePublic refuses the bytes with; a parse that succeeds fails the test. */
function refused(bytes: Buffer, role: TpmRole): string {
  try {
    parsePublic(bytes, role);
  } catch (e) {
    expect(e).toBeInstanceOf(TpmPublicError);
    expect((e as TpmPublicError).status).toBe(422);
    return (e as Error).message;
  }
  throw new Error("not refused");
}

/** A copy of `bytes` with `patch` written at `offset` (of the file, size prefix included). */
function patched(bytes: Buffer, offset: number, patch: number[]): Buffer {
  const b = Buffer.from(bytes);
  Buffer.from(patch).copy(b, offset);
  return b;
}

describe("parsePublic (real tpm2-tools files)", () => {
  it("reads the default EK template: RSA 2048, restricted decryption, AES-128-CFB, the EK policy", () => {
    const ek = parsePublic(EK, "ek");
    expect(ek).toMatchObject({ role: "ek", type: 0x0001, nameAlg: 0x000b, objectAttributes: 0x000300b2, keyBits: 2048, exponent: 65537 });
    expect(ek.symmetric).toEqual({ algorithm: 0x0006, keyBits: 128, mode: 0x0043 });
    expect(ek.scheme).toBeNull();
    expect(ek.authPolicy.toString("hex")).toBe("837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa");
    expect(ek.publicArea).toEqual(EK.subarray(2));
    expect(ek.key.asymmetricKeyType).toBe("rsa");
    expect(ek.key.asymmetricKeyDetails).toEqual({ modulusLength: 2048, publicExponent: 65537n });
    expect(ek.key.export({ format: "jwk" }).n).toBe(ek.modulus.toString("base64url"));
  });

  it("reads the AK: RSA 2048 restricted signing key, RSASSA with SHA-256", () => {
    const ak = parsePublic(AK, "ak");
    expect(ak).toMatchObject({ role: "ak", nameAlg: 0x000b, objectAttributes: 0x00050072, keyBits: 2048, symmetric: null });
    expect(ak.scheme).toEqual({ scheme: 0x0014, hashAlg: 0x000b });
    expect(ak.authPolicy.length).toBe(0);
  });

  it("names the AK as tpm2-tools does (-n): 0x000b || SHA-256(TPMT_PUBLIC)", () => {
    expect(objectName(parsePublic(AK, "ak"))).toEqual(fixture("ak.name"));
  });

  it("fingerprints like ssh: SHA256: and unpadded base64 of SHA-256(TPMT_PUBLIC)", () => {
    const fp = fingerprint(parsePublic(EK, "ek"));
    expect(fp).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(Buffer.from(fp.slice(7), "base64")).toEqual(objectName(parsePublic(EK, "ek")).subarray(2));
  });

  it("does not keep a view of the caller's buffer", () => {
    const bytes = Buffer.from(EK);
    const ek = parsePublic(bytes, "ek");
    bytes.fill(0);
    expect(ek.publicArea).toEqual(EK.subarray(2));
  });
});

describe("parsePublic refuses, with a message for the admin", () => {
  it.each<[string, () => Buffer, TpmRole, RegExp]>([
    ["an ECC endorsement key", () => fixture("ecc-ek.pub"), "ek", /^ek: not an RSA key \(type 0x0023, ECC\)/],
    ["an empty body", () => Buffer.alloc(0), "ek", /^ek: truncated public key \(0 bytes, no size\)$/],
    ["a size of 0", () => Buffer.from([0, 0]), "ak", /^ak: empty public key \(size 0\)$/],
    ["a truncated file", () => EK.subarray(0, EK.length - 1), "ek", /^ek: truncated public key \(its size says 314 bytes, 313 follow\)$/],
    ["a trailing byte", () => Buffer.concat([EK, Buffer.from([0])]), "ek", /^ek: 1 byte after the public key \(its size says 314 bytes\)$/],
    ["an oversized body", () => Buffer.alloc(MAX_PUBLIC_BYTES + 1, 1), "ek", /^ek: 1,025 bytes; a public key has at most 1,024 bytes$/],
    [
      "a modulus size that overruns the area",
      () => patched(EK, EK.length - 258, [0x01, 0x01]),
      "ek",
      /^ek: truncated public key \(unique \(modulus\) at byte 58 needs 257 bytes, 256 left\)$/,
    ],
    [
      "bytes after the modulus inside the area",
      () => Buffer.concat([Buffer.from([0x01, 0x3b]), EK.subarray(2), Buffer.from([7])]),
      "ek",
      /^ek: 1 byte after the public area \(its size says 315, the key ends at 314\)$/,
    ],
    ["the AK offered as the EK", () => AK, "ek", /^ek: attributes 0x00050072: not a decryption-only key/],
    ["the EK offered as the AK", () => EK, "ak", /^ak: attributes 0x000300b2: not a signing-only key$/],
    ["a SHA-1 name algorithm", () => patched(EK, 4, [0x00, 0x04]), "ek", /^ek: name algorithm 0x0004 is not SHA-256 \(0x000b\)$/],
    ["RSA 1024 claimed", () => patched(EK, 2 + 50, [0x04, 0x00]), "ek", /^ek: RSA 1024 bits; only RSA 2048 is accepted$/],
    ["exponent 3", () => patched(EK, 2 + 52, [0, 0, 0, 3]), "ek", /^ek: public exponent 3; only 65537 is accepted$/],
    [
      "a key that may leave its TPM (no fixedTPM)",
      () => patched(EK, 6, [0x00, 0x03, 0x00, 0xb0]),
      "ek",
      /^ek: attributes 0x000300b0: not fixedTPM and fixedParent/,
    ],
    ["an unrestricted key", () => patched(EK, 6, [0x00, 0x02, 0x00, 0xb2]), "ek", /^ek: attributes 0x000200b2: not a restricted key$/],
    ["AES-256 instead of AES-128", () => patched(EK, 2 + 44, [0x01, 0x00]), "ek", /^ek: symmetric 0x0006\/256\/0x0043 is not AES-128-CFB/],
    ["an unknown scheme", () => patched(AK, 14, [0x00, 0x99]), "ak", /^ak: unknown RSA scheme 0x0099$/],
    ["an AK signing with SHA-1", () => patched(AK, 16, [0x00, 0x04]), "ak", /^ak: scheme 0x0014 with hash 0x0004 is not RSASSA or RSAPSS/],
    ["an even modulus", () => patched(EK, EK.length - 1, [0x02]), "ek", /^ek: the modulus is not that of an RSA 2048 key$/],
    ["garbage", () => Buffer.from("0010hello, world", "latin1"), "ak", /^ak: .*truncated|^ak: not an RSA key/],
  ])("%s", (_what, bytes, role, message) => {
    expect(refused(bytes(), role)).toMatch(message);
  });
});

const missing = swtpmMissing();

describe.skipIf(missing !== null)(`a real TPM (swtpm)${missing ? `: ${missing}` : ""}`, () => {
  let tpm: Swtpm;
  beforeAll(async () => {
    tpm = await startSwtpm();
  });
  afterAll(async () => {
    await tpm?.stop();
  });

  it("parses what tpm2-tools writes, names the AK as -n does, and fingerprints the EK the same across boots", () => {
    const first = bootHost(tpm);
    expect(first.akCreated).toBe(true);
    const ek = parsePublic(first.ekPub, "ek");
    const ak = parsePublic(first.akPub, "ak");
    expect(objectName(ak)).toEqual(first.akName);

    // the next boot recreates the EK (same bytes) and reads the persistent AK
    const second = bootHost(tpm);
    expect(second.akCreated).toBe(false);
    expect(second.ekPub).toEqual(first.ekPub);
    expect(fingerprint(parsePublic(second.ekPub, "ek"))).toBe(fingerprint(ek));
    expect(second.akPub).toEqual(first.akPub);
    expect(objectName(parsePublic(second.akPub, "ak"))).toEqual(second.akName);
  });

  it("agrees with tpm2_readpublic's own name of the EK", () => {
    const boot = bootHost(tpm);
    const r = tpm2(tpm, ["tpm2_readpublic", "-c", "ek.ctx", "-n", "ek.name"], boot.dir);
    expect(r.status, r.stderr).toBe(0);
    expect(objectName(parsePublic(boot.ekPub, "ek"))).toEqual(fs.readFileSync(path.join(boot.dir, "ek.name")));
  });
});
