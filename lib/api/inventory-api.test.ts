import { beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import * as hosts from "@/app/api/v1/hosts/route";
import * as host from "@/app/api/v1/hosts/[name]/route";
import * as bulk from "@/app/api/v1/hosts/bulk/route";
import * as releases from "@/app/api/v1/releases/route";
import * as versions from "@/app/api/v1/releases/[name]/versions/route";
import * as version from "@/app/api/v1/releases/[name]/versions/[version]/route";
import * as versionOp from "@/app/api/v1/releases/[name]/versions/[version]/[op]/route";
import { db } from "@/lib/db";
import { createApiToken } from "@/lib/data/api-tokens";
import { admin } from "@/lib/testing/actors";
import { seedInventory } from "@/lib/testing/fleet-fixtures";

let op = "";
let ro = "";
beforeAll(async () => {
  await seedInventory();
  op = (await createApiToken(admin, { name: "op", role: "operator" }))!.token;
  ro = (await createApiToken(admin, { name: "ro", role: "viewer" }))!.token;
});

function req(path: string, init: { method?: string; token?: string; body?: unknown; raw?: string } = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${init.token ?? op}` };
  if (init.body !== undefined || init.raw !== undefined) headers["content-type"] = "application/json";
  return new NextRequest(`http://127.0.0.1:3000${path}`, {
    method: init.method ?? "GET",
    headers,
    body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
}
const ctx = (params: Record<string, string> = {}) => ({ params: Promise.resolve(params) });
const node = (n: number, over: object = {}) => ({
  name: `api${n}`,
  mac: `AA-BB-CC-00-00-${String(n).padStart(2, "0")}`,
  ip: `10.0.0.${100 + n}`,
  cell: "example.org",
  release: "rh-7.3",
  ...over,
});

describe("hosts API", () => {
  it("201 create (MAC normalised), 200 get, list with filters", async () => {
    const res = await hosts.POST(req("/api/v1/hosts", { method: "POST", body: node(1, { tags: ["gpu"] }) }), ctx());
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ name: "api1", mac: "aa:bb:cc:00:00:01", assignedVersion: "1", tags: ["gpu"] });
    const list = await hosts.GET(req("/api/v1/hosts?tag=gpu&sort=ip&dir=desc", { token: ro }), ctx());
    expect(await list.json()).toMatchObject({ total: 1, items: [{ name: "api1" }] });
  });

  it("422 with JSON paths for bad fields, 409-free when nothing saved", async () => {
    const res = await hosts.POST(
      req("/api/v1/hosts", { method: "POST", body: node(2, { mac: "nope", name: "bad name", ip: "10.0.0.300", release: "a@b@c" }) }),
      ctx(),
    );
    expect(res.status).toBe(422);
    const paths = (await res.json()).error.fields.map((f: { path: string }) => f.path);
    expect(paths).toEqual(expect.arrayContaining(["name", "mac", "ip", "release"]));
    const clash = await hosts.POST(req("/api/v1/hosts", { method: "POST", body: node(3, { mac: "aa:bb:cc:00:00:01" }) }), ctx());
    expect(clash.status).toBe(422);
    expect((await clash.json()).error.fields).toEqual([{ path: "mac", message: "MAC aa:bb:cc:00:00:01 is already used by host api1" }]);
    expect(await db.host.count({ where: { name: { in: ["api2", "api3"] } } })).toBe(0);
  });

  it("400 not JSON, 413 too large, 403 viewer, 404 unknown, 409 stale revision, 204 delete", async () => {
    expect((await hosts.POST(req("/api/v1/hosts", { method: "POST", raw: "{" }), ctx())).status).toBe(400);
    expect((await hosts.POST(req("/api/v1/hosts", { method: "POST", raw: JSON.stringify({ pad: "x".repeat(1_100_000) }) }), ctx())).status).toBe(413);
    expect((await hosts.POST(req("/api/v1/hosts", { method: "POST", token: ro, body: node(4) }), ctx())).status).toBe(403);
    expect((await host.GET(req("/api/v1/hosts/ghost"), ctx({ name: "ghost" }))).status).toBe(404);
    const stale = await host.PUT(req("/api/v1/hosts/api1", { method: "PUT", body: { ...node(1), revision: 99 } }), ctx({ name: "api1" }));
    expect(stale.status).toBe(409);
    expect((await stale.json()).error.message).toContain("changed by someone else");
    expect((await hosts.GET(req("/api/v1/hosts?state=sideways"), ctx())).status).toBe(422);
    expect((await host.DELETE(req("/api/v1/hosts/api1", { method: "DELETE" }), ctx({ name: "api1" }))).status).toBe(204);
  });

  it("bulk: all or nothing, problems keyed by row", async () => {
    const bad = await bulk.POST(req("/api/v1/hosts/bulk", { method: "POST", body: { hosts: [node(10), node(11, { ip: node(10).ip })] } }), ctx());
    expect(bad.status).toBe(422);
    expect((await bad.json()).error.fields).toEqual([{ path: "1.ip", message: expect.stringContaining("appears twice") }]);
    expect(await db.host.count({ where: { name: "api10" } })).toBe(0);
    const good = await bulk.POST(req("/api/v1/hosts/bulk", { method: "POST", body: { hosts: [node(10), node(11)] } }), ctx());
    expect(await good.json()).toEqual({ created: 2, hosts: ["api10", "api11"] });
  });
});

