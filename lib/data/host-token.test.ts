import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { db } from "@/lib/db";
import { admin, operator, viewer } from "@/lib/testing/actors";
import { hostIn, seedPublishable } from "@/lib/testing/fleet-fixtures";
import { identify } from "./boot-reporters";
import { enrollHosts } from "./host-bulk";
import { hostToken, rotateHostToken } from "./host-token";
import { publish } from "./publish";
import { reportTokens } from "./snapshot";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-token-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
beforeAll(async () => {
  await seedPublishable(root);
  await enrollHosts(operator, [hostIn(7)]);
  await publish(operator, { outDir: path.join(root, "export") });
});

describe("report token rotation", () => {
  it("stops the old token at once, republishes the host's files with the new one, and is audited", async () => {
    const old = (await hostToken(operator, "node007")).token;
    expect(old).toBe((await reportTokens(admin, "node007"))[0]!.token);
    expect(await identify(hostIn(7).mac, old)).toMatchObject({ kind: "host" });
    const r = await rotateHostToken(operator, "node007");
    expect(r).toMatchObject({ generation: 2, published: { ok: true, files: 2 } });
    const fresh = (await hostToken(operator, "node007")).token;
    expect(fresh).not.toBe(old);
    expect(await identify(hostIn(7).mac, old)).toMatchObject({ kind: "refused" });
    expect(await identify(hostIn(7).mac, fresh)).toMatchObject({ kind: "host" });
    const ipxe = fs.readFileSync(path.join(root, "export", `ipxe/01-${hostIn(7).mac.replace(/:/g, "-")}.ipxe`), "utf8");
    expect(ipxe).toContain(`afsboot.token=${fresh}`);
    expect(await db.auditEntry.count({ where: { action: "host.token_rotate", targetName: "node007" } })).toBe(1);
    await expect(rotateHostToken(viewer, "node007")).rejects.toMatchObject({ status: 403 });
    await expect(hostToken(viewer, "node007")).rejects.toMatchObject({ status: 403 });
    await expect(rotateHostToken(operator, "ghost")).rejects.toMatchObject({ status: 404 });
  });
});
