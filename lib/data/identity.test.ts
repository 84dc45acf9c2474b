import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { activationProof as proofFor, decryptBundle } from "@/lib/identity/bundle";
import { admin, operator, viewer } from "@/lib/testing/actors";
import { hostIn, seedPublishable } from "@/lib/testing/fleet-fixtures";
import { refusal } from "@/lib/testing/refusal";
import { kdcMissing, startKdc, type TestKdc } from "@/lib/testing/kdc";
import { bootHost, startSwtpm, swtpmMissing, type Swtpm } from "@/lib/testing/swtpm";
import { fingerprint, parsePublic } from "@/lib/tpm/public";
import { auditQuery } from "@/lib/validation/audit";
import { activateInput, bundleInput } from "@/lib/validation/identity";
import { listAudit } from "./audit";
import { exportFleet } from "./fleet-export";
import { clearKeytab, createKeytab, hostSecretsView, knownHosts, rotateSshKeys, setKeytab } from "./host-secrets";
import { createHost, getHost } from "./hosts";
import { activateIdentity, approveTpm, deliverBundle, forgetTpm, hostIdentity } from "./identity";
import { publish } from "./publish";
import { reportTokens } from "./snapshot";

// Host identity end to end below HTTP, judged by real software TPMs (swtpm + tpm2-tools, the
// commands /init runs): enrolment awaiting approval, pinning, a credential only the pinned TPM can
// activate, the bundle once per boot, an impostor TPM with the host's MAC and token flagged and
// refused, the weaker source-port mode, keytabs checked, and no secret anywhere it must not be.

const missing = swtpmMissing();
let root: string;
let tpmA: Swtpm;
let tpmB: Swtpm;
const HOST = "node001";
let mac: string;
let token: string;
let bootSeq = 0;
const newBoot = () => `boot-${String(++bootSeq).padStart(4, "0")}-${crypto.randomBytes(4).toString("hex")}`;

const activate = (tpm: Swtpm, bootId: string, ip = "10.0.0.11") => {
  const b = bootHost(tpm);
  return { b, p: activateIdentity(activateInput.parse({ mac, bootId, token, ek: b.ekPub.toString("base64"), ak: b.akPub.toString("base64") }), ip) };
};

/** A whole boot's secrets as /init gets them: activate, unwrap K with the TPM, prove it, decrypt. */
async function fetchSecrets(tpm: Swtpm, bootId = newBoot()) {
  const { b, p } = activate(tpm, bootId);
  const a = await p;
  const k = b.activate(a.credential);
  if (!k.ok) throw new Error(k.error);
  const r = await deliverBundle(bundleInput.parse({ mac, bootId, token, activation: a.activation, proof: proofFor(k.key, a.activation) }), { ip: "10.0.0.11", port: 40000 });
  expect(r.encrypted).toBe(true);
  const plain = decryptBundle(k.key, r.body);
  expect(plain).not.toBeNull();
  return { bootId, key: k.key, activation: a.activation, body: r.body, files: unpack(plain!) };
}

/** The archive unpacked by busybox cpio, as /init does: path -> {mode, bytes}. */
function unpack(archive: Buffer): Map<string, { mode: number; bytes: Buffer }> {
  const dir = fs.mkdtempSync(path.join(root, "unpack-"));
  execFileSync("/bin/busybox", ["cpio", "-i", "-d", "-m"], { cwd: dir, input: archive, stdio: ["pipe", "ignore", "ignore"] });
  const out = new Map<string, { mode: number; bytes: Buffer }>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), { mode: fs.statSync(p).mode & 0o777, bytes: fs.readFileSync(p) });
    }
  };
  walk(dir);
  return out;
}

const actions = async (action: string) => (await listAudit(admin, auditQuery.parse({ action }))).items;

// what this file's code writes to stdout and stderr (lib/log.ts, console): searched for secrets below
const written: string[] = [];
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    written.push(Buffer.isBuffer(chunk) ? chunk.toString("latin1") : String(chunk));
    return write(chunk, ...rest);
  }) as typeof stream.write;
}

