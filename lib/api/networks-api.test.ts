import { describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import * as networks from "@/app/api/v1/networks/route";
import * as network from "@/app/api/v1/networks/[name]/route";
import * as nextFree from "@/app/api/v1/networks/[name]/next-free-ip/route";
import { db } from "@/lib/db";
import { createApiToken } from "@/lib/data/api-tokens";
import { createCell } from "@/lib/data/cells";
import { admin, operator } from "@/lib/testing/actors";
import { cellForm, insertHost, networkForm } from "@/lib/testing/fixtures";

// A network's discovery range and DHCP event hook through the API: accepted, returned, refused
// with 422 and the field.

function req(path: string, token: string, init: { method?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  return new NextRequest(`http://127.0.0.1:3000${path}`, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}
const ctx = (params: Record<string, string> = {}) => ({ params: Promise.resolve(params) });
const op = async () => (await createApiToken(admin, { name: `op-${Math.random().toString(36).slice(2, 8)}`, role: "operator" }))!.token;

describe("networks API: discovery range", () => {
  it("201 with the range, returned by GET and the list; PUT null clears it", async () => {
    const t = await op();
    const input = networkForm({ discoveryRange: "10.0.0.200 - 10.0.0.220" });
    const created = await networks.POST(req("/api/v1/networks", t, { method: "POST", body: input }), ctx());
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ name: input.name, discoveryRange: "10.0.0.200-10.0.0.220" });
    expect(await (await network.GET(req(`/api/v1/networks/${input.name}`, t), ctx({ name: input.name }))).json()).toMatchObject({
      discoveryRange: "10.0.0.200-10.0.0.220",
    });
    expect(await (await networks.GET(req(`/api/v1/networks?q=${input.name}`, t), ctx())).json()).toMatchObject({
      items: [{ discoveryRange: "10.0.0.200-10.0.0.220" }],
    });
    expect(await (await nextFree.GET(req(`/api/v1/networks/${input.name}/next-free-ip?after=10.0.0.199`, t), ctx({ name: input.name }))).json()).toMatchObject({
      ip: "10.0.0.221",
    });
    const cleared = await network.PUT(
      req(`/api/v1/networks/${input.name}`, t, { method: "PUT", body: { ...input, discoveryRange: null, revision: 1 } }),
      ctx({ name: input.name }),
    );
    expect(cleared.status).toBe(200);
    expect(await cleared.json()).toMatchObject({ discoveryRange: null, revision: 2 });
  });

  it("422 for a bad range, with the field and its message; nothing changed", async () => {
    const t = await op();
    const bad = networkForm({ discoveryRange: "10.0.0.220-10.0.0.200" });
    const res = await networks.POST(req("/api/v1/networks", t, { method: "POST", body: bad }), ctx());
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({
      error: {
        code: "invalid",
        message: expect.any(String),
        fields: [{ path: "discoveryRange", message: "Discovery range 10.0.0.220-10.0.0.200 starts after it ends: write the lower address first" }],
      },
    });
    expect(await db.network.count({ where: { name: bad.name } })).toBe(0);

    const input = networkForm({ discoveryRange: "10.0.0.200-10.0.0.220" });
    await networks.POST(req("/api/v1/networks", t, { method: "POST", body: input }), ctx());
    const put = (body: object) =>
      network.PUT(req(`/api/v1/networks/${input.name}`, t, { method: "PUT", body: { ...input, revision: 1, ...body } }), ctx({ name: input.name }));
    const cases: [object, string][] = [
      [{ discoveryRange: "10.0.0.200" }, "Discovery range must be two IPv4 addresses like 10.0.0.200-10.0.0.220 (first and last, both included)"],
      [{ discoveryRange: "10.0.0.250-10.0.0.255" }, "Discovery range 10.0.0.250-10.0.0.255 includes the broadcast address 10.0.0.255"],
      [
        { bootServer: "10.0.0.210" },
        "Discovery range 10.0.0.200-10.0.0.220 includes the boot server 10.0.0.210: machines that are not enrolled would be handed its address",
      ],
      // a new subnet that leaves the range outside
      [{ subnet: "10.0.0.0/25" }, "Discovery range 10.0.0.200-10.0.0.220 lies outside the subnet 10.0.0.0/25: choose addresses inside it, or clear the range"],
    ];
    for (const [body, message] of cases) {
      const r = await put(body);
      expect(r.status, message).toBe(422);
      expect((await r.json()).error.fields).toEqual([{ path: "discoveryRange", message }]);
    }
    expect(await db.network.findUniqueOrThrow({ where: { name: input.name } })).toMatchObject({
      subnet: "10.0.0.0/24",
      bootServer: "10.0.0.1",
      discoveryRange: "10.0.0.200-10.0.0.220",
      revision: 1,
    });
  });

  it("422 for a range over an enrolled host, naming it", async () => {
    const t = await op();
    const input = networkForm();
    await networks.POST(req("/api/v1/networks", t, { method: "POST", body: input }), ctx());
    const net = await db.network.findUniqueOrThrow({ where: { name: input.name } });
    const cell = await createCell(operator, cellForm());
    const host = await insertHost(net.id, cell!.id, "10.0.0.150");
    const r = await network.PUT(
      req(`/api/v1/networks/${input.name}`, t, { method: "PUT", body: { ...input, discoveryRange: "10.0.0.100-10.0.0.199", revision: 1 } }),
      ctx({ name: input.name }),
    );
    expect(r.status).toBe(422);
    expect((await r.json()).error.fields).toEqual([
      {
        path: "discoveryRange",
        message: `Discovery range 10.0.0.100-10.0.0.199 holds the address of enrolled host ${host.name} (10.0.0.150): move it out of the range, or choose another range`,
      },
    ]);
    expect((await db.network.findUniqueOrThrow({ where: { name: input.name } })).discoveryRange).toBeNull();
  });
});

describe("networks API: DHCP event hook", () => {
  const HOOK = "/usr/local/sbin/afsboot-dhcp-event";

  it('201 with the hook, returned by GET and the list, audited; PUT "" clears it', async () => {
    const t = await op();
    const input = networkForm({ dhcpEventHook: ` ${HOOK} ` });
    const created = await networks.POST(req("/api/v1/networks", t, { method: "POST", body: input }), ctx());
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ name: input.name, dhcpEventHook: HOOK });
    expect(await (await network.GET(req(`/api/v1/networks/${input.name}`, t), ctx({ name: input.name }))).json()).toMatchObject({ dhcpEventHook: HOOK });
    expect(await (await networks.GET(req(`/api/v1/networks?q=${input.name}`, t), ctx())).json()).toMatchObject({ items: [{ dhcpEventHook: HOOK }] });
    const cleared = await network.PUT(
      req(`/api/v1/networks/${input.name}`, t, { method: "PUT", body: { ...input, dhcpEventHook: "", revision: 1 } }),
      ctx({ name: input.name }),
    );
    expect(cleared.status).toBe(200);
    expect(await cleared.json()).toMatchObject({ dhcpEventHook: null, revision: 2 });
    const audit = (action: string) => db.auditEntry.findFirstOrThrow({ where: { action, targetName: input.name } });
    expect((await audit("network.create")).after).toMatchObject({ dhcpEventHook: HOOK });
    expect(await audit("network.update")).toMatchObject({
      before: expect.objectContaining({ dhcpEventHook: HOOK }),
      after: expect.objectContaining({ dhcpEventHook: null }),
    });
  });

  it("422 for a bad path, with the field and its message; nothing changed", async () => {
    const t = await op();
    const bad = networkForm({ dhcpEventHook: "afsboot-dhcp-event" });
    const res = await networks.POST(req("/api/v1/networks", t, { method: "POST", body: bad }), ctx());
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({
      error: {
        code: "invalid",
        message: expect.any(String),
        fields: [{ path: "dhcpEventHook", message: "DHCP event hook must be an absolute path on the DHCP server, like /usr/local/sbin/afsboot-dhcp-event" }],
      },
    });
    expect(await db.network.count({ where: { name: bad.name } })).toBe(0);

    const input = networkForm({ dhcpEventHook: HOOK });
    await networks.POST(req("/api/v1/networks", t, { method: "POST", body: input }), ctx());
    const cases: [string, string][] = [
      ["/usr/local/sbin/afsboot dhcp-event", "DHCP event hook must not contain whitespace"],
      ["/usr/local/sbin/a,b", "DHCP event hook must not contain commas (dnsmasq reads them as separators)"],
      ['/usr/local/sbin/"x"', "DHCP event hook must not contain quotes"],
      ["/usr/local/../../tmp/x", "DHCP event hook must not contain '..' segments"],
    ];
    for (const [dhcpEventHook, message] of cases) {
      const r = await network.PUT(
        req(`/api/v1/networks/${input.name}`, t, { method: "PUT", body: { ...input, dhcpEventHook, revision: 1 } }),
        ctx({ name: input.name }),
      );
      expect(r.status, message).toBe(422);
      expect((await r.json()).error.fields).toEqual([{ path: "dhcpEventHook", message }]);
    }
    expect(await db.network.findUniqueOrThrow({ where: { name: input.name } })).toMatchObject({ dhcpEventHook: HOOK, revision: 1 });
  });
});

