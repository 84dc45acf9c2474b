import { beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import * as cells from "@/app/api/v1/cells/route";
import * as cell from "@/app/api/v1/cells/[name]/route";
import * as networks from "@/app/api/v1/networks/route";
import * as network from "@/app/api/v1/networks/[name]/route";
import * as hosts from "@/app/api/v1/hosts/route";
import * as host from "@/app/api/v1/hosts/[name]/route";
import { db } from "@/lib/db";
import { createApiToken } from "@/lib/data/api-tokens";
import { admin } from "@/lib/testing/actors";
import { cellForm, networkForm } from "@/lib/testing/fixtures";
import { seedInventory } from "@/lib/testing/fleet-fixtures";

// The settings of host identity and secrets (#18) through the API: a cell's realm and KDCs (a list
// in JSON), a network's identity and identityEnrolment, a host's identity (null: the network's).
// Accepted and returned; bad input is a 422 naming the field, and changes nothing.

let op = "";
beforeAll(async () => {
  await seedInventory();
  op = (await createApiToken(admin, { name: "op", role: "operator" }))!.token;
});

function req(path: string, init: { method?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${op}` };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  return new NextRequest(`http://127.0.0.1:3000${path}`, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}
const ctx = (params: Record<string, string> = {}) => ({ params: Promise.resolve(params) });
const fields = async (res: Response) => ((await res.json()) as { error: { fields: { path: string; message: string }[] } }).error.fields;

describe("cells API: Kerberos realm and KDCs", () => {
  it("201 with realm and kdcs (a list), returned by GET and the list; PUT clears them", async () => {
    const input = cellForm({ realm: "LAB.TEST", kdcs: ["10.0.0.5", "KDC2.example.org:88"] });
    const created = await cells.POST(req("/api/v1/cells", { method: "POST", body: input }), ctx());
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ name: input.name, realm: "LAB.TEST", kdcs: ["10.0.0.5", "kdc2.example.org:88"] });
    expect(await (await cell.GET(req(`/api/v1/cells/${input.name}`), ctx({ name: input.name }))).json()).toMatchObject({
      realm: "LAB.TEST",
      kdcs: ["10.0.0.5", "kdc2.example.org:88"],
    });
    expect(await (await cells.GET(req(`/api/v1/cells?q=${input.name}`), ctx())).json()).toMatchObject({
      items: [{ realm: "LAB.TEST", kdcs: ["10.0.0.5", "kdc2.example.org:88"] }],
    });
    const cleared = await cell.PUT(
      req(`/api/v1/cells/${input.name}`, { method: "PUT", body: { ...input, realm: null, kdcs: [], revision: 1 } }),
      ctx({ name: input.name }),
    );
    expect(cleared.status).toBe(200);
    expect(await cleared.json()).toMatchObject({ realm: null, kdcs: [], revision: 2 });
  });

  it("422 for a realm without KDCs (at kdcs), KDCs without a realm (at realm), a bad KDC; nothing changed", async () => {
    const bad = cellForm({ realm: "LAB.TEST" });
    const res = await cells.POST(req("/api/v1/cells", { method: "POST", body: bad }), ctx());
    expect(res.status).toBe(422);
    expect(await fields(res)).toEqual([
      { path: "kdcs", message: "A Kerberos realm needs its KDCs: list at least one (host or host:port), or clear the realm" },
    ]);
    expect(await db.cell.count({ where: { name: bad.name } })).toBe(0);

    const input = cellForm({ realm: "LAB.TEST", kdcs: ["10.0.0.5"] });
    await cells.POST(req("/api/v1/cells", { method: "POST", body: input }), ctx());
    const put = (body: object) =>
      cell.PUT(req(`/api/v1/cells/${input.name}`, { method: "PUT", body: { ...input, revision: 1, ...body } }), ctx({ name: input.name }));
    const cases: [object, { path: string; message: string }][] = [
      [{ realm: null }, { path: "realm", message: "KDCs need a Kerberos realm: give the realm they serve, or clear the KDCs" }],
      [{ kdcs: "" }, { path: "kdcs", message: "A Kerberos realm needs its KDCs: list at least one (host or host:port), or clear the realm" }],
      [{ realm: "lab.test" }, { path: "realm", message: "Kerberos realm lab.test must be written in upper case, like LAB.TEST (realms are case-sensitive)" }],
      [{ kdcs: ["10.0.0.5:70000"] }, { path: "kdcs.0", message: 'KDC "10.0.0.5:70000": the port must be between 1 and 65535' }],
      [{ kdcs: 88 }, { path: "kdcs", message: expect.stringContaining("expected array") }],
    ];
    for (const [body, field] of cases) {
      const r = await put(body);
      expect(r.status, JSON.stringify(body)).toBe(422);
      expect((await fields(r))[0]).toEqual(field);
    }
    expect(await db.cell.findUniqueOrThrow({ where: { name: input.name } })).toMatchObject({ realm: "LAB.TEST", kdcs: "10.0.0.5", revision: 1 });
  });
});

describe("networks and hosts API: identity", () => {
  it("a network's identity and enrolment: 201, returned; absent: none and approve; a bad one 422", async () => {
    const input = networkForm({
      subnet: "10.5.0.0/24",
      gateway: "10.5.0.1",
      dns: ["10.5.0.1"],
      bootServer: "10.5.0.1",
      identity: "port",
      identityEnrolment: "tofu",
    });
    const created = await networks.POST(req("/api/v1/networks", { method: "POST", body: input }), ctx());
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ identity: "port", identityEnrolment: "tofu" });
    const reset = await network.PUT(
      req(`/api/v1/networks/${input.name}`, { method: "PUT", body: { ...input, identity: undefined, identityEnrolment: undefined, revision: 1 } }),
      ctx({ name: input.name }),
    );
    expect(await reset.json()).toMatchObject({ identity: "none", identityEnrolment: "approve", revision: 2 });
    const bad = await network.PUT(
      req(`/api/v1/networks/${input.name}`, { method: "PUT", body: { ...input, identity: "ssh", revision: 2 } }),
      ctx({ name: input.name }),
    );
    expect(bad.status).toBe(422);
    expect(await fields(bad)).toEqual([{ path: "identity", message: "Host identity must be none, tpm or port (source address + privileged port, weaker)" }]);
  });

  it("a host's identity: its own, or null for the network's (effectiveIdentity says which it uses); a bad one 422", async () => {
    await db.network.update({ where: { name: "lab" }, data: { identity: "tpm" } });
    const body = { name: "idhost1", mac: "52:54:00:aa:00:01", ip: "10.0.0.201", cell: "example.org", release: "rh-7.3", identity: "port" };
    const created = await hosts.POST(req("/api/v1/hosts", { method: "POST", body }), ctx());
    expect(created.status).toBe(201);
    const got = await (await host.GET(req("/api/v1/hosts/idhost1"), ctx({ name: "idhost1" }))).json();
    expect(got).toMatchObject({ identity: "port", effectiveIdentity: "port", networkIdentity: "tpm" });
    const inherit = await host.PUT(
      req("/api/v1/hosts/idhost1", { method: "PUT", body: { ...body, identity: null, revision: got.revision } }),
      ctx({ name: "idhost1" }),
    );
    expect(inherit.status).toBe(200);
    expect(await inherit.json()).toMatchObject({ identity: null, effectiveIdentity: "tpm" });
    const bad = await host.PUT(
      req("/api/v1/hosts/idhost1", { method: "PUT", body: { ...body, identity: "tpm2", revision: got.revision + 1 } }),
      ctx({ name: "idhost1" }),
    );
    expect(bad.status).toBe(422);
    expect(await fields(bad)).toEqual([
      { path: "identity", message: "Identity must be none, tpm, port (source address + privileged port, weaker) or null (the network's)" },
    ]);
    const audit = await db.auditEntry.findFirstOrThrow({ where: { action: "host.update", targetName: "idhost1" }, orderBy: { at: "desc" } });
    expect([audit.before, audit.after]).toEqual([expect.objectContaining({ identity: "port" }), expect.objectContaining({ identity: null })]);
  });
});