beforeAll(async () => {
  if (missing) return;
  root = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-identity-"));
  await seedPublishable(root);
  await db.network.update({ where: { name: "lab" }, data: { identity: "tpm" } });
  await createHost(operator, hostIn(1));
  await createHost(operator, hostIn(2, { name: "node002" }));
  mac = hostIn(1).mac;
  token = (await reportTokens(admin, HOST))[0]!.token;
  [tpmA, tpmB] = await Promise.all([startSwtpm(), startSwtpm()]);
}, 60_000);

afterAll(async () => {
  await Promise.all([tpmA?.stop(), tpmB?.stop()]);
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe.skipIf(missing)("TPM identity", () => {
  it("a first TPM awaits an admin's approval (the default), and nothing is delivered meanwhile", async () => {
    const bootId = newBoot();
    const { b, p } = activate(tpmA, bootId);
    const r = await refusal(p);
    expect(r.status).toBe(403);
    const fp = fingerprint(parsePublic(b.ekPub, "ek"));
    expect(r.message).toBe(`TPM ${fp} of host ${HOST} awaits an admin's approval on the host page`);
    const id = await hostIdentity(viewer, HOST);
    expect(id.tpm).toMatchObject({ fingerprint: null, candidate: { fingerprint: fp, ip: "10.0.0.11" }, mismatch: false });
    expect(await db.identityActivation.count()).toBe(0);
    expect((await actions("identity.pending"))[0]).toMatchObject({ targetName: HOST, after: { fingerprint: fp, bootId } });
    // an approval of another fingerprint than the one waiting changes nothing
    expect((await refusal(approveTpm(admin, HOST, "SHA256:somethingelse"))).message).toMatch(/awaiting approval is now SHA256:/);
    await expect(approveTpm(viewer, HOST, fp)).rejects.toThrow(/role/);
    await expect(approveTpm(operator, HOST, fp)).rejects.toThrow(/admin/); // a pinned TPM gets the host's secrets
    await approveTpm(admin, HOST, fp);
    expect((await hostIdentity(viewer, HOST)).tpm).toMatchObject({ fingerprint: fp, pinnedBy: "test-admin", candidate: null, mismatch: false });
  });

  it("the pinned TPM gets its bundle: SSH host keys with their modes, the same every boot, once per boot", async () => {
    const first = await fetchSecrets(tpmA);
    const names = [...first.files.keys()].sort();
    expect(names).toEqual(["etc/ssh/ssh_host_ecdsa_key", "etc/ssh/ssh_host_ecdsa_key.pub", "etc/ssh/ssh_host_ed25519_key", "etc/ssh/ssh_host_ed25519_key.pub", "etc/ssh/ssh_host_rsa_key", "etc/ssh/ssh_host_rsa_key.pub"]);
    expect(first.files.get("etc/ssh/ssh_host_ed25519_key")!.mode).toBe(0o600);
    expect(first.files.get("etc/ssh/ssh_host_ed25519_key.pub")!.mode).toBe(0o644);
    // ssh-keygen reads the private key the host got and derives the public key the console shows
    const priv = path.join(root, "ed25519");
    fs.writeFileSync(priv, first.files.get("etc/ssh/ssh_host_ed25519_key")!.bytes, { mode: 0o600 });
    const derived = execFileSync("ssh-keygen", ["-y", "-f", priv]).toString().trim().split(" ").slice(0, 2).join(" ");
    const view = await hostSecretsView(viewer, HOST);
    expect(view.ssh.find((k) => k.type === "ed25519")!.publicKey.split(" ").slice(0, 2).join(" ")).toBe(derived);
    const second = await fetchSecrets(tpmA);
    expect(second.files.get("etc/ssh/ssh_host_ed25519_key")!.bytes.equals(first.files.get("etc/ssh/ssh_host_ed25519_key")!.bytes)).toBe(true);
    expect(second.key.equals(first.key)).toBe(false); // a new key every boot
    // the second fetch of one boot, and a second activation of one boot, are refused and audited
    const again = await refusal(deliverBundle(bundleInput.parse({ mac, bootId: second.bootId, token, activation: second.activation, proof: proofFor(second.key, second.activation) }), { ip: "10.0.0.11", port: 40000 }));
    expect(again).toMatchObject({ status: 409 });
    expect(again.message).toMatch(/already delivered at .*: once per boot/);
    expect((await refusal(activate(tpmA, second.bootId).p)).message).toBe(`the secrets of boot ${second.bootId} of host ${HOST} were already delivered: once per boot`);
    expect((await actions("secrets.deliver")).map((a) => (a.after as { bootId: string }).bootId)).toEqual([second.bootId, first.bootId]);
    expect((await actions("identity.refused")).length).toBeGreaterThanOrEqual(2);
    // the activation's key is erased once delivered
    expect((await db.identityActivation.findMany({ where: { deliveredAt: { not: null } } })).every((a) => a.keySealed === null)).toBe(true);
  });

  it("a boot may activate again (a lost answer, another replica), but its secrets are delivered once, whichever activation asks", async () => {
    const bootId = newBoot();
    const first = activate(tpmA, bootId);
    const a1 = await first.p;
    const second = activate(tpmA, bootId); // the answer to the first was lost: /init asks again
    const a2 = await second.p;
    expect(a2.activation).not.toBe(a1.activation);
    const k1 = first.b.activate(a1.credential);
    const k2 = second.b.activate(a2.credential);
    if (!k1.ok || !k2.ok) throw new Error("activation failed");
    const ask = (a: string, k: Buffer) => deliverBundle(bundleInput.parse({ mac, bootId, token, activation: a, proof: proofFor(k, a) }), { ip: "10.0.0.11", port: 40000 });
    const [r1, r2] = await Promise.allSettled([ask(a1.activation, k1.key), ask(a2.activation, k2.key)]);
    expect([r1.status, r2.status].sort()).toEqual(["fulfilled", "rejected"]);
    const lost = (r1.status === "rejected" ? r1.reason : (r2 as PromiseRejectedResult).reason) as Error;
    expect(lost.message).toMatch(/^the secrets of boot .* were already delivered/);
    // and a bounded number of them
    const many = newBoot();
    for (let i = 0; i < 5; i++) await activate(tpmA, many).p;
    expect(await refusal(activate(tpmA, many).p)).toMatchObject({ status: 429, message: `boot ${many} of host ${HOST} asked 5 times: at most 5 activations per boot` });
  });

  it("an impostor's AK beside the pinned EK's public key (which anyone may copy) is never pinned, and cannot delay the genuine host", async () => {
    const pinned = await db.hostTpm.findUniqueOrThrow({ where: { hostId: (await getHost(viewer, HOST))!.id } });
    const bootId = newBoot();
    const genuine = bootHost(tpmA);
    const impostor = bootHost(tpmB);
    // the impostor sends the real EK (public) with its own AK, for the genuine boot's id (public too)
    const forged = await activateIdentity(activateInput.parse({ mac, bootId, token, ek: genuine.ekPub.toString("base64"), ak: impostor.akPub.toString("base64") }), "10.0.0.99");
    expect(impostor.activate(forged.credential).ok).toBe(false); // its TPM does not hold the EK
    expect(await db.hostTpm.findUniqueOrThrow({ where: { hostId: pinned.hostId } })).toMatchObject({ akName: pinned.akName, ekFingerprint: pinned.ekFingerprint });
    // the genuine host's own activation of the same boot goes through
    const a = await activateIdentity(activateInput.parse({ mac, bootId, token, ek: genuine.ekPub.toString("base64"), ak: genuine.akPub.toString("base64") }), "10.0.0.11");
    const k = genuine.activate(a.credential);
    if (!k.ok) throw new Error(k.error);
    const r = await deliverBundle(bundleInput.parse({ mac, bootId, token, activation: a.activation, proof: proofFor(k.key, a.activation) }), { ip: "10.0.0.11", port: 40000 });
    expect(decryptBundle(k.key, r.body)).not.toBeNull();
    expect((await db.hostTpm.findUniqueOrThrow({ where: { hostId: pinned.hostId } })).akName).toBe(pinned.akName);
  });

  it("refuses a wrong proof, another boot's activation, an expired one, and a host without a TPM identity", async () => {
    const bootId = newBoot();
    const { b, p } = activate(tpmA, bootId);
    const a = await p;
    const k = b.activate(a.credential);
    if (!k.ok) throw new Error(k.error);
    const ask = (over: Record<string, string>, from = { ip: "10.0.0.11", port: 40000 }) =>
      refusal(deliverBundle(bundleInput.parse({ mac, bootId, token, activation: a.activation, proof: proofFor(k.key, a.activation), ...over }), from));
    expect(await ask({ proof: proofFor(crypto.randomBytes(32), a.activation) })).toMatchObject({ status: 403, message: `wrong proof for activation ${a.activation}: the host did not unwrap its key` });
    expect((await ask({ bootId: "another-boot-0001" })).message).toBe(`activation ${a.activation} belongs to boot ${bootId}, not another-boot-0001`);
    expect((await ask({ activation: "0".repeat(32) })).status).toBe(404);
    await db.identityActivation.update({ where: { id: a.activation }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await ask({})).toMatchObject({ status: 410 });
    // still undelivered: nothing was handed out
    expect((await db.identityActivation.findUnique({ where: { id: a.activation } }))!.deliveredAt).toBeNull();
    await db.host.update({ where: { name: HOST }, data: { identity: "none" } });
    expect((await refusal(activate(tpmA, newBoot()).p)).message).toBe(`host ${HOST} does not use a TPM identity (its identity mode is none)`);
    await db.host.update({ where: { name: HOST }, data: { identity: null } });
  });

  it("refuses malformed, oversized and wrong-kind keys with a clear message and changes nothing", async () => {
    const before = await db.hostTpm.findUnique({ where: { hostId: (await getHost(viewer, HOST))!.id } });
    const b = bootHost(tpmA);
    const ask = (ek: Buffer, ak: Buffer) => refusal(activateIdentity(activateInput.parse({ mac, bootId: newBoot(), token, ek: ek.toString("base64"), ak: ak.toString("base64") }), "10.0.0.11"));
    expect(await ask(b.ekPub.subarray(0, 100), b.akPub)).toMatchObject({ status: 422 });
    expect((await ask(b.akPub, b.akPub)).message).toMatch(/^ek: /); // an AK where the EK goes
    expect((await ask(b.ekPub, b.ekPub)).message).toMatch(/^ak: /);
    expect(() => activateInput.parse({ mac, bootId: newBoot(), token, ek: "A".repeat(2400), ak: "AAAA" })).toThrow(/larger than 1 KiB/);
    expect(() => activateInput.parse({ mac, bootId: newBoot(), token, ek: "not base64!", ak: "AAAA" })).toThrow(/base64/);
    expect(await db.hostTpm.findUnique({ where: { hostId: before!.hostId } })).toEqual(before);
    expect((await actions("identity.refused")).some((e) => /^ek: /.test((e.after as { reason: string }).reason))).toBe(true);
    // the wrong report token: refused before anything is looked at
    expect((await refusal(activateIdentity(activateInput.parse({ mac, bootId: newBoot(), token: "x".repeat(43), ek: b.ekPub.toString("base64"), ak: b.akPub.toString("base64") }), "10.0.0.11"))).status).toBe(401);
  });

  it("an impostor (another TPM, the host's MAC and token) gets nothing, and the host is flagged until an admin decides", async () => {
    const pinned = (await hostIdentity(viewer, HOST)).tpm!.fingerprint;
    const bootId = newBoot();
    const { b, p } = activate(tpmB, bootId, "10.0.0.99");
    const r = await refusal(p);
    const fp = fingerprint(parsePublic(b.ekPub, "ek"));
    expect(r).toMatchObject({ status: 403 });
    expect(r.message).toBe(`identity mismatch: this TPM (${fp}) is not the one pinned to host ${HOST} (${pinned}); no secrets until an admin approves it on the host page`);
    expect((await hostIdentity(viewer, HOST)).tpm).toMatchObject({ fingerprint: pinned, mismatch: true, candidate: { fingerprint: fp, ip: "10.0.0.99" } });
    expect((await actions("identity.mismatch"))[0]).toMatchObject({ targetName: HOST, after: { fingerprint: fp, pinned, ip: "10.0.0.99" } });
    // a credential made for the pinned TPM is useless to the impostor's TPM
    const genuine = activate(tpmA, newBoot());
    const cred = (await genuine.p).credential;
    expect(b.activate(cred).ok).toBe(false);
    // the genuine machine still gets its secrets; the flag stays until an admin decides
    expect((await fetchSecrets(tpmA)).files.size).toBe(6);
    expect((await hostIdentity(viewer, HOST)).tpm!.mismatch).toBe(true);
    await forgetTpm(admin, HOST);
    expect((await hostIdentity(viewer, HOST)).tpm).toBeNull();
    expect((await actions("identity.forget")).length).toBe(1);
  });

  it("a tofu network pins the first TPM at once; a new AK beside the pinned EK is pinned in its place", async () => {
    await db.network.update({ where: { name: "lab" }, data: { identityEnrolment: "tofu" } });
    const s = await fetchSecrets(tpmA);
    expect(s.files.size).toBe(6);
    expect((await hostIdentity(viewer, HOST)).tpm).toMatchObject({ pinnedBy: "first use", mismatch: false });
    expect((await actions("identity.pin"))[0]).toMatchObject({ targetName: HOST, after: { by: "first use" } });
    // the TPM was cleared: its persistent AK is gone, the next boot makes another under the same EK
    execFileSync("tpm2_evictcontrol", ["-C", "o", "-c", "0x81010002"], { env: { ...process.env, TPM2TOOLS_TCTI: tpmA.tcti }, stdio: "ignore" });
    expect((await fetchSecrets(tpmA)).files.size).toBe(6);
    expect((await actions("identity.ak_repin")).length).toBe(1);
    await db.network.update({ where: { name: "lab" }, data: { identityEnrolment: "approve" } });
  });
});

describe.skipIf(missing)("the weaker source-port mode", () => {
  it("answers the bundle in the clear to the host's address from a privileged port, once per boot; refuses anything else", async () => {
    await db.host.update({ where: { name: HOST }, data: { identity: "port" } });
    const bootId = newBoot();
    const ask = (from: { ip: string; port: number | null }, b = bootId) => deliverBundle(bundleInput.parse({ mac, bootId: b, token }), from);
    expect((await refusal(ask({ ip: "10.0.0.11", port: 40000 }))).message).toBe("the request came from port 40000: the source-port mode needs a privileged port (< 1024)");
    expect((await refusal(ask({ ip: "10.0.0.99", port: 1000 }))).message).toBe(`the request came from 10.0.0.99, not host ${HOST}'s address 10.0.0.11`);
    expect((await refusal(ask({ ip: "10.0.0.11", port: null }))).message).toMatch(/not behind a reverse proxy/);
    const r = await ask({ ip: "10.0.0.11", port: 1000 });
    expect(r.encrypted).toBe(false);
    expect(unpack(r.body).size).toBe(6);
    expect((await refusal(ask({ ip: "10.0.0.11", port: 1000 }))).status).toBe(409);
    expect((await actions("secrets.deliver"))[0]).toMatchObject({ after: { bootId, mode: "port" } });
    await db.host.update({ where: { name: HOST }, data: { identity: null } });
  });
});

describe.skipIf(missing)("secrets", () => {
  it("rotating SSH host keys changes every fingerprint, audited with both sets; known_hosts lists the hosts with keys", async () => {
    const before = (await hostSecretsView(viewer, HOST)).ssh;
    await expect(rotateSshKeys(viewer, HOST)).rejects.toThrow(/role/);
    const after = await rotateSshKeys(operator, HOST);
    expect(after.map((k) => k.type).sort()).toEqual(["ecdsa", "ed25519", "rsa"]);
    for (const k of after) expect(before.find((b) => b.type === k.type)!.fingerprint).not.toBe(k.fingerprint);
    const audit = (await actions("secrets.ssh_rotate"))[0]!;
    expect(JSON.stringify(audit)).toContain(after[0]!.fingerprint);
    const known = await knownHosts(viewer);
    expect(known.split("\n").filter(Boolean)).toHaveLength(3);
    for (const k of after) expect(known).toContain(`node001,10.0.0.11 ${k.publicKey.split(" ").slice(0, 2).join(" ")}`);
    // ssh-keygen finds the host in it
    const file = path.join(root, "known_hosts");
    fs.writeFileSync(file, known);
    expect(execFileSync("ssh-keygen", ["-F", "10.0.0.11", "-f", file]).toString()).toMatch(/ssh-ed25519/);
  });

  it("refuses a keytab for a cell without a realm, and bytes that are not a keytab, changing nothing", async () => {
    const r = await refusal(setKeytab(admin, HOST, Buffer.from("not a keytab at all")));
    expect(r.message).toBe(`host ${HOST}'s cell example.org has no Kerberos realm: set the cell's realm and KDCs first`);
    await db.cell.update({ where: { name: "example.org" }, data: { realm: "EXAMPLE.ORG", kdcs: "10.0.0.5" } });
    const bad = await refusal(setKeytab(admin, HOST, Buffer.from("not a keytab at all")));
    expect(bad.status).toBe(422);
    expect(bad.fields).toHaveProperty("keytab");
    expect((await actions("secrets.keytab_refused"))[0]).toMatchObject({ targetName: HOST, after: { reason: bad.message, bytes: 19 } });
    await expect(setKeytab(operator, HOST, Buffer.from("x"))).rejects.toThrow(/role/);
    expect((await hostSecretsView(viewer, HOST)).keytab).toBeNull();
    expect((await refusal(clearKeytab(admin, HOST))).message).toBe(`host ${HOST} has no keytab`);
  });
});

describe.skipIf(missing || kdcMissing())("keytabs from a real KDC", () => {
  let kdc: TestKdc;
  const principal = "host/node001.lab.example.org@EXAMPLE.ORG";
  beforeAll(async () => {
    kdc = await startKdc({ realm: "EXAMPLE.ORG" });
    await db.cell.update({ where: { name: "example.org" }, data: { realm: "EXAMPLE.ORG", kdcs: kdc.kdc } });
  }, 60_000);
  const principalRefusal = async () => (await refusal(setKeytab(admin, HOST, Buffer.from([5, 2])))).message;
  afterAll(async () => {
    await kdc?.stop();
    for (const k of ["AFSBOOT_KADMIN_PRINCIPAL", "AFSBOOT_KADMIN_KEYTAB", "AFSBOOT_KADMIN_SERVER"]) delete process.env[k];
  });

  it("an admin's keytab must hold the host's principal; then it travels in the bundle with the principal, 0600", async () => {
    expect(await principalRefusal()).toBe(`host ${HOST}'s network has no domain: its principal is host/<fully qualified name>@EXAMPLE.ORG; set the network's domain first`);
    await db.network.update({ where: { name: "lab" }, data: { domain: "lab.example.org" } });
    const file = path.join(root, "uploaded.keytab");
    await kdc.kadminLocal(`addprinc -randkey ${principal}`);
    await kdc.kadminLocal(`addprinc -randkey host/node002.lab.example.org@EXAMPLE.ORG`);
    await kdc.kadminLocal(`ktadd -k ${path.join(root, "other.keytab")} host/node002.lab.example.org@EXAMPLE.ORG`);
    const other = await refusal(setKeytab(admin, HOST, fs.readFileSync(path.join(root, "other.keytab"))));
    expect(other.message).toBe(`the keytab has no key for ${principal}; it has keys for host/node002.lab.example.org@EXAMPLE.ORG`);
    // a merged keytab (the host's principal and another's) would hand the host the other's keys
    await kdc.kadminLocal(`ktadd -k ${path.join(root, "merged.keytab")} -norandkey ${principal}`);
    await kdc.kadminLocal(`ktadd -k ${path.join(root, "merged.keytab")} -norandkey host/node002.lab.example.org@EXAMPLE.ORG`);
    expect((await refusal(setKeytab(admin, HOST, fs.readFileSync(path.join(root, "merged.keytab"))))).message).toBe(
      `the keytab also holds keys for host/node002.lab.example.org@EXAMPLE.ORG: give one with only ${principal}'s`,
    );
    await kdc.kadminLocal(`ktadd -k ${file} ${principal}`);
    const bytes = fs.readFileSync(file);
    const r = await setKeytab(admin, HOST, bytes);
    expect(r).toMatchObject({ principal, source: "upload" });
    expect((await hostSecretsView(viewer, HOST)).keytab).toMatchObject({ principal, kvno: r.kvno, source: "upload" });
    await db.network.update({ where: { name: "lab" }, data: { identityEnrolment: "tofu" } });
    const s = await fetchSecrets(tpmA);
    expect(s.files.get("etc/krb5.keytab")).toMatchObject({ mode: 0o600 });
    expect(s.files.get("etc/krb5.keytab")!.bytes.equals(bytes)).toBe(true);
    expect(s.files.get("afsboot/principal")!.bytes.toString()).toBe(`${principal}\n`);
    expect((await actions("secrets.deliver"))[0]).toMatchObject({ after: { keytab: principal } });
    // the keytab the host got authenticates with the real kinit
    const got = path.join(root, "got.keytab");
    fs.writeFileSync(got, s.files.get("etc/krb5.keytab")!.bytes, { mode: 0o600 });
    execFileSync("kinit", ["-k", "-t", got, principal], { env: { ...process.env, ...kdc.clientEnv(path.join(root, "cc")) }, stdio: "ignore" });
    // the network's domain changes: the keytab is for a principal the host no longer has; left out of its bundle, audited
    await db.network.update({ where: { name: "lab" }, data: { domain: "elsewhere.example.org" } });
    const moved = await fetchSecrets(tpmA);
    expect(moved.files.has("etc/krb5.keytab")).toBe(false);
    expect((await actions("secrets.deliver"))[0]).toMatchObject({
      after: { keytab: null, keytabLeftOut: `the keytab is for ${principal}, the host is now host/node001.elsewhere.example.org@EXAMPLE.ORG` },
    });
    await db.network.update({ where: { name: "lab" }, data: { domain: "lab.example.org" } });
  });

  it("the console makes the keytab through kadmin with its own principal: a new key (kvno up), the old keytab stops working", async () => {
    const old = (await hostSecretsView(viewer, HOST)).keytab!;
    expect((await refusal(createKeytab(admin, HOST))).message).toMatch(/AFSBOOT_KADMIN_PRINCIPAL/);
    process.env.AFSBOOT_KADMIN_PRINCIPAL = kdc.consolePrincipal;
    process.env.AFSBOOT_KADMIN_KEYTAB = kdc.consoleKeytab;
    process.env.AFSBOOT_KADMIN_SERVER = kdc.adminServer;
    const r = await createKeytab(admin, HOST);
    expect(r).toMatchObject({ principal, source: "kadmin" });
    expect(r.kvno).toBeGreaterThan(old.kvno);
    expect((await actions("secrets.keytab_replace"))[0]).toMatchObject({ after: { principal, source: "kadmin" }, before: { kvno: old.kvno } });
    // two at once (two admins, two replicas): each re-keys; the key the KDC holds last is the one stored
    await Promise.allSettled([createKeytab(admin, HOST), createKeytab(admin, HOST)]);
    const kdcKvno = Number(/Key: vno (\d+)/.exec(await kdc.kadminLocal(`getprinc ${principal}`))![1]);
    expect((await hostSecretsView(viewer, HOST)).keytab!.kvno).toBe(kdcKvno);
    expect(() => execFileSync("kinit", ["-k", "-t", path.join(root, "uploaded.keytab"), principal], { env: { ...process.env, ...kdc.clientEnv(path.join(root, "cc2")) }, stdio: "ignore" })).toThrow();
    // a wrong console keytab: a clear error, the stored keytab unchanged
    process.env.AFSBOOT_KADMIN_KEYTAB = path.join(root, "other.keytab");
    const bad = await refusal(createKeytab(admin, HOST));
    expect(bad.message).toMatch(/^kadmin: the console keytab .* holds no key for afsboot\/admin@EXAMPLE.ORG/);
    expect((await hostSecretsView(viewer, HOST)).keytab!.kvno).toBe(kdcKvno);
    await clearKeytab(admin, HOST);
    expect((await hostSecretsView(viewer, HOST)).keytab).toBeNull();
    await db.cell.update({ where: { name: "example.org" }, data: { realm: null, kdcs: "" } });
    await db.network.update({ where: { name: "lab" }, data: { domain: null } });
  });
});

describe.skipIf(missing)("no secret leaves", () => {
  it("the private keys, the bundle key and the bundle appear in no published file, API view, audit entry or export", async () => {
    await db.network.update({ where: { name: "lab" }, data: { identityEnrolment: "tofu" } });
    const s = await fetchSecrets(tpmA);
    const needles: [string, Buffer | string][] = [["bundle key (hex)", s.key.toString("hex")], ["bundle key (base64)", s.key.toString("base64")], ["bundle key", s.key], ["bundle", s.body.subarray(16, 64)]];
    for (const [name, f] of s.files) {
      if (name.endsWith("_key")) {
        const body = f.bytes.toString().split("\n").filter((l) => l && !l.startsWith("-----"));
        needles.push([`${name} (a line of it)`, body[1]!], [name, f.bytes]);
      }
    }
    // the published files of the fleet (the host's PXE configs carry its token and identity mode)
    const out = path.join(root, "export");
    await publish(operator, { outDir: out });
    const files: string[] = [];
    const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : files.push(path.join(d, e.name))));
    walk(out);
    expect(files.length).toBeGreaterThan(5);
    expect(files.some((f) => fs.readFileSync(f).includes("afsboot.identity=tpm"))).toBe(true);
    const haystacks: [string, Buffer][] = files.map((f) => [f, fs.readFileSync(f)]);
    haystacks.push(["host identity view", Buffer.from(JSON.stringify(await hostIdentity(viewer, HOST)))]);
    haystacks.push(["host secrets view", Buffer.from(JSON.stringify(await hostSecretsView(viewer, HOST)))]);
    haystacks.push(["host view", Buffer.from(JSON.stringify(await getHost(viewer, HOST)))]);
    haystacks.push(["audit log", Buffer.from(JSON.stringify(await db.auditEntry.findMany()))]);
    haystacks.push(["fleet export", Buffer.from(JSON.stringify(await exportFleet(viewer)))]);
    haystacks.push(["known hosts", Buffer.from(await knownHosts(viewer))]);
    const rows = await db.hostSecrets.findMany();
    haystacks.push(["the database row (sealed)", Buffer.from(JSON.stringify(rows))]);
    haystacks.push(["what the console wrote to stdout and stderr (its log)", Buffer.from(written.join(""), "latin1")]);
    for (const [where, hay] of haystacks) for (const [what, needle] of needles) expect(hay.includes(needle), `${what} found in ${where}`).toBe(false);
  });
});
