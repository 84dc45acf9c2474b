import crypto from "node:crypto";

// A host's report token travels in its published PXE config, so it must be re-derivable when the
// configs are regenerated: HMAC-SHA256 of the server secret over the host id and its token
// generation. Rotation bumps the generation; the secret lives outside the database.

export function hostReportToken(secret: Buffer, hostId: string, generation: number): string {
  return crypto.createHmac("sha256", secret).update(`afsboot-host-report:v1:${hostId}:${generation}`).digest("base64url");
}

/** Constant-time check of a presented token against the host's current one. */
export function verifyHostReportToken(secret: Buffer, hostId: string, generation: number, presented: string): boolean {
  return tokenMatches(Buffer.from(hostReportToken(secret, hostId, generation)), presented);
}

/**
 * Constant-time check of a presented token against a host's current token as bytes (the report
 * path keeps those with its cached host, derived again whenever the host's generation or the
 * secret differs: lib/data/boot-reporters.ts).
 */
export function tokenMatches(expected: Buffer, presented: string): boolean {
  const given = Buffer.from(presented);
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}
