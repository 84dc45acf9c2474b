import "server-only";
import crypto from "node:crypto";
import { db } from "@/lib/db";
import { normalizeMac } from "@/lib/inventory/mac";
import { effectiveIdentity, type IdentityModeName } from "@/lib/boot/identity-mode";
import type { Actor } from "@/lib/auth/roles";
import { serverSecret } from "@/lib/env";
import { AppError, conflict, notFound } from "@/lib/errors";
import { openSecret, sealSecret } from "@/lib/crypto/secret-box";
import { bundleArchive, encryptBundle, KEY_BYTES, proofMatches } from "@/lib/identity/bundle";
import { fingerprint, objectName, parsePublic } from "@/lib/tpm/public";
import { makeCredential } from "@/lib/tpm/credential";
import type { ActivateInput, BundleInput } from "@/lib/validation/identity";
import { recordAudit } from "./audit";
import { authorize } from "./authorize";
import { identify } from "./boot-reporters";
import { hostSecretsFor, principalOf } from "./host-secrets";

// Host identity (docs/security.md): a host proves it is the machine enrolled under its name by its
// TPM, pinned to the host, before it gets its secrets; the secrets bundle is encrypted under a
// per-boot key only that TPM can unwrap (TPM2_MakeCredential to its EK and AK). The weaker mode
// (no TPM) trusts the host's own address and a privileged source port, like Warewulf.

/** How long an activation waits for its bundle fetch before its key is erased. */
export const ACTIVATION_TTL_MS = 5 * 60_000;
/** Activations one boot may ask for (retries after lost answers, replicas) before it is refused. */
export const MAX_ACTIVATIONS_PER_BOOT = 5;
/** How long activation rows (the deliveries on the host page) are kept. */
const ACTIVATION_KEEP_MS = 90 * 24 * 3600_000;
const KEY_PURPOSE = "identity-activation";
/** the actor of what a booting host does (audit log) */
const HOST_ACTOR = (name: string): Actor => ({ type: "system", id: null, name: `host ${name}`, role: "viewer" });

/** A refusal a booting host gets: status, code and one line /init reports at afs (X-AFSBoot-Refused). */
const refuse = (status: number, code: string, message: string) => new AppError(status, code, message);

type HostRow = NonNullable<Awaited<ReturnType<typeof loadHost>>>;

/** The host by id (a booting host, identified) or by name (an admin's action). */
async function loadHost(where: { id: string } | { name: string }) {
  return db.host.findUnique({
    where,
    select: {
      id: true,
      name: true,
      ip: true,
      identity: true,
      network: { select: { identity: true, identityEnrolment: true, domain: true } },
      cell: { select: { name: true, realm: true } },
      tpm: true,
    },
  });
}

export const identityMode = (h: { identity: IdentityModeName | null; network: { identity: IdentityModeName } }) => effectiveIdentity(h.identity, h.network.identity);

/** The booting host behind a MAC and its report token, or a refusal (audited where a host is known). */
async function bootingHost(mac: string, token: string): Promise<HostRow> {
  const who = await identify(mac, token);
  if (who.kind === "unknown") throw refuse(404, "not_found", `MAC ${mac} is not enrolled`);
  if (who.kind === "refused") throw refuse(401, "unauthorized", who.message);
  const h = await loadHost({ id: who.host.id });
  if (!h) throw refuse(404, "not_found", `MAC ${mac} is not enrolled`);
  return h;
}

async function auditRefusal(h: HostRow, bootId: string, ip: string, reason: string) {
  await recordAudit(db, HOST_ACTOR(h.name), "identity.refused", { type: "host", id: h.id, name: h.name }, undefined, { bootId, ip, reason });
}

