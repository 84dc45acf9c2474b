import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { operator, viewer } from "@/lib/testing/actors";
import { cellForm, insertHost, networkForm } from "@/lib/testing/fixtures";
import { createCell, deleteCell, getCell, listCells, updateCell } from "./cells";
import { createNetwork } from "./networks";

describe("cells data layer", () => {
  it("creates with ordered servers and audits", async () => {
    const input = cellForm({ servers: [{ name: "b.example.org", ip: "10.0.0.6" }, { name: "a.example.org", ip: "10.0.0.5" }] });
    await createCell(operator, input);
    const cell = await getCell(viewer, input.name);
    expect(cell.servers).toEqual(input.servers);
    const audit = await db.auditEntry.findFirstOrThrow({ where: { action: "cell.create", targetName: input.name } });
    expect(audit.after).toMatchObject({ servers: input.servers });
  });

  it("refuses duplicates and viewers", async () => {
    const input = cellForm();
    await createCell(operator, input);
    await expect(createCell(operator, input)).rejects.toMatchObject({ status: 409, fields: { name: "This cell name is already taken" } });
    await expect(createCell(viewer, cellForm())).rejects.toMatchObject({ status: 403 });
    expect(await db.cell.count({ where: { name: input.name } })).toBe(1);
  });

  it("replaces the server list on update and bumps the revision", async () => {
    const input = cellForm();
    await createCell(operator, input);
    const servers = [{ name: "new.example.org", ip: "10.0.0.9" }];
    const after = await updateCell(operator, input.name, { ...input, servers, revision: 1 });
    expect(after!.servers).toEqual(servers);
    expect(after!.revision).toBe(2);
    await expect(updateCell(operator, input.name, { ...input, revision: 1 })).rejects.toMatchObject({ status: 409 });
    expect((await getCell(viewer, input.name)).servers).toEqual(servers);
  });

  it("refuses deleting a cell still used by hosts, then deletes", async () => {
    const input = cellForm();
    const cell = await createCell(operator, input);
    const net = await createNetwork(operator, networkForm());
    const host = await insertHost(net!.id, cell!.id);
    await expect(deleteCell(operator, input.name)).rejects.toMatchObject({ status: 409, message: expect.stringContaining("still used by 1 host") });
    await db.host.delete({ where: { id: host.id } });
    await deleteCell(operator, input.name);
    expect(await db.cellServer.count({ where: { cellId: cell!.id } })).toBe(0);
    expect((await listCells(viewer, { q: input.name })).total).toBe(0);
  });
});

describe("cells data layer: Kerberos realm and KDCs", () => {
  it("stores them, shows the KDCs as a list in order, audits create and update", async () => {
    const input = cellForm({ realm: "LAB.TEST", kdcs: ["kdc2.example.org:88", "10.0.0.5"] });
    await createCell(operator, input);
    expect(await getCell(viewer, input.name)).toMatchObject({ realm: "LAB.TEST", kdcs: ["kdc2.example.org:88", "10.0.0.5"] });
    const created = await db.auditEntry.findFirstOrThrow({ where: { action: "cell.create", targetName: input.name } });
    expect(created.after).toMatchObject({ realm: "LAB.TEST", kdcs: ["kdc2.example.org:88", "10.0.0.5"] });

    await updateCell(operator, input.name, { ...input, realm: null, kdcs: [], revision: 1 });
    expect(await getCell(viewer, input.name)).toMatchObject({ realm: null, kdcs: [] });
    const updated = await db.auditEntry.findFirstOrThrow({ where: { action: "cell.update", targetName: input.name } });
    expect([updated.before, updated.after]).toEqual([
      expect.objectContaining({ realm: "LAB.TEST", kdcs: ["kdc2.example.org:88", "10.0.0.5"] }),
      expect.objectContaining({ realm: null, kdcs: [] }),
    ]);
  });

  it("a caller in code that leaves them out keeps them; one that would leave a realm without KDCs is refused, nothing changed", async () => {
    const rest = cellForm();
    const input = { ...rest, realm: "LAB.TEST", kdcs: ["10.0.0.5"] };
    await createCell(operator, input);
    await updateCell(operator, input.name, { ...rest, cacheBlocks: 131072, revision: 1 });
    expect(await getCell(viewer, input.name)).toMatchObject({ realm: "LAB.TEST", kdcs: ["10.0.0.5"], cacheBlocks: 131072 });
    await expect(updateCell(operator, input.name, { ...rest, kdcs: [], revision: 2 })).rejects.toMatchObject({
      status: 422,
      fields: { kdcs: "A Kerberos realm needs its KDCs: list at least one (host or host:port), or clear the realm" },
    });
    await expect(createCell(operator, cellForm({ kdcs: ["10.0.0.5"] }))).rejects.toMatchObject({
      status: 422,
      fields: { realm: "KDCs need a Kerberos realm: give the realm they serve, or clear the KDCs" },
    });
    expect(await getCell(viewer, input.name)).toMatchObject({ realm: "LAB.TEST", kdcs: ["10.0.0.5"], revision: 2 });
  });
});
