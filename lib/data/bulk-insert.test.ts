import { afterEach, describe, expect, it, vi } from "vitest";
import { db, isPostgres, sqliteConnection } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { insertMany, insertVia, jsonChunks, newId, timeOrderedId } from "./bulk-insert";

afterEach(() => {
  insertVia.prisma = false;
});

/** Every column of the rows as SQLite holds it (quote(): its storage class shows, 700 against 700.0 or '700'), by path (host name). */
async function stored(table: string, where: Prisma.Sql, skip: string[] = []) {
  const cols = (await db.$queryRawUnsafe<{ name: string }[]>(`SELECT name FROM pragma_table_info('${table}')`)).map((c) => c.name).filter((c) => !skip.includes(c));
  return db.$queryRaw<Record<string, string>[]>`SELECT ${Prisma.raw(cols.map((c) => `quote("${c}") AS "${c}"`).join(", "))} FROM ${Prisma.raw(`"${table}"`)} WHERE ${where} ORDER BY ${Prisma.raw(table === "AuditHost" ? `"hostName"` : `"path"`)}`;
}

describe("insertMany", () => {
  it.skipIf(isPostgres())("stores on SQLite, through its prepared statement, what Prisma's way stores: text, integers, dates, nulls, bytes", async () => {
    const at = new Date("2026-12-06T05:00:00.123Z");
    const exportRows = (outDir: string) => [
      { outDir, path: "ipxe/01-52-54-00-00-00-01.ipxe", kind: "ipxe", sha256: "a".repeat(64), size: 700, hostId: null, publicationId: "p1", updatedAt: at },
      { outDir, path: "dhcp/dhcpd-lab.conf", kind: "dhcpd", sha256: "b".repeat(64), size: 0, hostId: "h1", publicationId: "p1", updatedAt: at },
    ];
    const pub = (id: string) => db.publication.create({ data: { id, status: "dry_run", actorType: "user", actorName: "t", outDir: "/x" } });
    await pub("pa");
    await pub("pb");
    const fileRows = (publicationId: string) => [
      { id: `${publicationId}-1`, publicationId, path: "dhcp/kea-dhcp4-lab.json", kind: "kea", sha256: "c".repeat(64), size: 12, change: "added", diff: "--- /dev/null\n", diffGzip: Buffer.from([0x1f, 0x8b, 0, 255]), diffWholeSize: 70_000, host: null },
      { id: `${publicationId}-2`, publicationId, path: "pxelinux.cfg/01-x", kind: "pxelinux", sha256: "d".repeat(64), size: 3, change: "removed", diff: null, diffGzip: null, diffWholeSize: null, host: "node001" },
    ];
    const prepared: string[] = [];
    for (const prisma of [true, false]) {
      insertVia.prisma = prisma;
      const tag = prisma ? "prisma" : "sqlite";
      await db.$transaction(async (tx) => {
        // (SQLite: the statements the connection prepares, to see which way the rows went)
        const conn = sqliteConnection();
        const spy = conn && vi.spyOn(conn, "prepare");
        await insertMany(tx, "ExportFile", exportRows(`/${tag}`), 500, { json: true });
        await insertMany(tx, "ExportFile", exportRows(`/${tag}-params`));
        await insertMany(tx, "PublicationFile", fileRows(prisma ? "pa" : "pb"), 500, { json: true });
        // (Prisma's adapter prepares its own statements on it too: a JSON or multi-row insert)
        const oneRow = /^INSERT INTO "(\w+)" \([^)]*\) VALUES \((?:\?, )*\?\)$/;
        if (spy) prepared.push(...spy.mock.calls.flatMap((c) => oneRow.exec(String(c[0]))?.slice(1).map((t) => `${tag}: ${t}`) ?? []));
        spy?.mockRestore();
      });
      const entry = await db.auditEntry.create({ data: { actorType: "user", actorName: "t", action: "test", targetType: "host", targetName: tag } });
      await db.$transaction((tx) => insertMany(tx, "AuditHost", [{ entryId: entry.id, hostId: "h1", hostName: "node001" }, { entryId: entry.id, hostId: "h2", hostName: "node002" }]));
    }
    for (const dir of ["", "-params"]) expect(await stored("ExportFile", Prisma.sql`"outDir" = ${`/sqlite${dir}`}`, ["outDir"])).toEqual(await stored("ExportFile", Prisma.sql`"outDir" = ${`/prisma${dir}`}`, ["outDir"]));
    const files = (p: string) => stored("PublicationFile", Prisma.sql`"publicationId" = ${p}`, ["id", "publicationId"]);
    expect(await files("pb")).toEqual(await files("pa"));
    expect((await files("pa")).map((r) => [r.path, r.size, r.diffGzip, r.diffWholeSize, r.host])).toEqual([
      ["'dhcp/kea-dhcp4-lab.json'", "12", "X'1F8B00FF'", "70000", "NULL"],
      ["'pxelinux.cfg/01-x'", "3", "NULL", "NULL", "'node001'"],
    ]);
    const auditHosts = (targetName: string) => stored("AuditHost", Prisma.sql`"entryId" IN (SELECT "id" FROM "AuditEntry" WHERE "targetName" = ${targetName})`, ["entryId"]);
    expect(await auditHosts("sqlite")).toEqual(await auditHosts("prisma"));
    expect(await auditHosts("sqlite")).toHaveLength(2);
    expect(prepared).toEqual(["sqlite: ExportFile", "sqlite: ExportFile", "sqlite: PublicationFile"]);
  });

  it("inserts within the caller's transaction: nothing stays of one that fails", async () => {
    const rows = Array.from({ length: 600 }, (_, i) => ({ outDir: "/rolled-back", path: `f${i}`, kind: "ipxe", sha256: "e".repeat(64), size: i, hostId: null, publicationId: "p1", updatedAt: new Date() }));
    for (const prisma of [true, false]) {
      insertVia.prisma = prisma;
      await expect(
        db.$transaction(async (tx) => {
          await insertMany(tx, "ExportFile", rows, 500, { json: true });
          expect(await tx.exportFile.count({ where: { outDir: "/rolled-back" } })).toBe(600);
          // the same primary key again: the insert fails, and the transaction with it
          await insertMany(tx, "ExportFile", rows.slice(0, 1));
        }),
      ).rejects.toThrow();
      expect(await db.exportFile.count({ where: { outDir: "/rolled-back" } })).toBe(0);
    }
  });
});

