import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { NextRequest } from "next/server";
import * as rollouts from "@/app/api/v1/rollouts/route";
import * as rollout from "@/app/api/v1/rollouts/[id]/route";
import * as lever from "@/app/api/v1/rollouts/[id]/[lever]/route";
import { db } from "@/lib/db";
import { createApiToken } from "@/lib/data/api-tokens";
import { admin } from "@/lib/testing/actors";
import { seedRolloutFleet } from "@/lib/testing/rollout-fixtures";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-rollouts-api-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let op = "";
let ro = "";
beforeAll(async () => {
  await seedRolloutFleet(root, 3, new Date(Date.now() - 3_600_000));
  op = (await createApiToken(admin, { name: "op", role: "operator" }))!.token;
  ro = (await createApiToken(admin, { name: "ro", role: "viewer" }))!.token;
});

function req(p: string, init: { method?: string; token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${init.token ?? op}` };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  return new NextRequest(`http://127.0.0.1:3000${p}`, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}
const ctx = (params: Record<string, string> = {}) => ({ params: Promise.resolve(params) });
const body = { version: "rh-7.3@2", selector: { release: "rh-7.3" }, canary: 1, wave: "50%", rollback: true };

describe("rollouts API", () => {
  it("previews with ?dryRun=1 (200, nothing written), starts (201), lists and shows it", async () => {
    const dry = await rollouts.POST(req("/api/v1/rollouts?dryRun=1", { method: "POST", body }), ctx());
    expect(dry.status).toBe(200);
    expect(await dry.json()).toEqual({
      version: "rh-7.3@2",
      mode: "power",
      hostCount: 3,
      waves: [
        { index: 0, label: "Canary", hosts: ["node001"] },
        { index: 1, label: "Wave 1", hosts: ["node002", "node003"] },
      ],
    });
    expect(await db.rollout.count()).toBe(0);
    const started = await rollouts.POST(req("/api/v1/rollouts", { method: "POST", body }), ctx());
    expect(started.status).toBe(201);
    const r = await started.json();
    expect(r).toMatchObject({
      state: "running",
      version: "rh-7.3@2",
      hostCount: 3,
      settings: { wave: "50%", rollback: true },
      waveList: [{ label: "Canary", limit: 0 }, { label: "Wave 1" }],
    });
    const list = await (await rollouts.GET(req("/api/v1/rollouts?state=running", { token: ro }), ctx())).json();
    expect(list).toMatchObject({ total: 1, items: [{ id: r.id, counts: { pending: 3 } }] });
    const ofVersion = await (await rollouts.GET(req("/api/v1/rollouts?version=rh-7.3%402", { token: ro }), ctx())).json();
    expect(ofVersion.items.map((x: { id: string }) => x.id)).toContain(r.id);
    expect(
      (await (await rollouts.GET(req("/api/v1/rollouts?version=rh-7.3%403", { token: ro }), ctx())).json()).items.map((x: { id: string }) => x.id),
    ).not.toContain(r.id);
    const one = await rollout.GET(req(`/api/v1/rollouts/${r.id}`, { token: ro }), ctx({ id: r.id }));
    expect((await one.json()).waveList[1].hosts.map((h: { name: string }) => h.name)).toEqual(["node002", "node003"]);

    const pause = await lever.POST(req(`/api/v1/rollouts/${r.id}/pause`, { method: "POST" }), ctx({ id: r.id, lever: "pause" }));
    expect(pause.status).toBe(200);
    expect((await pause.json()).state).toBe("paused");
    const again = await lever.POST(req(`/api/v1/rollouts/${r.id}/pause`, { method: "POST" }), ctx({ id: r.id, lever: "pause" }));
    expect(again.status).toBe(409);
    expect((await again.json()).error.message).toBe(`Rollout ${r.id} is paused: only a running rollout can be paused`);
    const overlap = await rollouts.POST(req("/api/v1/rollouts", { method: "POST", body }), ctx());
    expect(overlap.status).toBe(422);
    expect((await overlap.json()).error.fields).toEqual([
      { path: "selector", message: expect.stringMatching(/^Hosts node001, node002, node003 are already in rollout/) },
    ]);
    expect((await lever.POST(req(`/api/v1/rollouts/${r.id}/abort`, { method: "POST" }), ctx({ id: r.id, lever: "abort" }))).status).toBe(200);
  });

  it("answers bad input with 4xx JSON, never 500", async () => {
    const post = async (b: unknown, token = op) => {
      const res = await rollouts.POST(req("/api/v1/rollouts", { method: "POST", body: b, token }), ctx());
      return { status: res.status, error: (await res.json()).error };
    };
    expect(await post({ ...body, wave: 0 })).toMatchObject({ status: 422, error: { fields: [{ path: "wave" }] } });
    expect(await post({ ...body, selector: {} })).toMatchObject({ status: 422, error: { fields: [{ path: "selector" }] } });
    expect(await post({ ...body, version: "rh-7.3@9" })).toMatchObject({
      status: 422,
      error: { message: "There is no version rh-7.3@9", fields: [{ path: "version" }] },
    });
    expect(await post({ ...body, wave: 4 })).toMatchObject({ status: 422, error: { message: "A wave of 4 is larger than the 3 selected hosts" } });
    expect(await post(body, ro)).toMatchObject({ status: 403 });
    const badVersion = await rollouts.GET(req("/api/v1/rollouts?version=rh-7.3", { token: ro }), ctx());
    expect(badVersion.status).toBe(422);
    expect((await badVersion.json()).error.fields).toEqual([{ path: "version", message: "Name a version: rh-7.3@VERSION" }]);
    expect((await rollout.GET(req("/api/v1/rollouts/nope", { token: ro }), ctx({ id: "nope" }))).status).toBe(404);
    expect((await lever.POST(req("/api/v1/rollouts/nope/launch", { method: "POST" }), ctx({ id: "nope", lever: "launch" }))).status).toBe(404);
    expect((await lever.POST(req("/api/v1/rollouts/nope/pause", { method: "POST" }), ctx({ id: "nope", lever: "pause" }))).status).toBe(404);
  });
});
