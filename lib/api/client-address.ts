import type { NextRequest } from "next/server";
import { env } from "@/lib/env";

/**
 * Who sent a request, for the per-address rate limits. Only hops we trust count:
 * AFSBOOT_TRUST_PROXY=N (default 0) is the number of reverse proxies in front of the console, each
 * appending the address it received the request from to X-Forwarded-For. The client is then the
 * N-th address from the right of [X-Forwarded-For hops…, socket peer]; whatever a client wrote
 * into X-Forwarded-For itself sits further left and is never used. ("1" keeps its old meaning:
 * one proxy.)
 */
/** An address as the console compares it: an IPv4-mapped IPv6 address (::ffff:10.0.0.11) as plain IPv4. */
export const plainAddress = (address: string) => address.replace(/^::ffff:/i, "");

export function addressFromHops(forwardedFor: string | null | undefined, peer: string | null | undefined): string {
  const hops = (forwardedFor ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const chain = (peer ? [...hops, peer] : hops).map(plainAddress);
  if (!chain.length) return "unknown";
  return chain[Math.max(0, chain.length - 1 - env().AFSBOOT_TRUST_PROXY)]!;
}

/** Set by the console server (bin/afsboot-server.mjs) on every request it passes to Next.js. */
export const CLIENT_HEADER = "x-afsboot-client";

/**
 * The client's address in a Next.js route. Behind the console server it is the header that
 * server computed from the socket (it removes any such header a client sent). Under plain
 * `next start` (no socket address reaches the route), the X-Forwarded-For rule above without the
 * peer: put such a console behind a proxy that overwrites X-Forwarded-For.
 */
export function clientAddress(req: NextRequest): string {
  return clientAddressOf(req.headers);
}

/** The same rule on a request's headers (server actions and pages: `await headers()`). */
export function clientAddressOf(h: Pick<Headers, "get">): string {
  if (env().AFSBOOT_CONSOLE_SERVER) return h.get(CLIENT_HEADER) ?? "unknown";
  return addressFromHops(h.get("x-forwarded-for"), null);
}
