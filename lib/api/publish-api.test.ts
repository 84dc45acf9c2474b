import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { NextRequest } from "next/server";
import * as publications from "@/app/api/v1/publications/route";
import * as publication from "@/app/api/v1/publications/[id]/route";
import * as pending from "@/app/api/v1/publications/pending/route";
import * as bootFiles from "@/app/api/v1/hosts/[name]/boot-files/route";
import * as bootFile from "@/app/api/v1/hosts/[name]/boot-files/[key]/route";
import { dhcpdEntryPublished } from "@/lib/generate/dhcp";
import * as overlay from "@/app/api/v1/releases/[name]/versions/[version]/overlay/route";
import * as boot from "@/app/boot/[...path]/route";
import { db } from "@/lib/db";
import { createApiToken } from "@/lib/data/api-tokens";
import { enrollHosts } from "@/lib/data/host-bulk";
import { admin, operator } from "@/lib/testing/actors";
import { hostIn, seedPublishable } from "@/lib/testing/fleet-fixtures";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-publish-api-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let op = "";
let ro = "";
beforeAll(async () => {
  await seedPublishable(root);
  await enrollHosts(operator, [hostIn(1), hostIn(2)]);
  op = (await createApiToken(admin, { name: "op", role: "operator" }))!.token;
  ro = (await createApiToken(admin, { name: "ro", role: "viewer" }))!.token;
});

