import { beforeAll, describe, expect, it, vi } from "vitest";
import { NextRequest } from "next/server";
import * as events from "@/app/api/v1/boot-events/route";
import * as boots from "@/app/api/v1/hosts/[name]/boots/route";
import { db } from "@/lib/db";
import { createApiToken } from "@/lib/data/api-tokens";
import { recordReport } from "@/lib/data/boot-ingest";
import { enrollHosts } from "@/lib/data/host-bulk";
import { deleteHost } from "@/lib/data/hosts";
import { reportTokens } from "@/lib/data/snapshot";
import { admin, operator } from "@/lib/testing/actors";
import { hostIn, seedInventory } from "@/lib/testing/fleet-fixtures";

let tok1 = "";
let tok2 = "";
let viewerApi = "";
const mac1 = hostIn(1).mac;
beforeAll(async () => {
  await seedInventory();
  await enrollHosts(operator, [hostIn(1), hostIn(2)]);
  const tokens = await reportTokens(admin);
  tok1 = tokens.find((t) => t.name === "node001")!.token;
  tok2 = tokens.find((t) => t.name === "node002")!.token;
  viewerApi = (await createApiToken(admin, { name: "ro", role: "viewer" }))!.token;
});

let n = 0;
const src = () => `192.0.2.${++n % 250}`;
function post(body: string | Record<string, unknown>, opts: { form?: boolean; type?: string; bearer?: string; from?: string } = {}) {
  const form = opts.form ?? typeof body !== "string";
  const text = typeof body === "string" ? body : form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body);
  const headers: Record<string, string> = {
    "content-type": opts.type ?? (form ? "application/x-www-form-urlencoded" : "application/json"),
    "x-forwarded-for": opts.from ?? src(),
  };
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  return events.POST(new NextRequest("http://127.0.0.1:3000/api/v1/boot-events", { method: "POST", headers, body: text }));
}
const report = (stage: string, over: Record<string, string> = {}) => ({
  mac: mac1,
  bootId: "0f1e2d3c-aaaa-bbbb-cccc-000000000001",
  stage,
  token: tok1,
  ...over,
});
const getBoots = async (name: string, q = "") =>
  (
    await boots.GET(new NextRequest(`http://127.0.0.1:3000/api/v1/hosts/${name}/boots${q}`, { headers: { authorization: `Bearer ${viewerApi}` } }), {
      params: Promise.resolve({ name }),
    })
  ).json();