/** A malformed identity request (bad EK/AK encoding, oversized, bad ids) from an enrolled host's MAC and token: audited on that host. */
export async function auditMalformed(fields: Record<string, unknown>, reason: string, ip: string) {
  const mac = typeof fields.mac === "string" ? normalizeMac(fields.mac) : null;
  if (!mac || typeof fields.token !== "string") return;
  const who = await identify(mac, fields.token);
  if (who.kind !== "host") return;
  const bootId = typeof fields.bootId === "string" ? fields.bootId.slice(0, 64) : "";
  await recordAudit(db, HOST_ACTOR(who.host.name), "identity.refused", { type: "host", id: who.host.id, name: who.host.name }, undefined, { bootId, ip, reason: reason.slice(0, 500) });
}

/** Erase the keys of activations whose bundle was never fetched in time. */
async function sweepExpired(now: Date) {
  await db.identityActivation.updateMany({ where: { expiresAt: { lt: now }, keySealed: { not: null } }, data: { keySealed: null } });
  // by expiresAt (indexed; at most ACTIVATION_TTL_MS after createdAt): no scan of every boot's row
  await db.identityActivation.deleteMany({ where: { expiresAt: { lt: new Date(now.getTime() - ACTIVATION_KEEP_MS) } } });
}

/**
 * Step 1 of a boot's secrets: the host shows its TPM's EK and AK. A pinned TPM gets a credential
 * only it can activate (the per-boot key inside); a first TPM is pinned (tofu) or waits for an
 * admin; a different TPM flags the host (identity mismatch) and gets nothing.
 */
export async function activateIdentity(input: ActivateInput, ip: string): Promise<{ activation: string; credential: Buffer }> {
  const h = await bootingHost(input.mac, input.token);
  const fail = async (status: number, code: string, reason: string): Promise<never> => {
    await auditRefusal(h, input.bootId, ip, reason);
    throw refuse(status, code, reason);
  };
  const mode = identityMode(h);
  if (mode !== "tpm") return fail(409, "conflict", `host ${h.name} does not use a TPM identity (its identity mode is ${mode})`);
  let ek, ak;
  try {
    ek = parsePublic(input.ek, "ek");
    ak = parsePublic(input.ak, "ak");
  } catch (e) {
    return fail(422, "invalid", e instanceof Error ? e.message : "unreadable TPM public key");
  }
  const ekFp = fingerprint(ek);
  const akName = objectName(ak).toString("hex");
  const now = new Date();
  const target = { type: "host", id: h.id, name: h.name };
  const pinned = h.tpm?.ekFingerprint ?? null;

  if (pinned !== ekFp) {
    const candidate = { candidateEkPublic: input.ek.toString("base64"), candidateAkPublic: input.ak.toString("base64"), candidateFingerprint: ekFp, candidateAt: now, candidateIp: ip };
    if (!pinned && h.network.identityEnrolment === "tofu") {
      // only the first of two first boots at once pins (the other then differs: a mismatch)
      const won = await db.$transaction(async (tx) => {
        const pin = { ekPublic: input.ek.toString("base64"), akPublic: input.ak.toString("base64"), ekFingerprint: ekFp, akName, pinnedAt: now, pinnedBy: "first use" };
        const clear = { candidateEkPublic: null, candidateAkPublic: null, candidateFingerprint: null, candidateAt: null, candidateIp: null, mismatch: false };
        if (h.tpm) {
          const r = await tx.hostTpm.updateMany({ where: { hostId: h.id, ekFingerprint: null }, data: { ...pin, ...clear } });
          if (r.count !== 1) return false;
        } else {
          try {
            await tx.hostTpm.create({ data: { hostId: h.id, ...pin, ...clear } });
          } catch (e) {
            if ((e as { code?: string }).code === "P2002") return false;
            throw e;
          }
        }
        await recordAudit(tx, HOST_ACTOR(h.name), "identity.pin", target, undefined, { fingerprint: ekFp, by: "first use", bootId: input.bootId, ip });
        return true;
      });
      if (!won) return fail(409, "conflict", `another TPM was pinned to host ${h.name} at this moment: boot again`);
    } else {
      const mismatch = pinned !== null;
      const reason = mismatch
        ? `identity mismatch: this TPM (${ekFp}) is not the one pinned to host ${h.name} (${pinned}); no secrets until an admin approves it on the host page`
        : `TPM ${ekFp} of host ${h.name} awaits an admin's approval on the host page`;
      const seenBefore = h.tpm?.candidateFingerprint === ekFp;
      await db.$transaction(async (tx) => {
        await tx.hostTpm.upsert({ where: { hostId: h.id }, create: { hostId: h.id, ...candidate, mismatch }, update: { ...candidate, mismatch } });
        await recordAudit(tx, HOST_ACTOR(h.name), mismatch ? "identity.mismatch" : "identity.pending", target, undefined, {
          fingerprint: ekFp,
          pinned,
          bootId: input.bootId,
          ip,
          seenBefore,
        });
      });
      throw refuse(403, mismatch ? "identity_mismatch" : "identity_pending", reason);
    }
  }
  // An AK that is not the pinned one (the TPM was cleared, or someone else's AK beside the
  // pinned EK's public key, which anyone may copy) is pinned only at delivery, once the proof
  // shows the TPM holding that EK activated the credential made for it.

  await sweepExpired(now);
  // several activations of one boot are allowed (a retry after a lost answer, another replica):
  // the delivery is what happens once per boot; a bound keeps rows and work finite
  const earlier = await db.identityActivation.findMany({ where: { hostId: h.id, bootId: input.bootId }, select: { deliveredAt: true } });
  if (earlier.some((a) => a.deliveredAt)) return fail(409, "replayed", `the secrets of boot ${input.bootId} of host ${h.name} were already delivered: once per boot`);
  if (earlier.length >= MAX_ACTIVATIONS_PER_BOOT)
    return fail(429, "rate_limited", `boot ${input.bootId} of host ${h.name} asked ${earlier.length} times: at most ${MAX_ACTIVATIONS_PER_BOOT} activations per boot`);
  const key = crypto.randomBytes(KEY_BYTES);
  const id = crypto.randomBytes(16).toString("hex");
  await db.identityActivation.create({
    data: {
      id,
      hostId: h.id,
      bootId: input.bootId,
      mode: "tpm",
      ip,
      keySealed: sealSecret(serverSecret(), KEY_PURPOSE, key.toString("base64")),
      expiresAt: new Date(now.getTime() + ACTIVATION_TTL_MS),
      ekFingerprint: ekFp,
      akName,
      akPublic: input.ak.toString("base64"),
    },
  });
  return { activation: id, credential: makeCredential(ek, Buffer.from(akName, "hex"), key) };
}