describe("releases API", () => {
  const v = { kernel: "vmlinuz", baseInitrd: "initrd.img", modules: ["virtio_net"], readonly: ["usr"], writable: ["etc"], tmpfsSize: "512M" };
  it("create release and versions; activate; active versions are immutable (409); copy", async () => {
    const r = await releases.POST(req("/api/v1/releases", { method: "POST", body: { name: "deb-12", tree: "/afs/example.org/boot/debian/12" } }), ctx());
    expect(r.status).toBe(201);
    const bad = await releases.POST(req("/api/v1/releases", { method: "POST", body: { name: "x", tree: "/afs/example.org/../etc" } }), ctx());
    expect(bad.status).toBe(422);
    const created = await versions.POST(req("/api/v1/releases/deb-12/versions", { method: "POST", body: { ...v, version: "1" } }), ctx({ name: "deb-12" }));
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ status: "draft" });
    const act = await versionOp.POST(
      req("/api/v1/releases/deb-12/versions/1/activate", { method: "POST" }),
      ctx({ name: "deb-12", version: "1", op: "activate" }),
    );
    expect(await act.json()).toMatchObject({ status: "active" });
    const edit = await version.PUT(
      req("/api/v1/releases/deb-12/versions/1", { method: "PUT", body: { ...v, version: "1", revision: 1 } }),
      ctx({ name: "deb-12", version: "1" }),
    );
    expect(edit.status).toBe(409);
    const copy = await versionOp.POST(
      req("/api/v1/releases/deb-12/versions/1/copy", { method: "POST", body: { version: "2" } }),
      ctx({ name: "deb-12", version: "1", op: "copy" }),
    );
    expect(copy.status).toBe(201);
    expect(await copy.json()).toMatchObject({ version: "2", status: "draft", modules: ["virtio_net"] });
    const dup = await versions.POST(req("/api/v1/releases/deb-12/versions", { method: "POST", body: { ...v, version: "2" } }), ctx({ name: "deb-12" }));
    expect(dup.status).toBe(409);
    const unknownOp = await versionOp.POST(
      req("/api/v1/releases/deb-12/versions/1/explode", { method: "POST" }),
      ctx({ name: "deb-12", version: "1", op: "explode" }),
    );
    expect(unknownOp.status).toBe(404);
  });
});

describe("Secure Boot through the API", () => {
  const v = { kernel: "vmlinuz", baseInitrd: "initrd.img", modules: [], readonly: ["usr"], writable: [] };
  const unsigned =
    'Secure Boot needs a signed kernel: release rh-7.3 version 1 has no kernel marked signed (a version is marked while it is a draft: make a new version with "Signed kernel" and activate it), or turn Secure Boot off for this host';

  it("422 naming the field for a value that is not true, false or null, and for a host that cannot boot its version; nothing saved", async () => {
    const typo = await hosts.POST(req("/api/v1/hosts", { method: "POST", body: node(30, { secureBoot: "yes" }) }), ctx());
    expect(typo.status).toBe(422);
    expect((await typo.json()).error.fields).toEqual([{ path: "secureBoot", message: "Secure Boot must be true, false or null (the network's default)" }]);
    const unbootable = await hosts.POST(req("/api/v1/hosts", { method: "POST", body: node(30, { secureBoot: true }) }), ctx());
    expect(unbootable.status).toBe(422);
    expect((await unbootable.json()).error).toMatchObject({ message: unsigned, fields: [{ path: "secureBoot", message: unsigned }] });
    const flag = await versions.POST(
      req("/api/v1/releases/rh-7.3/versions", { method: "POST", body: { ...v, version: "7", signedKernel: "yes" } }),
      ctx({ name: "rh-7.3" }),
    );
    expect((await flag.json()).error.fields).toEqual([{ path: "signedKernel", message: "Signed kernel must be true or false" }]);
    expect(await db.host.count({ where: { name: "api30" } })).toBe(0);
  });

  it("a version with a signed kernel, activated, lets a host Secure Boot; absent means inherit, null too", async () => {
    const created = await versions.POST(
      req("/api/v1/releases/rh-7.3/versions?activate=true", { method: "POST", body: { ...v, version: "8", signedKernel: true } }),
      ctx({ name: "rh-7.3" }),
    );
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ status: "active", signedKernel: true, signedModules: false });
    const res = await hosts.POST(req("/api/v1/hosts", { method: "POST", body: node(31, { secureBoot: true }) }), ctx());
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({ secureBoot: true, effectiveSecureBoot: true, networkSecureBoot: false, assignedVersion: "8" });
    const put = await host.PUT(
      req("/api/v1/hosts/api31", { method: "PUT", body: { ...node(31), secureBoot: null, revision: body.revision } }),
      ctx({ name: "api31" }),
    );
    expect(await put.json()).toMatchObject({ secureBoot: null, effectiveSecureBoot: false });
  });

  it("retiring the signed version under a Secure Boot host is refused with 422 and the reason; nothing changes", async () => {
    const h = await (await host.GET(req("/api/v1/hosts/api31"), ctx({ name: "api31" }))).json();
    await host.PUT(req("/api/v1/hosts/api31", { method: "PUT", body: { ...node(31), secureBoot: true, revision: h.revision } }), ctx({ name: "api31" }));
    const res = await versionOp.POST(req("/api/v1/releases/rh-7.3/versions/8/retire", { method: "POST" }), ctx({ name: "rh-7.3", version: "8", op: "retire" }));
    expect(res.status).toBe(422);
    expect((await res.json()).error.message).toBe(
      `Retiring rh-7.3@8 would leave 1 host with Secure Boot following the release unable to boot: host api31: ${unsigned}`,
    );
    expect((await db.releaseVersion.findFirstOrThrow({ where: { version: "8", release: { name: "rh-7.3" } } })).status).toBe("active");
  });
});
