import crypto from "node:crypto";

// Random secrets for sessions and API tokens. Only their sha256 is stored: a leaked database
// does not let anyone sign in.

export function randomSecret(bytes = 32): string {
  return crypto.randomBytes(bytes).toString("base64url");
}

export function sha256Hex(text: string): string {
  return crypto.createHash("sha256").update(text, "utf8").digest("hex");
}

/** Constant-time string comparison (lengths may differ). */
export function safeEqual(a: string, b: string): boolean {
  const ha = crypto.createHash("sha256").update(a).digest();
  const hb = crypto.createHash("sha256").update(b).digest();
  return crypto.timingSafeEqual(ha, hb) && a.length === b.length;
}

export const API_TOKEN_PREFIX = "afsb_";

/** A new API token: the secret shown once, and what is stored. */
export function newApiToken(): { token: string; prefix: string; hash: string } {
  const token = API_TOKEN_PREFIX + randomSecret(30);
  return { token, prefix: token.slice(0, API_TOKEN_PREFIX.length + 6), hash: sha256Hex(token) };
}