/**
 * Step 2: the host proves it unwrapped the per-boot key (an HMAC of the activation id under it)
 * and gets its bundle, encrypted under that key; once per boot. In the weaker source-port mode
 * the bundle is answered in the clear to the host's own address from a privileged port.
 */
export async function deliverBundle(input: BundleInput, from: { ip: string; port: number | null }): Promise<{ body: Buffer; encrypted: boolean }> {
  const h = await bootingHost(input.mac, input.token);
  const fail = async (status: number, code: string, reason: string): Promise<never> => {
    await auditRefusal(h, input.bootId, from.ip, reason);
    throw refuse(status, code, reason);
  };
  const mode = identityMode(h);
  const now = new Date();
  let key: Buffer | null = null;
  let activationId: string;
  if (mode === "tpm") {
    if (!input.activation || !input.proof) return fail(422, "invalid", "a TPM host sends its activation and proof");
    const a = await db.identityActivation.findUnique({ where: { id: input.activation } });
    if (!a || a.hostId !== h.id) return fail(404, "not_found", `no activation ${input.activation} for host ${h.name}`);
    if (a.bootId !== input.bootId) return fail(409, "conflict", `activation ${input.activation} belongs to boot ${a.bootId}, not ${input.bootId}`);
    if (a.deliveredAt) return fail(409, "replayed", `the secrets of boot ${a.bootId} were already delivered at ${a.deliveredAt.toISOString()}: once per boot`);
    if (a.expiresAt < now || !a.keySealed) return fail(410, "expired", `activation ${input.activation} expired (${ACTIVATION_TTL_MS / 60_000} minutes); reboot to get a new one`);
    const opened = openSecret(serverSecret(), KEY_PURPOSE, a.keySealed);
    if (!opened) return fail(409, "conflict", "the activation's key cannot be read (the server secret changed); reboot");
    key = Buffer.from(opened, "base64");
    if (!proofMatches(key, a.id, input.proof)) return fail(403, "forbidden", `wrong proof for activation ${a.id}: the host did not unwrap its key`);
    // the TPM it was made for must still be the pinned one (an admin may have forgotten or
    // replaced it since)
    const t = h.tpm;
    if (!t?.ekFingerprint || t.ekFingerprint !== a.ekFingerprint) return fail(409, "conflict", `the TPM pinned to host ${h.name} changed since activation ${a.id}: boot again`);
    if (a.akName && t.akName !== a.akName) {
      // the TPM holding the pinned EK activated a credential for this AK: it lives there; pinned in its place
      await db.$transaction(async (tx) => {
        await tx.hostTpm.update({ where: { hostId: h.id }, data: { akPublic: a.akPublic, akName: a.akName } });
        await recordAudit(tx, HOST_ACTOR(h.name), "identity.ak_repin", { type: "host", id: h.id, name: h.name }, { akName: t.akName }, { akName: a.akName, bootId: input.bootId, ip: from.ip });
      });
    }
    activationId = a.id;
  } else if (mode === "port") {
    if (from.port === null) return fail(409, "conflict", "the source-port mode needs the console server's own socket (not behind a reverse proxy, AFSBOOT_TRUST_PROXY=0)");
    if (from.ip !== h.ip) return fail(403, "forbidden", `the request came from ${from.ip}, not host ${h.name}'s address ${h.ip}`);
    if (from.port >= 1024) return fail(403, "forbidden", `the request came from port ${from.port}: the source-port mode needs a privileged port (< 1024)`);
    activationId = crypto.randomBytes(16).toString("hex");
    await db.identityActivation.create({ data: { id: activationId, hostId: h.id, bootId: input.bootId, mode: "port", ip: from.ip, expiresAt: now } });
  } else {
    return fail(409, "conflict", `host ${h.name} gets no secrets (its identity mode is none)`);
  }

  const secrets = await hostSecretsFor(h);
  const archive = bundleArchive(secrets.bundle);
  // exactly once, whichever replica the two fetches of one boot reached
  // (deliveredBoot is unique: a second delivery for the boot, by any activation, fails here)
  const taken = await db
    .$transaction(async (tx) => {
      const r = await tx.identityActivation.updateMany({ where: { id: activationId, deliveredAt: null }, data: { deliveredAt: now, keySealed: null, deliveredBoot: `${h.id} ${input.bootId}` } });
      if (r.count !== 1) return false;
    await recordAudit(tx, HOST_ACTOR(h.name), "secrets.deliver", { type: "host", id: h.id, name: h.name }, undefined, {
      bootId: input.bootId,
      ip: from.ip,
      mode,
      ssh: secrets.summary.ssh,
      keytab: secrets.summary.keytab,
      ...(secrets.summary.keytabLeftOut ? { keytabLeftOut: secrets.summary.keytabLeftOut } : {}),
    });
    return true;
  })
    .catch((e: unknown) => {
      if ((e as { code?: string }).code === "P2002") return false;
      throw e;
    });
  if (!taken) {
    if (mode === "port") await db.identityActivation.deleteMany({ where: { id: activationId, deliveredAt: null } });
    return fail(409, "replayed", `the secrets of boot ${input.bootId} were already delivered: once per boot`);
  }
  return { body: key ? encryptBundle(key, archive) : archive, encrypted: key !== null };
}