function req(p: string, init: { method?: string; token?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...(init.token === null ? {} : { authorization: `Bearer ${init.token ?? op}` }), ...init.headers };
  if (init.body !== undefined || init.raw !== undefined) headers["content-type"] = "application/json";
  return new NextRequest(`http://127.0.0.1:3000${p}`, {
    method: init.method ?? "GET",
    headers,
    body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
}
const ctx = (params: Record<string, string | string[]> = {}) => ({ params: Promise.resolve(params) });
const bootCtx = (p: string) => ({ params: Promise.resolve({ path: p.split("/") }) });
const mac1 = hostIn(1).mac.replace(/:/g, "-");
const ip1 = hostIn(1).ip;

describe("publications API", () => {
  it("previews with diffs (200, nothing written), publishes (201), lists and shows the publication", async () => {
    const before = await (await pending.GET(req("/api/v1/publications/pending", { token: ro }), ctx())).json();
    expect(before).toMatchObject({ neverPublished: true, exportDir: path.join(root, "export"), hooks: [] });
    expect(before.count).toBeGreaterThan(0);
    const dry = await publications.POST(req("/api/v1/publications", { method: "POST", body: { dryRun: true } }), ctx());
    expect(dry.status).toBe(200);
    const preview = await dry.json();
    // kept (a publication of status dry_run), to be paged through; not in the history below
    expect(preview).toMatchObject({ status: "dry_run", publicationId: expect.stringMatching(/^p[0-9a-f]{24}$/) });
    // whole diffs (compressed bytes) stay with the publication: GET …/{id}/diff?path=
    expect(preview.changes.filter((c: object) => "diffGzip" in c)).toEqual([]);
    expect(preview.changes.every((c: { wholeDiff: boolean }) => c.wholeDiff === false)).toBe(true);
    expect(preview.changes.find((c: { path: string }) => c.path === `ipxe/01-${mac1}.ipxe`).diff).toMatch(/^--- \/dev\/null\n\+\+\+ b\/ipxe\/01-/);
    expect(fs.existsSync(path.join(root, "export", "boot.ipxe"))).toBe(false);

    const res = await publications.POST(req("/api/v1/publications", { method: "POST" }), ctx());
    expect(res.status).toBe(201);
    const done = await res.json();
    expect(done.status).toBe("succeeded");
    expect((await (await pending.GET(req("/api/v1/publications/pending", { token: ro }), ctx())).json()).count).toBe(0);
    const list = await (await publications.GET(req("/api/v1/publications", { token: ro }), ctx())).json();
    expect(list).toMatchObject({ total: 1, rows: [{ id: done.publicationId, status: "succeeded", scope: "full", filesAdded: done.changes.length }] });
    const one = await (
      await publication.GET(req(`/api/v1/publications/${done.publicationId}?change=added`, { token: ro }), ctx({ id: done.publicationId }))
    ).json();
    expect(one.files.total).toBe(done.changes.length);
    expect(one.validation.map((v: { status: string }) => v.status)).toEqual(["passed", "passed", "passed"]);
  });

  it("scoped publish of one host; bad input is 4xx and changes nothing", async () => {
    const ok = await publications.POST(req("/api/v1/publications", { method: "POST", body: { hosts: ["node001"] } }), ctx());
    expect(ok.status).toBe(201);
    expect((await ok.json()).changes).toEqual([]);
    const count = await db.publication.count();
    expect((await publications.POST(req("/api/v1/publications", { method: "POST", body: { hosts: ["Bad Name"] } }), ctx())).status).toBe(422);
    expect((await publications.POST(req("/api/v1/publications", { method: "POST", body: { hosts: [] } }), ctx())).status).toBe(422);
    expect((await publications.POST(req("/api/v1/publications", { method: "POST", body: { force: true } }), ctx())).status).toBe(422);
    expect((await publications.POST(req("/api/v1/publications", { method: "POST", body: { hosts: ["ghost"] } }), ctx())).status).toBe(404);
    expect((await publications.POST(req("/api/v1/publications", { method: "POST", raw: "{" }), ctx())).status).toBe(400);
    expect((await publications.POST(req("/api/v1/publications", { method: "POST", token: ro }), ctx())).status).toBe(403);
    expect((await publications.POST(req("/api/v1/publications", { method: "POST", token: null }), ctx())).status).toBe(401);
    expect((await publication.GET(req("/api/v1/publications/nope"), ctx({ id: "nope" }))).status).toBe(404);
    expect((await publications.GET(req("/api/v1/publications?status=weird"), ctx())).status).toBe(422);
    expect(await db.publication.count()).toBe(count + 0);
  });
});

describe("boot files API and /boot/", () => {
  it("shows a host's boot files with their published state, and downloads each", async () => {
    const files = await (await bootFiles.GET(req("/api/v1/hosts/node001/boot-files", { token: ro }), ctx({ name: "node001" }))).json();
    expect(files.ready).toBe(true);
    expect(files.files.map((f: { key: string; state: string }) => `${f.key}:${f.state}`)).toEqual([
      "ipxe:current",
      "pxelinux:current",
      "dhcpd:current",
      "kea:current",
      "dnsmasq:current",
    ]);
    expect(files.overlay).toMatchObject({ state: "current", assigned: files.overlay.sha256 });
    const dl = await bootFile.GET(req("/api/v1/hosts/node001/boot-files/ipxe", { token: ro }), ctx({ name: "node001", key: "ipxe" }));
    expect(dl.status).toBe(200);
    expect(dl.headers.get("content-disposition")).toBe(`attachment; filename="01-${mac1}.ipxe"`);
    // a viewer gets the file with the report token hidden; an operator gets it exactly as published
    const published = fs.readFileSync(path.join(root, "export", `ipxe/01-${mac1}.ipxe`), "utf8");
    const hidden = await dl.text();
    expect(hidden).toContain("afsboot.token=<hidden>");
    expect(hidden).toBe(published.replace(/afsboot\.token=\S+/, "afsboot.token=<hidden>"));
    expect(await (await bootFile.GET(req("/api/v1/hosts/node001/boot-files/ipxe"), ctx({ name: "node001", key: "ipxe" }))).text()).toBe(published);
    const dhcpd = await (await bootFile.GET(req("/api/v1/hosts/node001/boot-files/dhcpd"), ctx({ name: "node001", key: "dhcpd" }))).text();
    // its declaration in a group with its boot statements, as the published file serves it
    expect(dhcpd).toMatch(/^ {2}group \{\n {4}next-server [^]*\n\n {4}host node001 \{\n[^]*\n {4}\}\n {2}\}\n$/);
    expect(dhcpdEntryPublished(fs.readFileSync(path.join(root, "export", "dhcp/dhcpd-lab.conf"), "utf8"), dhcpd)).toBe(true);
    expect((await bootFile.GET(req("/api/v1/hosts/node001/boot-files/nope"), ctx({ name: "node001", key: "nope" }))).status).toBe(404);
    // a host without Secure Boot has no GRUB config
    const grub = await bootFile.GET(req("/api/v1/hosts/node001/boot-files/grub"), ctx({ name: "node001", key: "grub" }));
    expect(grub.status).toBe(404);
    expect((await grub.json()).error.message).toMatch(/host node001 has no grub boot file/);
    expect((await bootFiles.GET(req("/api/v1/hosts/ghost/boot-files"), ctx({ name: "ghost" }))).status).toBe(404);
    // an edit not yet published shows as pending
    await db.host.update({ where: { name: "node001" }, data: { kernelArgs: "quiet" } });
    const after = await (await bootFiles.GET(req("/api/v1/hosts/node001/boot-files"), ctx({ name: "node001" }))).json();
    expect(after.files.find((f: { key: string }) => f.key === "ipxe").state).toBe("pending");
    expect(after.files.find((f: { key: string }) => f.key === "dhcpd").state).toBe("current");
    // Secure Boot turned on: the same host declaration, but in the other group of the file: pending
    // (a version with a signed kernel and modules, as Secure Boot needs)
    await db.releaseVersion.updateMany({ data: { signedKernel: true, signedModules: true } });
    await db.host.update({ where: { name: "node001" }, data: { secureBoot: true } });
    const secure = await (await bootFiles.GET(req("/api/v1/hosts/node001/boot-files"), ctx({ name: "node001" }))).json();
    expect(secure).toMatchObject({ ready: true });
    expect(secure.files.find((f: { key: string }) => f.key === "dhcpd").state).toBe("pending");
  });

  it("downloads a version's overlay for a cell: the published bytes", async () => {
    const res = await overlay.GET(req("/api/v1/releases/rh-7.3/versions/1/overlay?cell=example.org", { token: ro }), ctx({ name: "rh-7.3", version: "1" }));
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    const published = fs.readdirSync(path.join(root, "export", "overlays"));
    expect(published).toEqual([res.headers.get("content-disposition")!.match(/filename="(.+)"/)![1]]);
    expect(bytes.equals(fs.readFileSync(path.join(root, "export", "overlays", published[0]!)))).toBe(true);
    expect(zlib.gunzipSync(bytes).subarray(0, 6).toString()).toBe("070701");
    expect((await overlay.GET(req("/api/v1/releases/rh-7.3/versions/1/overlay"), ctx({ name: "rh-7.3", version: "1" }))).status).toBe(422);
    expect((await overlay.GET(req("/api/v1/releases/rh-7.3/versions/9/overlay?cell=example.org"), ctx({ name: "rh-7.3", version: "9" }))).status).toBe(404);
    expect((await overlay.GET(req("/api/v1/releases/rh-7.3/versions/1/overlay?cell=nope"), ctx({ name: "rh-7.3", version: "1" }))).status).toBe(404);
  });

  it("/boot/ serves published files without login, with caching headers; never DHCP configs, dot files or paths outside", async () => {
    const res = await boot.GET(req(`/boot/ipxe/01-${mac1}.ipxe`, { token: null, headers: { "x-forwarded-for": ip1 } }), bootCtx(`ipxe/01-${mac1}.ipxe`));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await res.text()).toMatch(/^#!ipxe\n/);
    const etag = res.headers.get("etag")!;
    expect(
      (
        await boot.GET(
          req(`/boot/ipxe/01-${mac1}.ipxe`, { token: null, headers: { "if-none-match": etag, "x-forwarded-for": ip1 } }),
          bootCtx(`ipxe/01-${mac1}.ipxe`),
        )
      ).status,
    ).toBe(304);
    const kernel = fs.readdirSync(path.join(root, "export", "images")).find((d) => fs.existsSync(path.join(root, "export", "images", d, "vmlinuz")))!;
    const k = await boot.GET(req(`/boot/images/${kernel}/vmlinuz`, { token: null }), bootCtx(`images/${kernel}/vmlinuz`));
    expect(k.headers.get("cache-control")).toContain("immutable");
    expect(await k.text()).toBe("kernel bytes");
    const h = await boot.HEAD(req("/boot/boot.ipxe", { method: "HEAD", token: null }), bootCtx("boot.ipxe"));
    expect(h.status).toBe(200);
    expect(Number(h.headers.get("content-length"))).toBe(fs.statSync(path.join(root, "export", "boot.ipxe")).size);
    for (const bad of ["dhcp/dhcpd-lab.conf", ".afsboot-publish.lock", "ipxe/../dhcp/dhcpd-lab.conf", "..", "ipxe/nope.ipxe", "ipxe", "a%2f..%2fb"]) {
      expect((await boot.GET(req(`/boot/${bad}`, { token: null }), bootCtx(bad))).status, bad).toBe(404);
    }
  });

  // the attack: every host's report token from anyone on the network, and which MACs are enrolled
  it("/boot/ gives a host's own boot config only to its reserved address; others and unknown MACs get the same 404", async () => {
    const mac2 = hostIn(2).mac.replace(/:/g, "-");
    const get = async (p: string, from: string, method: "GET" | "HEAD" = "GET") => {
      const r = await boot[method](req(`/boot/${p}`, { method, token: null, headers: { "x-forwarded-for": from } }), bootCtx(p));
      return { status: r.status, type: r.headers.get("content-type"), body: await r.text(), headers: [...r.headers.keys()].sort() };
    };
    const unknownPath = await get("ipxe/01-52-54-00-00-0f-0f.ipxe", "10.0.0.99");
    expect(unknownPath.status).toBe(404);
    for (const p of [`ipxe/01-${mac1}.ipxe`, `pxelinux.cfg/01-${mac1}`]) {
      expect(fs.existsSync(path.join(root, "export", p)), p).toBe(true);
      expect((await get(p, ip1)).status, p).toBe(200);
      expect((await get(p, ip1, "HEAD")).status, p).toBe(200);
      // another host, any other machine, the host's neighbour on the network: the 404 of a path that is not there
      for (const from of [hostIn(2).ip, "10.0.0.99", "192.0.2.1", "unknown"]) {
        expect(await get(p, from), `${p} from ${from}`).toEqual(unknownPath);
        expect((await get(p, from, "HEAD")).status).toBe(404);
      }
    }
    // a name that leads to a host's file (a symlink in the export directory) is the same file
    fs.symlinkSync(`ipxe/01-${mac2}.ipxe`, path.join(root, "export", "alias.ipxe"));
    try {
      expect((await get("alias.ipxe", ip1)).status).toBe(404);
      expect((await get("alias.ipxe", hostIn(2).ip)).status).toBe(200);
    } finally {
      fs.rmSync(path.join(root, "export", "alias.ipxe"));
    }
    // what every machine needs stays public
    for (const p of ["boot.ipxe", "ipxe/default.ipxe"]) expect((await get(p, "192.0.2.1")).status, p).toBe(200);
  });

  it("/boot/ never follows a symlink out of the export directory", async () => {
    const outside = path.join(root, "outside.txt");
    fs.writeFileSync(outside, "a private file\n");
    fs.symlinkSync(outside, path.join(root, "export", "leak.txt"));
    fs.symlinkSync(path.join(root, "images"), path.join(root, "export", "elsewhere"));
    try {
      expect((await boot.GET(req("/boot/leak.txt", { token: null }), bootCtx("leak.txt"))).status).toBe(404);
      expect((await boot.HEAD(req("/boot/leak.txt", { method: "HEAD", token: null }), bootCtx("leak.txt"))).status).toBe(404);
      expect((await boot.GET(req("/boot/elsewhere/vmlinuz", { token: null }), bootCtx("elsewhere/vmlinuz"))).status).toBe(404);
    } finally {
      fs.rmSync(path.join(root, "export", "leak.txt"));
      fs.rmSync(path.join(root, "export", "elsewhere"));
    }
  });
});
