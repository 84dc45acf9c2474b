import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import * as identity from "@/app/api/v1/hosts/[name]/identity/route";
import * as sshKeys from "@/app/api/v1/hosts/[name]/ssh-keys/route";
import * as keytab from "@/app/api/v1/hosts/[name]/keytab/route";
import * as knownHosts from "@/app/api/v1/known-hosts/route";
import { db } from "@/lib/db";
import { openSecret } from "@/lib/crypto/secret-box";
import { serverSecret } from "@/lib/env";
import { createApiToken } from "@/lib/data/api-tokens";
import { enrollHosts } from "@/lib/data/host-bulk";
import { admin, operator } from "@/lib/testing/actors";
import { hostIn, seedInventory } from "@/lib/testing/fleet-fixtures";
import { fingerprint, parsePublic } from "@/lib/tpm/public";

// The host page's identity and secrets routes as machine clients call them: roles, refusals as
// JSON (never a 500), and no answer holding a secret (a private key, a keytab's key bytes).

const fixture = (f: string) => fs.readFileSync(path.join(import.meta.dirname, "../tpm/__fixtures__", f));
const otherEk = fixture("ek.pub");
const ak = fixture("ak.pub");
// the pinned TPM is only a fingerprint here (approving parses the candidate's keys only)
const PINNED = `SHA256:${crypto.createHash("sha256").update("the pinned TPM").digest("base64").replace(/=+$/, "")}`;
const CANDIDATE = fingerprint(parsePublic(otherEk, "ek"));
const HOST = "node001";
const PRINCIPAL = "host/node001.lab.example.org@EXAMPLE.ORG";
const KEY = crypto.randomBytes(32);

