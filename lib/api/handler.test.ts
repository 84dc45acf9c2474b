import { describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import * as networks from "@/app/api/v1/networks/route";
import * as network from "@/app/api/v1/networks/[name]/route";
import * as cells from "@/app/api/v1/cells/route";
import { db } from "@/lib/db";
import { createApiToken } from "@/lib/data/api-tokens";
import { admin } from "@/lib/testing/actors";
import { networkForm } from "@/lib/testing/fixtures";

// Route handlers through the one API wrapper, against a real database.

async function token(role: "viewer" | "operator") {
  return (await createApiToken(admin, { name: `t-${role}-${Math.random().toString(36).slice(2, 8)}`, role }))!.token;
}

function req(path: string, init: { method?: string; token?: string; body?: unknown; raw?: string; type?: string } = {}) {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined || init.raw !== undefined) headers["content-type"] = init.type ?? "application/json";
  return new NextRequest(`http://127.0.0.1:3000${path}`, {
    method: init.method ?? "GET",
    headers,
    body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
}

const ctx = (params: Record<string, string> = {}) => ({ params: Promise.resolve(params) });

describe("API v1 wrapper", () => {
  it("401 without or with a bad token, in the one error shape", async () => {
    for (const t of [undefined, "afsb_nope", "garbage"]) {
      const res = await networks.GET(req("/api/v1/networks", { token: t }), ctx());
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: "unauthorized" } });
    }
  });

  it("403 when the role is too small; nothing changed", async () => {
    const viewer = await token("viewer");
    const input = networkForm();
    const res = await networks.POST(req("/api/v1/networks", { method: "POST", token: viewer, body: input }), ctx());
    expect(res.status).toBe(403);
    expect(await db.network.count({ where: { name: input.name } })).toBe(0);
  });

  it("201 create, 409 duplicate with the field, 404 unknown, 204 delete", async () => {
    const op = await token("operator");
    const input = networkForm();
    const created = await networks.POST(req("/api/v1/networks", { method: "POST", token: op, body: input }), ctx());
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ name: input.name, revision: 1, hostCount: 0 });
    const dup = await networks.POST(req("/api/v1/networks", { method: "POST", token: op, body: input }), ctx());
    expect(dup.status).toBe(409);
    expect(await dup.json()).toEqual({
      error: { code: "conflict", message: "That network name is already taken", fields: [{ path: "name", message: "This network name is already taken" }] },
    });
    expect((await network.GET(req(`/api/v1/networks/nope`, { token: op }), ctx({ name: "nope" }))).status).toBe(404);
    expect((await network.DELETE(req(`/api/v1/networks/${input.name}`, { method: "DELETE", token: op }), ctx({ name: input.name }))).status).toBe(204);
  });

  it("422 lists every bad field with its path", async () => {
    const op = await token("operator");
    const res = await cells.POST(
      req("/api/v1/cells", {
        method: "POST",
        token: op,
        body: { name: "not a cell", client: "kafs", bootRoot: "/afs/x.org/boot", cacheBlocks: 65536, servers: [{ name: "db.x.org", ip: "999.1.1.1" }] },
      }),
      ctx(),
    );
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error.code).toBe("invalid");
    expect(body.error.fields.map((f: { path: string }) => f.path)).toEqual(expect.arrayContaining(["name", "servers.0.ip"]));
  });

  it("400 malformed JSON, 415 wrong type, 409 stale revision; never 500 for bad input", async () => {
    const op = await token("operator");
    const bad = await networks.POST(req("/api/v1/networks", { method: "POST", token: op, raw: "{nope" }), ctx());
    expect(bad.status).toBe(400);
    const form = await networks.POST(req("/api/v1/networks", { method: "POST", token: op, raw: "name=x", type: "application/x-www-form-urlencoded" }), ctx());
    expect(form.status).toBe(415);
    const input = networkForm();
    await networks.POST(req("/api/v1/networks", { method: "POST", token: op, body: input }), ctx());
    const stale = await network.PUT(
      req(`/api/v1/networks/${input.name}`, { method: "PUT", token: op, body: { ...input, revision: 7 } }),
      ctx({ name: input.name }),
    );
    expect(stale.status).toBe(409);
    const q = await networks.GET(req("/api/v1/networks?page=-1", { token: op }), ctx());
    expect(q.status).toBe(422);
  });

  it("413 for a chunked body past the limit, read no further than the limit (no Content-Length to trust)", async () => {
    const t = await token("operator");
    const before = await db.network.count();
    let pulled = 0;
    const chunk = new TextEncoder().encode(`"${"x".repeat(64 * 1024 - 2)}"`);
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (++pulled > 256)
          c.close(); // 16 MiB in all, if anyone read it whole
        else c.enqueue(chunk);
      },
    });
    const r = new NextRequest("http://127.0.0.1:3000/api/v1/networks", {
      method: "POST",
      headers: { authorization: `Bearer ${t}`, "content-type": "application/json" },
      body,
      duplex: "half",
    });
    expect(r.headers.get("content-length")).toBeNull();
    const res = await networks.POST(r, ctx());
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe("too_large");
    expect(pulled).toBeLessThan(24); // 1 MiB is 16 chunks; the stream's own read-ahead adds a few
    expect(await db.network.count()).toBe(before);
  });

  it("lists with search and pagination", async () => {
    const op = await token("operator");
    const input = networkForm();
    await networks.POST(req("/api/v1/networks", { method: "POST", token: op, body: input }), ctx());
    const res = await networks.GET(req(`/api/v1/networks?q=${input.name}`, { token: op }), ctx());
    expect(await res.json()).toMatchObject({ total: 1, page: 1, pageSize: 50, items: [{ name: input.name }] });
  });
});
