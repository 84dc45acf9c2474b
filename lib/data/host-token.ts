import "server-only";
import { db } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { hostReportToken } from "@/lib/auth/host-token";
import { exportDir, serverSecret } from "@/lib/env";
import { AppError, notFound } from "@/lib/errors";
import { recordAudit } from "./audit";
import { authorize } from "./authorize";
import { bumpHostsCounter, invalidateReporters } from "./boot-reporters";
import { publish } from "./publish";

// A host's report token: HMAC of the server secret, the host id and its token generation, so it
// is re-derived for every publication and never stored. Rotating it bumps the generation (the old
// token stops working at once) and republishes that host's files, which carry the new one.

export async function hostToken(actor: Actor, name: string) {
  authorize(actor, "operator");
  const h = await db.host.findUnique({ where: { name }, select: { id: true, tokenGeneration: true } });
  if (!h) throw notFound(`no host named ${name}`);
  return { token: hostReportToken(serverSecret(), h.id, h.tokenGeneration), generation: h.tokenGeneration };
}

export async function rotateHostToken(actor: Actor, name: string) {
  authorize(actor, "operator");
  const h = await db.$transaction(async (tx) => {
    const row = await tx.host.findUnique({ where: { name }, select: { id: true, tokenGeneration: true } });
    if (!row) throw notFound(`no host named ${name}`);
    const next = await tx.host.update({ where: { id: row.id }, data: { tokenGeneration: { increment: 1 } }, select: { tokenGeneration: true } });
    await recordAudit(tx, actor, "host.token_rotate", { type: "host", id: row.id, name }, { tokenGeneration: row.tokenGeneration }, { tokenGeneration: next.tokenGeneration });
    return { id: row.id, generation: next.tokenGeneration };
  });
  invalidateReporters();
  // the old token stops working on every console replica too (within a second)
  await bumpHostsCounter().catch(() => undefined);
  // the host's published PXE configs carry the token: publish them again (its files only)
  let published: { ok: true; files: number } | { ok: false; error: string };
  try {
    const r = await publish(actor, { outDir: exportDir(), hosts: [name] });
    published = { ok: true, files: r.changes.length };
  } catch (e) {
    published = { ok: false, error: e instanceof AppError ? e.message : "the publication failed; see the server log" };
    if (!(e instanceof AppError)) throw e;
  }
  return { generation: h.generation, published };
}
