import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { isSealed, openSecret, sealSecret } from "./secret-box";

const secret = Buffer.from("a-server-secret-of-at-least-32-characters!!");
const other = Buffer.from("another-server-secret-of-32-characters-or-more");

describe("secret box", () => {
  it("opens what it sealed, for the same purpose and server secret only", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (plain) => {
        const sealed = sealSecret(secret, "bmc-password", plain);
        expect(isSealed(sealed)).toBe(true);
        expect(openSecret(secret, "bmc-password", sealed)).toBe(plain);
        expect(openSecret(other, "bmc-password", sealed)).toBeNull();
        expect(openSecret(secret, "ssh-host-key", sealed)).toBeNull();
      }),
      { numRuns: 50 },
    );
  });

  it("never shows the plaintext in the sealed value", () => {
    // Long enough that a chance match in the random ciphertext cannot happen
    // (a short plaintext's base64 may well occur in it: that was a flaky check).
    const plain = "-----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ";
    for (let i = 0; i < 20; i++) {
      const sealed = sealSecret(secret, "ssh-host-key", plain);
      expect(sealed).not.toContain(plain.slice(0, 24));
      expect(sealed).not.toContain(Buffer.from(plain).toString("base64url").slice(0, 24));
      expect(Buffer.from(sealed.split(".")[2]!, "base64url").includes(Buffer.from(plain).subarray(0, 16))).toBe(false);
    }
  });

  it("seals the same plaintext differently each time (random IV)", () => {
    expect(sealSecret(secret, "p", "hunter2")).not.toBe(sealSecret(secret, "p", "hunter2"));
  });

  it("refuses an altered or malformed value", () => {
    const sealed = sealSecret(secret, "p", "hunter2");
    const [v, iv, ct, tag] = sealed.split(".") as [string, string, string, string];
    const flipped = Buffer.from(ct, "base64url");
    flipped[0] = flipped[0]! ^ 1;
    for (const bad of [
      `${v}.${iv}.${flipped.toString("base64url")}.${tag}`,
      `${v}.${iv}.${ct}`,
      `v2.${iv}.${ct}.${tag}`,
      "hunter2",
      "",
      `${sealed}.x`,
      `${v}.${iv}.${ct}.AAAA`,
    ])
      expect(openSecret(secret, "p", bad)).toBeNull();
  });
});
