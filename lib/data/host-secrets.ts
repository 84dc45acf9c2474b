import "server-only";
import { db } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { env, serverSecret } from "@/lib/env";
import { AppError, conflict, invalid, notFound } from "@/lib/errors";
import { openSecret, sealSecret } from "@/lib/crypto/secret-box";
import type { BundleSecrets } from "@/lib/identity/bundle";
import { generateHostKeys, knownHostsLines } from "@/lib/secrets/ssh-host-keys";
import { parseKeytab, requirePrincipal, summarizeKeytab } from "@/lib/kerberos/keytab";
import { createHostKeytab, KadminError } from "@/lib/kerberos/kadmin";
import { recordAudit } from "./audit";
import { authorize } from "./authorize";

// A host's secrets (docs/security.md): SSH host keys the console makes once (the same fingerprints
// every boot, rotatable) and a Kerberos keytab for host/<fqdn>@REALM (uploaded, or made through
// kadmin with the console's own principal). Sealed at rest with keys derived from the server
// secret, one per purpose; only public parts (fingerprints, principal, kvno, enctypes) are shown,
// exported or audited. They leave the console only in a host's bundle (lib/data/identity.ts).

const SSH_PURPOSE = "host-ssh-keys";
const KEYTAB_PURPOSE = "host-keytab";

interface SshPublic {
  type: string;
  publicKey: string;
  fingerprint: string;
}
interface KeytabSummary {
  principal: string;
  kvno: number;
  enctypes: string[];
}

type HostNames = { name: string; network: { domain: string | null }; cell: { realm: string | null } };

/** host.domain, or the bare name when the network has no domain */
export const fqdnOf = (h: { name: string; network: { domain: string | null } }) => (h.network.domain ? `${h.name}.${h.network.domain}` : h.name).toLowerCase();
/** host/<fqdn>@REALM, when the host's cell has a realm and its network a domain */
export const principalOf = (h: HostNames) => (h.cell.realm && h.network.domain ? `host/${fqdnOf(h)}@${h.cell.realm}` : null);

/** Why a host cannot have a keytab (no realm, no domain), or null. */
function noPrincipal(h: HostNames & { cell: { name: string } }): string | null {
  if (!h.cell.realm) return `host ${h.name}'s cell ${h.cell.name} has no Kerberos realm: set the cell's realm and KDCs first`;
  if (!h.network.domain) return `host ${h.name}'s network has no domain: its principal is host/<fully qualified name>@${h.cell.realm}; set the network's domain first`;
  return null;
}

const parseJson = <T>(s: string | null | undefined): T | null => (s ? (JSON.parse(s) as T) : null);

async function makeSshKeys(hostId: string, name: string) {
  const keys = await generateHostKeys(name);
  const pub: SshPublic[] = keys.map((k) => ({ type: k.type, publicKey: k.publicKey, fingerprint: k.fingerprint }));
  const sealed = sealSecret(serverSecret(), SSH_PURPOSE, JSON.stringify(keys.map((k) => ({ type: k.type, privateKey: k.privateKey, publicKey: k.publicKey }))));
  return { keys, pub, data: { sshKeys: sealed, sshPublic: JSON.stringify(pub), sshCreatedAt: new Date() }, hostId, name };
}

/** What a host's bundle carries, making its SSH host keys on its first delivery. */
export async function hostSecretsFor(h: { id: string; name: string; network: { domain: string | null }; cell: { realm: string | null } }): Promise<{
  bundle: BundleSecrets;
  summary: { ssh: string[]; keytab: string | null; keytabLeftOut?: string };
}> {
  let row = await db.hostSecrets.findUnique({ where: { hostId: h.id } });
  let opened = row?.sshKeys ? openSecret(serverSecret(), SSH_PURPOSE, row.sshKeys) : null;
  if (!opened) {
    // first delivery (or keys sealed under an older server secret: new keys, audited). Two
    // deliveries at once make keys each: only the one that finds the column as it was stores
    // them, the other reads those
    const made = await makeSshKeys(h.id, h.name);
    const before = row?.sshKeys ?? null;
    await db.$transaction(async (tx) => {
      let stored: boolean;
      if (!row) {
        stored = await tx.hostSecrets
          .create({ data: { hostId: h.id, ...made.data } })
          .then(() => true)
          .catch((e: unknown) => {
            if ((e as { code?: string }).code === "P2002") return false;
            throw e;
          });
      } else stored = (await tx.hostSecrets.updateMany({ where: { hostId: h.id, sshKeys: before }, data: made.data })).count === 1;
      if (!stored) return;
      await recordAudit(tx, { type: "system", id: null, name: `host ${h.name}`, role: "viewer" }, "secrets.ssh_create", { type: "host", id: h.id, name: h.name }, undefined, {
        fingerprints: made.pub.map((p) => `${p.type} ${p.fingerprint}`),
        why: before ? "the stored keys cannot be read (the server secret changed)" : "first delivery",
      });
    });
    row = await db.hostSecrets.findUnique({ where: { hostId: h.id } });
    opened = row?.sshKeys ? openSecret(serverSecret(), SSH_PURPOSE, row.sshKeys) : null;
    if (!opened) throw new Error(`the SSH host keys of host ${h.name} could not be stored`);
  }
  const sshKeys = JSON.parse(opened) as BundleSecrets["sshKeys"];
  let keytab: Buffer | null = null;
  const summary = parseJson<KeytabSummary>(row?.keytabSummary);
  const kt = row?.keytab ? openSecret(serverSecret(), KEYTAB_PURPOSE, row.keytab) : null;
  // a keytab for another principal than the host's now (its network's domain or its cell's realm
  // changed since) would only fail kinit at boot: left out, and the delivery's audit says so
  const want = principalOf(h);
  const stale = kt !== null && summary?.principal !== want;
  if (kt && !stale) keytab = Buffer.from(kt, "base64");
  return {
    bundle: { sshKeys, keytab, principal: keytab ? want : null },
    summary: {
      ssh: sshKeys.map((k) => k.type),
      keytab: keytab ? want : null,
      ...(stale ? { keytabLeftOut: `the keytab is for ${summary?.principal}, the host is now ${want ?? "without a principal (no realm or domain)"}` } : {}),
    },
  };
}

