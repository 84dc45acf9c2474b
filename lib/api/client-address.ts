import type { NextRequest } from "next/server";

/**
 * The client's address from the x-forwarded-for hops (Next.js appends the socket peer last; the
 * console server's fast path passes the same list). Behind a reverse proxy set
 * AFSBOOT_TRUST_PROXY=1 to take the first hop the proxy recorded.
 */
export function addressFromHops(forwardedFor: string | null | undefined): string {
  const hops = (forwardedFor ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (!hops.length) return "unknown";
  return process.env.AFSBOOT_TRUST_PROXY === "1" ? hops[0]! : hops[hops.length - 1]!;
}

export const clientAddress = (req: NextRequest): string => addressFromHops(req.headers.get("x-forwarded-for"));