// ------------------------------------------------------------------ admins

async function hostByName(name: string) {
  const row = await loadHost({ name });
  if (!row) throw notFound(`no host named ${name}`);
  return row;
}

/** Pin the TPM the host last showed (its first, or a different one after a mismatch). */
export async function approveTpm(actor: Actor, name: string, fingerprintShown: string) {
  // admin: a pinned TPM gets the host's keytab and SSH host keys, which only admins handle
  authorize(actor, "admin");
  const h = await hostByName(name);
  const t = h.tpm;
  if (!t?.candidateFingerprint || !t.candidateEkPublic || !t.candidateAkPublic) throw conflict(`host ${name} has no TPM awaiting approval`);
  // the admin approves what they saw: a TPM that changed since the page was drawn is not approved
  if (t.candidateFingerprint !== fingerprintShown) throw conflict(`the TPM awaiting approval is now ${t.candidateFingerprint}, not ${fingerprintShown}: look again`);
  const ak = parsePublic(Buffer.from(t.candidateAkPublic, "base64"), "ak");
  await db.$transaction(async (tx) => {
    await tx.hostTpm.update({
      where: { hostId: h.id },
      data: {
        ekPublic: t.candidateEkPublic,
        akPublic: t.candidateAkPublic,
        ekFingerprint: t.candidateFingerprint,
        akName: objectName(ak).toString("hex"),
        pinnedAt: new Date(),
        pinnedBy: actor.name,
        candidateEkPublic: null,
        candidateAkPublic: null,
        candidateFingerprint: null,
        candidateAt: null,
        candidateIp: null,
        mismatch: false,
      },
    });
    await recordAudit(tx, actor, "identity.approve", { type: "host", id: h.id, name }, { fingerprint: t.ekFingerprint }, { fingerprint: t.candidateFingerprint, wasMismatch: t.mismatch });
  });
}

