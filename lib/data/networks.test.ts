import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { admin, operator, viewer } from "@/lib/testing/actors";
import { cellForm, insertHost, networkForm } from "@/lib/testing/fixtures";
import { createCell } from "./cells";
import { createNetwork, deleteNetwork, getNetwork, listNetworks, updateNetwork } from "./networks";

const code = async (p: Promise<unknown>) => {
  try {
    await p;
    return "ok";
  } catch (e) {
    if (e instanceof AppError) return `${e.status} ${e.message}`;
    throw e;
  }
};

describe("networks data layer", () => {
  it("creates, reads, lists and audits", async () => {
    const input = networkForm();
    const row = await createNetwork(operator, input);
    expect(row!.revision).toBe(1);
    expect((await getNetwork(viewer, input.name)).dns).toEqual(["10.0.0.1"]);
    expect((await listNetworks(viewer, { q: input.name })).total).toBe(1);
    const audit = await db.auditEntry.findFirstOrThrow({ where: { action: "network.create", targetName: input.name } });
    expect(audit.actorName).toBe("test-operator");
    expect(audit.after).toMatchObject({ subnet: "10.0.0.0/24" });
  });

  it("refuses a duplicate name with 409 on the name field and keeps one row", async () => {
    const input = networkForm();
    await createNetwork(operator, input);
    await expect(createNetwork(operator, { ...input, subnet: "10.9.0.0/24", gateway: "10.9.0.1" })).rejects.toMatchObject({
      status: 409,
      fields: { name: "This network name is already taken" },
    });
    expect(await db.network.count({ where: { name: input.name } })).toBe(1);
  });

  it("refuses a viewer and changes nothing", async () => {
    const input = networkForm();
    expect(await code(createNetwork(viewer, input))).toMatch(/^403 This needs the operator role/);
    expect(await db.network.count({ where: { name: input.name } })).toBe(0);
    expect(await db.auditEntry.count({ where: { targetName: input.name } })).toBe(0);
  });

  it("updates with the current revision, refuses a stale one (optimistic concurrency)", async () => {
    const input = networkForm();
    await createNetwork(operator, input);
    const updated = await updateNetwork(operator, input.name, { ...input, notes: "first", revision: 1 });
    expect(updated!.revision).toBe(2);
    expect(await code(updateNetwork(admin, input.name, { ...input, notes: "second", revision: 1 }))).toMatch(/^409 .*changed by someone else/);
    expect((await getNetwork(viewer, input.name)).notes).toBe("first");
    const audit = await db.auditEntry.findFirstOrThrow({ where: { action: "network.update", targetName: input.name } });
    expect(audit.before).toMatchObject({ notes: "" });
    expect(audit.after).toMatchObject({ notes: "first" });
  });

  it("renames and refuses renaming onto another network", async () => {
    const a = networkForm();
    const b = networkForm();
    await createNetwork(operator, a);
    await createNetwork(operator, b);
    expect(await code(updateNetwork(operator, a.name, { ...a, name: b.name, revision: 1 }))).toMatch(/^409/);
    await updateNetwork(operator, a.name, { ...a, name: `${a.name}x`, revision: 1 });
    expect((await getNetwork(viewer, `${a.name}x`)).revision).toBe(2);
  });

  it("deletes, and refuses deleting a network that hosts use", async () => {
    const input = networkForm();
    const net = await createNetwork(operator, input);
    const cell = await createCell(operator, cellForm());
    const host = await insertHost(net!.id, cell!.id);
    expect(await code(deleteNetwork(operator, input.name))).toMatch(/^409 Network .* still has 1 host/);
    expect(await db.network.count({ where: { name: input.name } })).toBe(1);
    await db.host.delete({ where: { id: host.id } });
    await deleteNetwork(operator, input.name);
    expect(await code(getNetwork(viewer, input.name))).toMatch(/^404/);
    expect(await db.auditEntry.count({ where: { action: "network.delete", targetName: input.name } })).toBe(1);
  });

  it("paginates and searches by subnet prefix", async () => {
    for (let i = 0; i < 3; i++) await createNetwork(operator, networkForm({ subnet: `172.16.${i}.0/24`, gateway: `172.16.${i}.1` }));
    const r = await listNetworks(viewer, { q: "172.16." });
    expect(r.total).toBe(3);
    expect(r.items.map((n) => n.subnet)).toHaveLength(3);
  });
});