describe("jsonChunks", () => {
  it("cuts by rows, and by the text the rows carry (diff previews of up to 64 KiB a row)", () => {
    const rows = Array.from({ length: 12 }, (_, i) => ({ id: `r${i}`, n: i }));
    expect(jsonChunks(rows, 5).map((c) => c.length)).toEqual([5, 5, 2]);
    const big = Array.from({ length: 10 }, (_, i) => ({ id: `r${i}`, diff: "x".repeat(1000) }));
    // ~1,002 characters a row: 3 rows fit in 3,100, a fourth does not
    expect(jsonChunks(big, 5000, 3100).map((c) => c.length)).toEqual([3, 3, 3, 1]);
    expect(jsonChunks(big, 5000, 3100).flat()).toEqual(big);
    // a row larger than the limit still goes, alone
    expect(jsonChunks([{ diff: "y".repeat(10) }, { diff: "z" }], 5000, 5).map((c) => c.length)).toEqual([1, 1]);
    expect(jsonChunks([])).toEqual([]);
  });
});

describe("ids", () => {
  it("newId: the prefix and 24 hex digits, never the same twice (across refills of its random pool)", () => {
    const ids = Array.from({ length: 5000 }, () => newId("f"));
    for (const id of ids) expect(id).toMatch(/^f[0-9a-f]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // random: no digit position is constant over many ids
    for (let i = 1; i <= 24; i++) expect(new Set(ids.map((id) => id[i])).size).toBeGreaterThan(8);
  });

  it("timeOrderedId: newId's form, never the same twice", () => {
    const ids = Array.from({ length: 2000 }, () => timeOrderedId("f"));
    for (const id of ids) expect(id).toMatch(/^f[0-9a-f]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