/** Forget the pinned TPM and any candidate: the host's next boot enrols again (a replaced board). */
export async function forgetTpm(actor: Actor, name: string) {
  authorize(actor, "admin");
  const h = await hostByName(name);
  if (!h.tpm) throw conflict(`host ${name} has no TPM on record`);
  await db.$transaction(async (tx) => {
    await tx.hostTpm.delete({ where: { hostId: h.id } });
    await recordAudit(tx, actor, "identity.forget", { type: "host", id: h.id, name }, { fingerprint: h.tpm!.ekFingerprint, candidate: h.tpm!.candidateFingerprint }, undefined);
  });
}


/** The host's identity as its page shows it (no secret: fingerprints, states, deliveries). */
export async function hostIdentity(actor: Actor, name: string) {
  authorize(actor, "viewer");
  const h = await hostByName(name);
  const deliveries = await db.identityActivation.findMany({
    where: { hostId: h.id },
    orderBy: { createdAt: "desc" },
    take: 10,
    select: { bootId: true, mode: true, ip: true, createdAt: true, deliveredAt: true, expiresAt: true },
  });
  const t = h.tpm;
  return {
    mode: identityMode(h),
    inherited: h.identity === null,
    enrolment: h.network.identityEnrolment,
    principal: principalOf(h),
    tpm: t
      ? {
          fingerprint: t.ekFingerprint,
          pinnedAt: t.pinnedAt,
          pinnedBy: t.pinnedBy,
          candidate: t.candidateFingerprint ? { fingerprint: t.candidateFingerprint, at: t.candidateAt, ip: t.candidateIp } : null,
          mismatch: t.mismatch,
        }
      : null,
    deliveries: deliveries.map((d) => ({ ...d, state: d.deliveredAt ? "delivered" : d.expiresAt < new Date() ? "expired" : "activated" })),
  };
}


/** Which of these hosts are flagged identity mismatch (a different TPM booted as them): the hosts table's marker. */
export async function identityMismatches(actor: Actor, hostIds: string[]): Promise<Set<string>> {
  authorize(actor, "viewer");
  if (hostIds.length === 0) return new Set();
  const rows = await db.hostTpm.findMany({ where: { hostId: { in: hostIds }, mismatch: true }, select: { hostId: true } });
  return new Set(rows.map((r) => r.hostId));
}
