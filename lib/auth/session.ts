import "server-only";
import { cache } from "react";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { clientAddressOf } from "@/lib/api/client-address";
import { env } from "@/lib/env";
import { actorFromSession, createSession, deleteSession } from "@/lib/data/sessions";
import { hasRole, type Actor } from "./roles";
import type { RoleName } from "@/lib/validation/common";

export const SESSION_COOKIE = "afsboot_session";

/** The signed-in user of this request (memoised per request), or null. */
export const currentActor = cache(async (): Promise<Actor | null> => {
  const secret = await currentSessionSecret();
  return secret ? actorFromSession(secret) : null;
});

/** The secret of this request's session cookie (the session a user is acting from), or null. */
export async function currentSessionSecret(): Promise<string | null> {
  return (await cookies()).get(SESSION_COOKIE)?.value ?? null;
}

/**
 * For pages and layouts: the signed-in actor with at least `role`. Without a session it redirects
 * to /login; with too small a role, to /forbidden.
 */
export async function requireActor(role: RoleName = "viewer"): Promise<Actor> {
  const actor = await currentActor();
  if (!actor) redirect("/login");
  if (!hasRole(actor.role, role)) redirect("/forbidden");
  return actor;
}

async function secureCookies(): Promise<boolean> {
  const configured = env().AFSBOOT_SECURE_COOKIES;
  if (configured !== null) return configured;
  const h = await headers();
  return (h.get("x-forwarded-proto") ?? "").split(",")[0]!.trim() === "https";
}

/** Who signs in: the client address by the one rule of lib/api/client-address.ts, and the user agent. */
export async function clientMeta() {
  const h = await headers();
  return { ip: clientAddressOf(h), userAgent: h.get("user-agent") };
}

export async function startSession(userId: string): Promise<void> {
  const { secret, expiresAt } = await createSession(userId, await clientMeta());
  (await cookies()).set(SESSION_COOKIE, secret, {
    httpOnly: true,
    sameSite: "lax",
    secure: await secureCookies(),
    path: "/",
    expires: expiresAt,
  });
}

export async function endSession(): Promise<void> {
  const jar = await cookies();
  const secret = jar.get(SESSION_COOKIE)?.value;
  if (secret) await deleteSession(secret);
  jar.delete(SESSION_COOKIE);
}
