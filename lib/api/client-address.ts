import type { NextRequest } from "next/server";

/**
 * The client's address as Next.js passes it on (x-forwarded-for, the socket peer appended last).
 * Behind a reverse proxy set AFSBOOT_TRUST_PROXY=1 to take the first hop the proxy recorded.
 */
export function clientAddress(req: NextRequest): string {
  const hops = (req.headers.get("x-forwarded-for") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (!hops.length) return "unknown";
  return process.env.AFSBOOT_TRUST_PROXY === "1" ? hops[0]! : hops[hops.length - 1]!;
}