describe("networks API: Secure Boot default", () => {
  it("201 with secureBoot, returned by GET; PUT without it turns it off; 422 naming the field for anything but true or false", async () => {
    const t = await op();
    const input = networkForm({ secureBoot: true });
    const created = await networks.POST(req("/api/v1/networks", t, { method: "POST", body: input }), ctx());
    expect(created.status).toBe(201);
    expect(await (await network.GET(req(`/api/v1/networks/${input.name}`, t), ctx({ name: input.name }))).json()).toMatchObject({ secureBoot: true });
    const { secureBoot: _omitted, ...rest } = input as Record<string, unknown>;
    const off = await network.PUT(req(`/api/v1/networks/${input.name}`, t, { method: "PUT", body: { ...rest, revision: 1 } }), ctx({ name: input.name }));
    expect(await off.json()).toMatchObject({ secureBoot: false, revision: 2 });
    const bad = await network.PUT(
      req(`/api/v1/networks/${input.name}`, t, { method: "PUT", body: { ...input, secureBoot: "maybe", revision: 2 } }),
      ctx({ name: input.name }),
    );
    expect(bad.status).toBe(422);
    expect((await bad.json()).error.fields).toEqual([{ path: "secureBoot", message: "Secure Boot must be true or false" }]);
    expect((await db.network.findUniqueOrThrow({ where: { name: input.name } })).secureBoot).toBe(false);
  });
});