async function hostFor(name: string) {
  const h = await db.host.findUnique({
    where: { name },
    select: { id: true, name: true, ip: true, network: { select: { domain: true } }, cell: { select: { name: true, realm: true, kdcs: true } }, secrets: true },
  });
  if (!h) throw notFound(`no host named ${name}`);
  return h;
}

/** New SSH host keys for a host (the old ones stop working at its next boot: users' known_hosts change). */
export async function rotateSshKeys(actor: Actor, name: string) {
  authorize(actor, "operator");
  const h = await hostFor(name);
  const made = await makeSshKeys(h.id, h.name);
  const before = parseJson<SshPublic[]>(h.secrets?.sshPublic);
  await db.$transaction(async (tx) => {
    await tx.hostSecrets.upsert({ where: { hostId: h.id }, create: { hostId: h.id, ...made.data }, update: made.data });
    await recordAudit(
      tx,
      actor,
      before ? "secrets.ssh_rotate" : "secrets.ssh_create",
      { type: "host", id: h.id, name },
      before ? { fingerprints: before.map((p) => `${p.type} ${p.fingerprint}`) } : undefined,
      { fingerprints: made.pub.map((p) => `${p.type} ${p.fingerprint}`) },
    );
  });
  return made.pub;
}

function checkKeytab(h: Awaited<ReturnType<typeof hostFor>>, bytes: Buffer): KeytabSummary {
  const why = noPrincipal(h);
  if (why) throw invalid(why, { keytab: why });
  const want = principalOf(h)!;
  try {
    const summary = summarizeKeytab(parseKeytab(bytes));
    const entry = requirePrincipal(summary, want);
    // a merged keytab would hand the host other principals' keys too
    const others = [...new Set(summary.principals.map((p) => p.principal).filter((p) => p !== want))];
    if (others.length) throw new Error(`the keytab also holds keys for ${others.slice(0, 5).join(", ")}${others.length > 5 ? ` and ${others.length - 5} more` : ""}: give one with only ${want}'s`);
    return { principal: want, kvno: entry.kvno, enctypes: entry.enctypes };
  } catch (e) {
    const message = e instanceof Error ? e.message : "not a keytab";
    throw invalid(message, { keytab: message });
  }
}

async function storeKeytab(actor: Actor, h: Awaited<ReturnType<typeof hostFor>>, bytes: Buffer, summary: KeytabSummary, source: "upload" | "kadmin") {
  const before = parseJson<KeytabSummary>(h.secrets?.keytabSummary);
  const data = {
    keytab: sealSecret(serverSecret(), KEYTAB_PURPOSE, bytes.toString("base64")),
    keytabSummary: JSON.stringify(summary),
    keytabPrincipal: summary.principal,
    keytabKvno: summary.kvno,
    keytabSource: source,
    keytabAt: new Date(),
  };
  // Two kadmin runs at once (two admins, two replicas) each re-key: only a key newer than the
  // stored one of that principal is stored, in one conditional statement (a read first would let
  // the older win on PostgreSQL, where both transactions read before either commits). An admin's
  // upload replaces whatever is there.
  const newer = source === "kadmin" ? { OR: [{ keytabKvno: null }, { keytabPrincipal: null }, { keytabPrincipal: { not: summary.principal } }, { keytabKvno: { lt: summary.kvno } }] } : {};
  let stored = false;
  // twice at most: a row made by another run between our update and our create (P2002) is
  // updated, conditionally, on the second pass
  for (let pass = 0; pass < 2; pass++) {
    try {
      stored = await db.$transaction(async (tx) => {
        let ok = (await tx.hostSecrets.updateMany({ where: { hostId: h.id, ...newer }, data })).count === 1;
        if (!ok && !(await tx.hostSecrets.findUnique({ where: { hostId: h.id }, select: { hostId: true } }))) {
          await tx.hostSecrets.create({ data: { hostId: h.id, ...data } });
          ok = true;
        }
        if (ok) await recordAudit(tx, actor, before ? "secrets.keytab_replace" : "secrets.keytab_set", { type: "host", id: h.id, name: h.name }, before ?? undefined, { ...summary, source });
        return ok;
      });
      break;
    } catch (e) {
      if ((e as { code?: string }).code !== "P2002" || pass === 1) throw e;
    }
  }
  if (!stored) throw conflict(`a newer keytab for ${summary.principal} was stored meanwhile; this one (kvno ${summary.kvno}) is already superseded`);
  return { ...summary, source };
}

