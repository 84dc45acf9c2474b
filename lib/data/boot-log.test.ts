import { beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import * as bootsRoute from "@/app/api/v1/boots/route";
import { db } from "@/lib/db";
import { createApiToken } from "@/lib/data/api-tokens";
import { enrollHosts } from "@/lib/data/host-bulk";
import { createNetwork } from "@/lib/data/networks";
import { createRelease, createVersion } from "@/lib/data/releases";
import { admin, operator, viewer } from "@/lib/testing/actors";
import { hostIn, seedInventory } from "@/lib/testing/fleet-fixtures";
import { networkForm } from "@/lib/testing/fixtures";
import { bootLogQuery } from "@/lib/validation/boot-log";
import { listBoots } from "./boot-log";

// The fleet's boot log: every boot newest first, each filter exact, bad filters refused.

const T0 = Date.parse("2026-12-01T10:00:00Z");
const at = (min: number) => new Date(T0 + min * 60_000);
let token = "";

beforeAll(async () => {
  await seedInventory(); // network lab 10.0.0.0/24, rh-7.3 (1 active, 2 draft)
  await createNetwork(operator, networkForm({ name: "lab2", subnet: "10.9.0.0/24", gateway: "10.9.0.1", bootServer: "10.9.0.1" }));
  await createRelease(operator, { name: "deb_12", tree: "/afs/example.org/boot/deb_12", notes: "" });
  const v = { kernel: "vmlinuz", baseInitrd: "initrd.img", modules: [], readonly: ["usr"], writable: ["etc"], tmpfsSize: "90M", notes: "" };
  await createVersion(operator, "deb_12", { ...v, version: "1" }, { activate: true });
  await createRelease(operator, { name: "debx12", tree: "/afs/example.org/boot/debx12", notes: "" });
  await createVersion(operator, "debx12", { ...v, version: "1" }, { activate: true });
  await enrollHosts(operator, [hostIn(1), hostIn(2), { ...hostIn(3), name: "web01", ip: "10.9.0.20" }]);
  const id = async (name: string) => (await db.host.findUniqueOrThrow({ where: { name } })).id;
  const boot = (host: string, bootId: string, min: number, over: Record<string, unknown>) => ({ hostId: host, bootId, startedAt: at(min), lastEventAt: at(min + 1), currentStage: "up" as const, state: "up" as const, ...over });
  const [n1, n2, w1] = [await id("node001"), await id("node002"), await id("web01")];
  await db.boot.createMany({
    data: [
      boot(n1, "boot-a-0001", 0, { releaseVersion: "rh-7.3@1", finishedAt: at(2) }),
      boot(n1, "boot-a-0002", 10, { releaseVersion: "deb_12@1", state: "failed", currentStage: "failed", failedStage: "afs", message: "afs: no database server answers" }),
      boot(n2, "boot-b-0001", 20, { releaseVersion: "debx12@1", finishedAt: at(21) }),
      // quiet at the afs stage for days: stalled
      boot(n2, "boot-b-0002", 30, { releaseVersion: "rh-7.3@1", state: "booting", currentStage: "afs" }),
      boot(w1, "boot-w-0001", 40, { releaseVersion: "rh-7.3@1", finishedAt: at(41) }),
    ],
  });
  token = (await createApiToken(admin, { name: "ro", role: "viewer" }))!.token;
});

const ids = async (q: Record<string, string>) => (await listBoots(viewer, bootLogQuery.parse(q))).items.map((b) => b.bootId);

describe("the boot log", () => {
  it("lists every boot newest first, with its host, network, state and message", async () => {
    const all = await listBoots(viewer, bootLogQuery.parse({}));
    expect(all.total).toBe(5);
    expect(all.items.map((b) => b.bootId)).toEqual(["boot-w-0001", "boot-b-0002", "boot-b-0001", "boot-a-0002", "boot-a-0001"]);
    expect(all.items[0]).toMatchObject({ host: "web01", network: "lab2", state: "up", durationMs: 41 * 60_000 - 40 * 60_000 });
    expect(all.items[1]).toMatchObject({ state: "stalled", currentStage: "afs" });
    expect(all.items[3]).toMatchObject({ host: "node001", state: "failed", failedStage: "afs", message: "afs: no database server answers" });
  });

  it("filters exactly by state, stage, release, version, network, host and time", async () => {
    expect(await ids({ state: "failed" })).toEqual(["boot-a-0002"]);
    expect(await ids({ state: "stalled" })).toEqual(["boot-b-0002"]);
    expect(await ids({ state: "up" })).toEqual(["boot-w-0001", "boot-b-0001", "boot-a-0001"]);
    expect(await ids({ stage: "afs" })).toEqual(["boot-b-0002"]);
    // deb_12's '_' is a character, not a LIKE wildcard: debx12 is another release
    expect(await ids({ release: "deb_12" })).toEqual(["boot-a-0002"]);
    expect(await ids({ version: "rh-7.3@1" })).toEqual(["boot-w-0001", "boot-b-0002", "boot-a-0001"]);
    expect(await ids({ network: "lab2" })).toEqual(["boot-w-0001"]);
    expect(await ids({ host: "node" })).toEqual(["boot-b-0002", "boot-b-0001", "boot-a-0002", "boot-a-0001"]);
    expect(await ids({ host: "node002", state: "up" })).toEqual(["boot-b-0001"]);
    expect(await ids({ from: "2026-12-01T10:10", to: "2026-12-01T10:30" })).toEqual(["boot-b-0001", "boot-a-0002"]);
  });

  it("pages through the boots without gaps or repeats", async () => {
    const seen: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const r = await listBoots(viewer, { page, pageSize: 2 });
      seen.push(...r.items.map((b) => b.bootId));
    }
    expect(seen).toEqual(["boot-w-0001", "boot-b-0002", "boot-b-0001", "boot-a-0002", "boot-a-0001"]);
  });

  it("GET /api/v1/boots: the same list for viewers; bad filters are a 422 naming the field", async () => {
    const get = (qs: string, auth = token) => bootsRoute.GET(new NextRequest(`http://127.0.0.1:3000/api/v1/boots${qs}`, { headers: auth ? { authorization: `Bearer ${auth}` } : {} }), { params: Promise.resolve({}) });
    const ok = await get("?state=failed");
    expect(ok.status).toBe(200);
    expect((await ok.json()).items.map((b: { bootId: string }) => b.bootId)).toEqual(["boot-a-0002"]);
    expect((await get("", "")).status).toBe(401);
    for (const [qs, field] of [["?state=happy", "state"], ["?from=2026-12-02T00:00&to=2026-12-01T00:00", "to"], ["?from=yesterday", "from"], ["?pageSize=7", "pageSize"], ["?host=n%25", "host"], ["?version=rh-7.3", "version"]] as const) {
      const res = await get(qs);
      expect(res.status, qs).toBe(422);
      expect((await res.json()).error.fields.map((f: { path: string }) => f.path), qs).toContain(field);
    }
  });
});
