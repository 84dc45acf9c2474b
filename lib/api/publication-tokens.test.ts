import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { NextRequest } from "next/server";
import * as publications from "@/app/api/v1/publications/route";
import * as publication from "@/app/api/v1/publications/[id]/route";
import { db } from "@/lib/db";
import { createApiToken } from "@/lib/data/api-tokens";
import { enrollHosts } from "@/lib/data/host-bulk";
import { rotateHostToken } from "@/lib/data/host-token";
import { reportTokens } from "@/lib/data/snapshot";
import { admin, operator } from "@/lib/testing/actors";
import { hostIn, seedPublishable } from "@/lib/testing/fleet-fixtures";

// A host's report token is in its PXE files, which a publication diffs. The diffs are shown to
// viewers (page and API) and stored in the database: neither may carry a token, yet a new token
// must still show as a changed line.

const root = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-pub-tokens-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let op = "";
let ro = "";
beforeAll(async () => {
  await seedPublishable(root);
  await enrollHosts(operator, [hostIn(1), hostIn(2)]);
  op = (await createApiToken(admin, { name: "op", role: "operator" }))!.token;
  ro = (await createApiToken(admin, { name: "ro", role: "viewer" }))!.token;
});

const req = (p: string, token: string, method = "GET", body?: unknown) =>
  new NextRequest(`http://127.0.0.1:3000${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const ctx = (params: Record<string, string> = {}) => ({ params: Promise.resolve(params) });

async function show(publicationId: string) {
  const shown = await publication.GET(req(`/api/v1/publications/${publicationId}`, ro), ctx({ id: publicationId }));
  expect(shown.status).toBe(200);
  return await shown.text();
}

describe("report tokens in publication diffs", () => {
  it("are hidden from viewers and from the database; a new token still shows as a changed line", async () => {
    const tokens = (await reportTokens(admin)).map((t) => t.token);
    const res = await publications.POST(req("/api/v1/publications", op, "POST", {}), ctx());
    expect(res.status).toBe(201);
    const first = await show(((await res.json()) as { publicationId: string }).publicationId);
    expect(first).toContain("afsboot.token=<hidden ");
    for (const t of tokens) expect(first).not.toContain(t);

    // rotating a token republishes the host's files: that publication's diff shows the change
    await rotateHostToken(operator, "node001");
    const [fresh] = (await reportTokens(admin, "node001")).map((t) => t.token);
    const latest = await db.publication.findFirstOrThrow({ orderBy: { startedAt: "desc" }, select: { id: true } });
    const second = await show(latest.id);
    expect(second).not.toContain(fresh);
    const diff = (JSON.parse(second) as { files: { rows: { path: string; diff: string | null }[] } }).files.rows.find((f) =>
      f.path.startsWith("pxelinux.cfg/"),
    )!.diff!;
    const hidden = (sign: string) => new RegExp(`^\\${sign}.*afsboot\\.token=<hidden ([0-9a-f]{8})>`, "m").exec(diff)?.[1];
    expect(hidden("-")).toBeDefined();
    expect(hidden("+")).toBeDefined();
    expect(hidden("-")).not.toBe(hidden("+"));

    const stored = await db.publicationFile.findMany({ select: { diff: true } });
    for (const t of [...tokens, fresh!]) expect(stored.filter((f) => f.diff?.includes(t))).toEqual([]);
  });
});