/** An admin's keytab for the host: it must hold host/<fqdn>@REALM of the host's cell. A refused one is audited (nothing stored). */
export async function setKeytab(actor: Actor, name: string, bytes: Buffer) {
  authorize(actor, "admin");
  const h = await hostFor(name);
  let summary: KeytabSummary;
  try {
    summary = checkKeytab(h, bytes);
  } catch (e) {
    await recordAudit(db, actor, "secrets.keytab_refused", { type: "host", id: h.id, name }, undefined, { reason: e instanceof Error ? e.message : "refused", bytes: bytes.length });
    throw e;
  }
  return storeKeytab(actor, h, bytes, summary, "upload");
}

/** The console makes the principal (if new) and a keytab through kadmin with its own principal (rotates the key). */
export async function createKeytab(actor: Actor, name: string) {
  authorize(actor, "admin");
  const h = await hostFor(name);
  const why = noPrincipal(h);
  if (why) throw invalid(why, { keytab: why });
  const e = env();
  if (!e.AFSBOOT_KADMIN_PRINCIPAL || !e.AFSBOOT_KADMIN_KEYTAB)
    throw conflict("the console has no kadmin principal: set AFSBOOT_KADMIN_PRINCIPAL and AFSBOOT_KADMIN_KEYTAB (docs/security.md), or upload a keytab");
  const kdcs = h.cell.kdcs
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
  let made;
  try {
    made = await createHostKeytab(
      { realm: h.cell.realm!, kdcs, adminServer: e.AFSBOOT_KADMIN_SERVER ?? kdcs[0]!.replace(/:\d+$/, ""), principal: e.AFSBOOT_KADMIN_PRINCIPAL, keytab: e.AFSBOOT_KADMIN_KEYTAB },
      fqdnOf(h),
      { reuse: true },
    );
  } catch (err) {
    if (err instanceof KadminError) throw new AppError(err.code === "invalid" ? 422 : 502, "kadmin", `kadmin: ${err.message}`);
    throw err;
  }
  return storeKeytab(actor, h, made.keytab, checkKeytab(h, made.keytab), "kadmin");
}

export async function clearKeytab(actor: Actor, name: string) {
  authorize(actor, "admin");
  const h = await hostFor(name);
  if (!h.secrets?.keytab) throw conflict(`host ${name} has no keytab`);
  await db.$transaction(async (tx) => {
    await tx.hostSecrets.update({ where: { hostId: h.id }, data: { keytab: null, keytabSummary: null, keytabPrincipal: null, keytabKvno: null, keytabSource: null, keytabAt: null } });
    await recordAudit(tx, actor, "secrets.keytab_remove", { type: "host", id: h.id, name }, parseJson<KeytabSummary>(h.secrets!.keytabSummary) ?? undefined, undefined);
  });
}

/** The public side of a host's secrets, for its page and the API. */
export async function hostSecretsView(actor: Actor, name: string) {
  authorize(actor, "viewer");
  const h = await hostFor(name);
  const e = env();
  return {
    principal: principalOf(h),
    /** why the host cannot have a keytab now (no realm, no domain), or null */
    keytabUnavailable: noPrincipal(h),
    /** the console has a kadmin principal of its own (it can make keytabs) */
    kadmin: !!(e.AFSBOOT_KADMIN_PRINCIPAL && e.AFSBOOT_KADMIN_KEYTAB),
    ssh: parseJson<SshPublic[]>(h.secrets?.sshPublic) ?? [],
    sshCreatedAt: h.secrets?.sshCreatedAt ?? null,
    keytab: h.secrets?.keytab ? { ...parseJson<KeytabSummary>(h.secrets.keytabSummary)!, source: h.secrets.keytabSource, at: h.secrets.keytabAt } : null,
  };
}

/** ssh_known_hosts for the fleet: every host with keys, under its name, FQDN and address. */
export async function knownHosts(actor: Actor): Promise<string> {
  authorize(actor, "viewer");
  const rows = await db.host.findMany({
    where: { secrets: { sshPublic: { not: null } } },
    orderBy: { name: "asc" },
    select: { name: true, ip: true, network: { select: { domain: true } }, secrets: { select: { sshPublic: true } } },
  });
  return knownHostsLines(
    rows.map((r) => ({
      names: [...new Set([r.name, fqdnOf(r), r.ip])],
      keys: (parseJson<SshPublic[]>(r.secrets!.sshPublic) ?? []).map((k) => k.publicKey),
    })),
  );
}