describe("POST /api/v1/boot-events", () => {
  it("accepts form reports as busybox wget sends them, and JSON with a Bearer token; a retry is not a second event", async () => {
    const sha = "ab".repeat(32);
    const first = await post(
      report("initrd", { message: "init started", initrdSha256: sha, releaseVersion: "rh-7.3@1", ip: "10.0.0.11", at: "2026-11-26T10:00:00Z" }),
    );
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ accepted: true, duplicate: false });
    const again = await post(report("initrd"));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ accepted: true, duplicate: true });
    const { token: _t, ...noToken } = report("network");
    expect((await post(JSON.stringify(noToken), { form: false, bearer: tok1 })).status).toBe(202);
    expect(await db.bootEvent.count()).toBe(2);
    const { boots: list } = await getBoots("node001");
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      bootId: "0f1e2d3c-aaaa-bbbb-cccc-000000000001",
      state: "booting",
      currentStage: "network",
      initrdSha256: sha,
      releaseVersion: "rh-7.3@1",
      clientIp: "10.0.0.11",
    });
    expect(list[0].stages.map((s: { stage: string }) => s.stage)).toEqual(["initrd", "network"]);
    expect(list[0].stages[0]).toMatchObject({ message: "init started", clientAt: "2026-11-26T10:00:00Z" });
    expect((await db.host.findUniqueOrThrow({ where: { name: "node001" }, include: { lastBoot: true } })).lastBoot?.bootId).toBe(
      "0f1e2d3c-aaaa-bbbb-cccc-000000000001",
    );
  });

  it("takes stages out of order and a failure with its stage and message", async () => {
    const bootId = "0f1e2d3c-aaaa-bbbb-cccc-000000000002";
    for (const stage of ["up", "afs", "initrd", "switch", "network", "root"]) expect((await post(report(stage, { bootId }))).status).toBe(202);
    const b = (await getBoots("node001")).boots.find((x: { bootId: string }) => x.bootId === bootId);
    expect(b).toMatchObject({ state: "up", currentStage: "up" });
    expect(b.stages.map((s: { stage: string }) => s.stage)).toEqual(["initrd", "network", "afs", "root", "switch", "up"]);
    const failId = "0f1e2d3c-aaaa-bbbb-cccc-000000000003";
    await post(report("initrd", { bootId: failId }));
    expect((await post(report("failed", { bootId: failId, failedStage: "afs", message: "afs: cannot mount root.cell: No route to host" }))).status).toBe(202);
    const failed = await getBoots("node001", "?state=failed");
    expect(failed.boots).toHaveLength(1);
    expect(failed.boots[0]).toMatchObject({ bootId: failId, state: "failed", failedStage: "afs", message: "afs: cannot mount root.cell: No route to host" });
  });

  it("refuses bad input with a JSON error and stores nothing", async () => {
    const before = await db.bootEvent.count();
    const cases: [Promise<Response>, number, string][] = [
      [post("{", { form: false }), 400, "malformed"],
      [post("[1]", { form: false }), 400, "malformed"],
      [post("mac=%zz&stage=up", { form: true }), 400, "malformed"],
      [post("x", { type: "text/plain" }), 415, "unsupported_media_type"],
      [post(report("booting")), 422, "invalid"],
      [post(report("up", { bootId: "x" })), 422, "invalid"],
      [post(report("up", { bootId: "a b c d e f g h" })), 422, "invalid"],
      [post(report("up", { mac: "nope" })), 422, "invalid"],
      [post(report("up", { initrdSha256: "xyz" })), 422, "invalid"],
      [post(report("up", { token: "" })), 401, "unauthorized"],
      [post(report("up", { token: "wrong" })), 401, "unauthorized"],
      [post(report("up", { token: tok2 })), 401, "unauthorized"], // another host's token
      [post(report("up", { mac: "52:54:00:99:99:99" })), 401, "unauthorized"], // a token with an unknown MAC
      [post({ ...report("up"), message: "x".repeat(17 * 1024) }), 413, "too_large"],
    ];
    for (const [res, status, code] of cases) {
      const r = await res;
      expect(r.status, code).toBe(status);
      expect((await r.json()).error.code).toBe(code);
    }
    expect(await db.bootEvent.count()).toBe(before);
  });

  it("a MAC nobody enrolled, without a token, is a discovery candidate (202), never attached to a host", async () => {
    const r = await post({ mac: "02:00:00:00:00:77", bootId: "discover-0001", stage: "network", ip: "10.0.0.77", message: "eth0 up" });
    expect(r.status).toBe(202);
    expect(await r.json()).toEqual({ accepted: true, discovered: true });
    await post({ mac: "02:00:00:00:00:77", bootId: "discover-0001", stage: "initrd" });
    expect(await db.discoveredHost.findUniqueOrThrow({ where: { mac: "02:00:00:00:00:77" } })).toMatchObject({
      reports: 2,
      lastStage: "initrd",
      lastIp: "10.0.0.77",
    });
    expect(await db.boot.count({ where: { bootId: "discover-0001" } })).toBe(0);
  });

  // The rate limits refill with time (a token every 2 s per address, every 1 s per host): with the
  // clock running, a flood that takes a busy machine a few seconds would earn tokens back. The
  // clock stands still in these two (only Date: timers and I/O run as usual).
  it("a flood of bad requests from one address gets 429, while valid reports through the same address pass", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    try {
      const proxy = "198.51.100.7";
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await post(report("up", { token: "guess" + i }), { from: proxy })).status);
      expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(30).every((s) => s === 429)).toBe(true);
      const ok = await post(report("initrd", { bootId: "0f1e2d3c-aaaa-bbbb-cccc-000000000004", token: tok2, mac: hostIn(2).mac }), { from: proxy });
      expect(ok.status).toBe(202);
    } finally {
      vi.useRealTimers();
    }
  });

  it("a host sending far more than a boot's reports is slowed down (429), others are not", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    try {
      const bootId = "0f1e2d3c-aaaa-bbbb-cccc-000000000005";
      const statuses: number[] = [];
      for (let i = 0; i < 70; i++) statuses.push((await post({ mac: hostIn(2).mac, bootId, stage: "up", token: tok2 })).status);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
      expect((await post(report("initrd", { bootId: "0f1e2d3c-aaaa-bbbb-cccc-000000000006" }))).status).toBe(202);
    } finally {
      vi.useRealTimers();
    }
  });

  // the attack: someone who learnt a host's token (it travels in the host's boot config) floods
  // reports with it, so that the host's own reports would be refused
  it("a flood with a host's token from elsewhere never makes the host's own reports 429", async () => {
    await enrollHosts(operator, [hostIn(7)]);
    const tok7 = (await reportTokens(admin, "node007"))[0]!.token;
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    try {
      const forged = [];
      for (let i = 0; i < 80; i++)
        forged.push((await post({ mac: hostIn(7).mac, bootId: `forged-boot-${i}`, stage: "initrd", token: tok7 }, { from: "198.51.100.66" })).status);
      expect(forged.slice(60).every((s) => s === 429)).toBe(true);
      // from another address the flood is the same host's "elsewhere": still refused
      expect((await post({ mac: hostIn(7).mac, bootId: "forged-boot-x", stage: "initrd", token: tok7 }, { from: "203.0.113.66" })).status).toBe(429);
      // the host itself, from its reserved address, reports a whole boot
      for (const stage of ["initrd", "network", "afs", "root", "switch", "up"]) {
        expect(
          (await post({ mac: hostIn(7).mac, bootId: "0f1e2d3c-aaaa-bbbb-cccc-000000000077", stage, token: tok7 }, { from: hostIn(7).ip })).status,
          stage,
        ).toBe(202);
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it("concurrent reports of many boots are all stored (group commit), none twice", async () => {
    await enrollHosts(
      operator,
      Array.from({ length: 40 }, (_, i) => hostIn(100 + i)),
    );
    const tokens = new Map((await reportTokens(admin)).map((t) => [t.name, t.token]));
    const stages = ["initrd", "network", "afs", "root", "switch", "up"];
    const all = Array.from({ length: 40 }, (_, i) => hostIn(100 + i)).flatMap((h) =>
      stages.flatMap((stage) => [0, 1].map(() => ({ mac: h.mac, bootId: `storm-${h.name}-boot`, stage, token: tokens.get(h.name)! }))),
    );
    const results = await Promise.all(all.map((b) => post(b, { from: "203.0.113.1" })));
    expect(results.every((r) => r.status === 202 || r.status === 200)).toBe(true);
    expect(results.filter((r) => r.status === 202)).toHaveLength(240);
    expect(await db.bootEvent.count({ where: { boot: { bootId: { startsWith: "storm-" } } } })).toBe(240);
    expect(await db.boot.count({ where: { bootId: { startsWith: "storm-" }, state: "up" } })).toBe(40);
    // every host's last boot is its own new boot (set for the whole batch at once)
    const hosts = await db.host.findMany({ where: { name: { in: Array.from({ length: 40 }, (_, i) => hostIn(100 + i).name) } }, include: { lastBoot: true } });
    expect(hosts).toHaveLength(40);
    for (const h of hosts) expect(h.lastBoot?.bootId).toBe(`storm-${h.name}-boot`);
    // a second boot of one host becomes its last boot; an older boot's late report does not take it back
    const h0 = hostIn(100);
    expect((await post({ mac: h0.mac, bootId: "storm-second-boot", stage: "initrd", token: tokens.get(h0.name)! })).status).toBe(202);
    expect((await post({ mac: h0.mac, bootId: `storm-${h0.name}-boot`, stage: "shutdown", token: tokens.get(h0.name)! })).status).toBe(202);
    expect((await db.host.findUniqueOrThrow({ where: { name: h0.name }, include: { lastBoot: true } })).lastBoot?.bootId).toBe("storm-second-boot");
  });
});

describe("enrolment changes while hosts report", () => {
  it("a deleted host's reports are refused at once, not stored and not a server error", async () => {
    const h = hostIn(180);
    await enrollHosts(operator, [h]);
    const token = (await reportTokens(admin)).find((t) => t.name === h.name)!.token;
    expect((await post({ mac: h.mac, bootId: "deleted-host-boot1", stage: "initrd", token })).status).toBe(202); // the MAC is cached now
    await deleteHost(operator, h.name);
    const res = await post({ mac: h.mac, bootId: "deleted-host-boot1", stage: "network", token });
    expect(res.status).toBe(401);
    expect(await db.boot.count({ where: { bootId: "deleted-host-boot1" } })).toBe(0);
  });

  it("one report that cannot be stored does not fail the others written with it", async () => {
    const h = hostIn(181);
    const [created] = await enrollHosts(operator, [h]);
    const good = recordReport(created!.id, { mac: h.mac, bootId: "batch-isolation-1", stage: "initrd" });
    const bad = recordReport("no-such-host", { mac: "02:00:00:00:00:99", bootId: "batch-isolation-2", stage: "initrd" });
    await expect(bad).rejects.toThrow();
    await expect(good).resolves.toEqual({ duplicate: false });
    expect(await db.boot.count({ where: { bootId: "batch-isolation-1" } })).toBe(1);
  });
});

describe("GET /api/v1/hosts/{name}/boots", () => {
  it("404 for an unknown host, 422 for a bad filter, 401 without a token", async () => {
    const get = (name: string, q = "", auth = true) =>
      boots.GET(new NextRequest(`http://127.0.0.1:3000/api/v1/hosts/${name}/boots${q}`, { headers: auth ? { authorization: `Bearer ${viewerApi}` } : {} }), {
        params: Promise.resolve({ name }),
      });
    expect((await get("ghost")).status).toBe(404);
    expect((await get("node001", "?state=sideways")).status).toBe(422);
    expect((await get("node001", "", false)).status).toBe(401);
  });
});