/** An MIT keytab (format 0x0502) with one aes256 key for `principal`, made by hand (no KDC needed). */
function makeKeytab(principal: string, key: Buffer, kvno = 3): Buffer {
  const [name, realm] = principal.split("@") as [string, string];
  const data = (s: string) => {
    const b = Buffer.from(s);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(b.length);
    return Buffer.concat([len, b]);
  };
  const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const comps = name.split("/");
  const entry = Buffer.concat([
    u16(comps.length),
    data(realm),
    ...comps.map(data),
    u32(1),
    u32(Math.floor(Date.now() / 1000)),
    Buffer.from([kvno]),
    u16(18),
    u16(key.length),
    key,
    u32(kvno),
  ]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(entry.length);
  return Buffer.concat([Buffer.from([5, 2]), size, entry]);
}

const tokens: Record<"admin" | "operator" | "viewer", string> = { admin: "", operator: "", viewer: "" };
const answers: string[] = [];

beforeAll(async () => {
  await seedInventory();
  await db.network.update({ where: { name: "lab" }, data: { identity: "tpm", domain: "lab.example.org" } });
  await db.cell.update({ where: { name: "example.org" }, data: { realm: "EXAMPLE.ORG", kdcs: "127.0.0.1:1" } });
  await enrollHosts(operator, [hostIn(1), hostIn(2)]);
  const h = await db.host.findUniqueOrThrow({ where: { name: HOST } });
  await db.hostTpm.create({
    data: {
      hostId: h.id,
      ekPublic: Buffer.from("pinned").toString("base64"),
      akPublic: ak.toString("base64"),
      ekFingerprint: PINNED,
      akName: "00",
      pinnedAt: new Date("2026-01-02T03:04:05Z"),
      pinnedBy: "first use",
      candidateEkPublic: otherEk.toString("base64"),
      candidateAkPublic: ak.toString("base64"),
      candidateFingerprint: CANDIDATE,
      candidateAt: new Date(),
      candidateIp: "10.0.0.99",
      mismatch: true,
    },
  });
  for (const role of ["admin", "operator", "viewer"] as const) tokens[role] = (await createApiToken(admin, { name: `t-${role}`, role }))!.token;
});

type Init = { method?: string; as?: keyof typeof tokens; json?: unknown; raw?: Buffer | string; type?: string };
function req(url: string, init: Init = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${tokens[init.as ?? "admin"]}` };
  let body: BodyInit | undefined;
  if (init.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(init.json);
  } else if (init.raw !== undefined) {
    headers["content-type"] = init.type ?? "application/octet-stream";
    body = typeof init.raw === "string" ? init.raw : new Uint8Array(init.raw);
  }
  return new NextRequest(`http://127.0.0.1:3000${url}`, { method: init.method ?? "GET", headers, body });
}
const ctx = (name = HOST) => ({ params: Promise.resolve({ name }) });
/** status and body of an answer, the body kept for the no-secret check at the end */
async function call(p: Promise<Response>) {
  const res = await p;
  const text = await res.text();
  answers.push(text);
  expect(res.status, text).toBeLessThan(500);
  return { status: res.status, text, json: text && res.headers.get("content-type")?.includes("json") ? (JSON.parse(text) as Record<string, any>) : null }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe("host identity and secrets API", () => {
  it("GET shows the mismatch and the secrets' public side to a viewer; 404 for an unknown host", async () => {
    const r = await call(identity.GET(req(`/api/v1/hosts/${HOST}/identity`, { as: "viewer" }), ctx()));
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      identity: {
        mode: "tpm",
        inherited: true,
        enrolment: "approve",
        principal: PRINCIPAL,
        tpm: { fingerprint: PINNED, pinnedBy: "first use", mismatch: true, candidate: { fingerprint: CANDIDATE, ip: "10.0.0.99" } },
        deliveries: [],
      },
      secrets: { principal: PRINCIPAL, ssh: [], keytab: null, keytabUnavailable: null, kadmin: false },
    });
    expect((await call(identity.GET(req(`/api/v1/hosts/nope/identity`, { as: "viewer" }), ctx("nope")))).status).toBe(404);
  });

  it("approve and forget need an admin (a pinned TPM gets the host's secrets) and the fingerprint shown; a wrong or malformed one is refused", async () => {
    const approve = (as: Init["as"], json: unknown) => call(identity.POST(req(`/api/v1/hosts/${HOST}/identity`, { method: "POST", as, json }), ctx()));
    expect((await approve("viewer", { action: "approve", fingerprint: CANDIDATE })).status).toBe(403);
    expect((await approve("operator", { action: "approve", fingerprint: CANDIDATE })).status).toBe(403);
    const malformed = await approve("admin", { action: "approve", fingerprint: "abc" });
    expect(malformed.status).toBe(422);
    expect(malformed.json!.error.fields[0].path).toBe("fingerprint");
    expect((await approve("admin", { action: "reboot" })).status).toBe(422);
    const wrong = await approve("admin", { action: "approve", fingerprint: PINNED });
    expect(wrong.status).toBe(409);
    expect(wrong.json!.error.message).toBe(`the TPM awaiting approval is now ${CANDIDATE}, not ${PINNED}: look again`);
    const ok = await approve("admin", { action: "approve", fingerprint: CANDIDATE });
    expect(ok.status).toBe(200);
    expect(ok.json!.identity.tpm).toMatchObject({ fingerprint: CANDIDATE, pinnedBy: "token:t-admin", candidate: null, mismatch: false });
    expect((await approve("admin", { action: "approve", fingerprint: CANDIDATE })).status).toBe(409); // nothing waits now
    const forgot = await approve("admin", { action: "forget" });
    expect(forgot.json!.identity.tpm).toBeNull();
    expect((await approve("admin", { action: "forget" })).status).toBe(409);
    const audit = await db.auditEntry.findMany({ where: { action: { in: ["identity.approve", "identity.forget"] } }, orderBy: { at: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["identity.approve", "identity.forget"]);
  });

  it("rotating SSH host keys needs an operator and answers public keys only; known-hosts lists them as text", async () => {
    const rotate = (as: Init["as"], json: unknown) => call(sshKeys.POST(req(`/api/v1/hosts/${HOST}/ssh-keys`, { method: "POST", as, json }), ctx()));
    expect((await rotate("viewer", { action: "rotate" })).status).toBe(403);
    expect((await rotate("operator", { action: "spin" })).status).toBe(422);
    const first = await rotate("operator", { action: "rotate" });
    expect(first.status).toBe(200);
    const types = (first.json!.ssh as { type: string; fingerprint: string }[]).map((k) => k.type);
    expect(types.length).toBeGreaterThan(0);
    const second = await rotate("operator", { action: "rotate" });
    expect(second.json!.ssh[0].fingerprint).not.toBe(first.json!.ssh[0].fingerprint);
    const kh = await knownHosts.GET(req("/api/v1/known-hosts", { as: "viewer" }), ctx());
    expect(kh.status).toBe(200);
    expect(kh.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await kh.text();
    answers.push(text);
    expect(text).toContain(`${HOST},${HOST}.lab.example.org,10.0.0.11 ${second.json!.ssh[0].publicKey.split(" ").slice(0, 2).join(" ")}`);
  });

  it("keytabs: admin only; bytes or base64; garbage, the wrong principal, empty and oversized refused at the field; kadmin unconfigured; remove", async () => {
    const put = (raw: Buffer | string, as: Init["as"] = "admin", type?: string) =>
      call(keytab.PUT(req(`/api/v1/hosts/${HOST}/keytab`, { method: "PUT", as, raw, type }), ctx()));
    const good = makeKeytab(PRINCIPAL, KEY);
    expect((await put(good, "operator")).status).toBe(403);
    const garbage = await put(Buffer.from("this is not a keytab"));
    expect(garbage.status).toBe(422);
    expect(garbage.json!.error.fields).toEqual([{ path: "keytab", message: expect.stringMatching(/keytab/) }]);
    const other = await put(makeKeytab("host/node002.lab.example.org@EXAMPLE.ORG", KEY));
    expect(other.json!.error.message).toBe(`the keytab has no key for ${PRINCIPAL}; it has keys for host/node002.lab.example.org@EXAMPLE.ORG`);
    expect((await put(Buffer.alloc(0))).status).toBe(422);
    const big = await put(Buffer.alloc(64 * 1024 + 1, 1));
    expect(big.status).toBe(413);
    expect(big.json!.error.fields[0].path).toBe("keytab");
    expect((await put("x", "admin", "text/plain")).status).toBe(415);
    expect((await put("{", "admin", "application/json")).status).toBe(400);
    expect((await put(JSON.stringify({ keytabBase64: "%%%" }), "admin", "application/json")).status).toBe(422);
    expect((await put(JSON.stringify({ keytabBase64: Buffer.alloc(64 * 1024 + 3).toString("base64") }), "admin", "application/json")).status).toBe(413);

    const set = await put(good);
    expect(set.status).toBe(200);
    expect(set.json).toEqual({ principal: PRINCIPAL, kvno: 3, enctypes: ["aes256-cts-hmac-sha1-96"], source: "upload" });
    const viaJson = await put(JSON.stringify({ keytabBase64: makeKeytab(PRINCIPAL, KEY, 4).toString("base64") }), "admin", "application/json");
    expect(viaJson.json).toMatchObject({ kvno: 4 });
    const view = await call(identity.GET(req(`/api/v1/hosts/${HOST}/identity`, { as: "viewer" }), ctx()));
    expect(view.json!.secrets.keytab).toMatchObject({ principal: PRINCIPAL, kvno: 4, source: "upload" });

    const kadmin = await call(keytab.POST(req(`/api/v1/hosts/${HOST}/keytab`, { method: "POST", json: { action: "kadmin" } }), ctx()));
    expect(kadmin.status).toBe(409);
    expect(kadmin.json!.error.message).toMatch(/no kadmin principal/);
    expect((await call(keytab.POST(req(`/api/v1/hosts/${HOST}/keytab`, { method: "POST", json: { action: "make" } }), ctx()))).status).toBe(422);

    expect((await call(keytab.DELETE(req(`/api/v1/hosts/${HOST}/keytab`, { method: "DELETE", as: "operator" }), ctx()))).status).toBe(403);
    expect((await call(keytab.DELETE(req(`/api/v1/hosts/${HOST}/keytab`, { method: "DELETE" }), ctx()))).status).toBe(204);
    expect((await call(keytab.DELETE(req(`/api/v1/hosts/${HOST}/keytab`, { method: "DELETE" }), ctx()))).status).toBe(409);
  });

  it("a host whose cell has no realm: the view says why, an upload is refused with that reason", async () => {
    await db.cell.update({ where: { name: "example.org" }, data: { realm: null } });
    const view = await call(identity.GET(req(`/api/v1/hosts/node002/identity`, { as: "viewer" }), ctx("node002")));
    expect(view.json!.secrets).toMatchObject({ principal: null, keytabUnavailable: expect.stringMatching(/has no Kerberos realm/) });
    const r = await call(keytab.PUT(req(`/api/v1/hosts/node002/keytab`, { method: "PUT", raw: makeKeytab(PRINCIPAL, KEY) }), ctx("node002")));
    expect(r.status).toBe(422);
    expect(r.json!.error.fields[0]).toMatchObject({ path: "keytab", message: expect.stringMatching(/has no Kerberos realm/) });
  });

  it("no answer held a secret: no private key, none of the keytab's key bytes", async () => {
    const all = answers.join("\n");
    expect(all).not.toMatch(/PRIVATE KEY/);
    expect(all.toLowerCase()).not.toContain(KEY.toString("hex").slice(0, 16));
    expect(all).not.toContain(KEY.toString("base64").slice(0, 12));
    const row = await db.hostSecrets.findFirstOrThrow({ where: { host: { name: HOST } } });
    const privates = JSON.parse(openSecret(serverSecret(), "host-ssh-keys", row.sshKeys!)!) as { privateKey: string }[];
    for (const p of privates) {
      const body = p.privateKey.split("\n").filter((l) => l && !l.startsWith("-----"))[1]!;
      expect(all).not.toContain(body);
    }
  });
});
