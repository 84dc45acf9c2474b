import "server-only";
import { db } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { API_TOKEN_PREFIX, newApiToken, sha256Hex } from "@/lib/auth/secrets";
import { fromDbError, notFound } from "@/lib/errors";
import type { ApiTokenInput } from "@/lib/validation/api-token";
import { recordAudit } from "./audit";
import { authorize } from "./authorize";

const listed = { id: true, name: true, prefix: true, role: true, createdAt: true, lastUsedAt: true, revokedAt: true, expiresAt: true } as const;

/** Creates a token and returns its secret: the only time it is ever shown. */
export async function createApiToken(actor: Actor, input: ApiTokenInput) {
  authorize(actor, "admin");
  const { token, prefix, hash } = newApiToken();
  try {
    const row = await db.$transaction(async (tx) => {
      const created = await tx.apiToken.create({
        data: { name: input.name, role: input.role, prefix, tokenHash: hash, createdById: actor.type === "user" ? actor.id : null },
        select: listed,
      });
      await recordAudit(tx, actor, "token.create", { type: "api-token", id: created.id, name: created.name }, undefined, created);
      return created;
    });
    return { token, row };
  } catch (e) {
    fromDbError(e, { name: "token name" });
  }
}

export async function listApiTokens(actor: Actor) {
  authorize(actor, "admin");
  return db.apiToken.findMany({ select: { ...listed, createdBy: { select: { username: true } } }, orderBy: { createdAt: "desc" } });
}

export async function revokeApiToken(actor: Actor, id: string) {
  authorize(actor, "admin");
  const before = await db.apiToken.findUnique({ where: { id }, select: listed });
  if (!before) throw notFound("API token");
  if (before.revokedAt) return before;
  return db.$transaction(async (tx) => {
    const after = await tx.apiToken.update({ where: { id }, data: { revokedAt: new Date() }, select: listed });
    await recordAudit(tx, actor, "token.revoke", { type: "api-token", id, name: before.name }, before, after);
    return after;
  });
}

/** The actor behind a bearer token, or null. Records last use at most once a minute. */
export async function actorFromApiToken(token: string): Promise<Actor | null> {
  if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 100) return null;
  const row = await db.apiToken.findUnique({ where: { tokenHash: sha256Hex(token) } });
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= new Date())) return null;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } }).catch(() => undefined);
  }
  return { type: "token", id: row.id, name: `token:${row.name}`, role: row.role };
}
