import { beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "@/lib/db";
import { createSession } from "@/lib/data/sessions";
import { createUser } from "@/lib/data/users";
import { admin } from "@/lib/testing/actors";
import { seedInventory } from "@/lib/testing/fleet-fixtures";

// CSV and range enrollment through the action wrapper: the session's role, the input's schema,
// then one enrollBatch() that checks every row against the database and saves all or nothing.

const session = { secret: "" };
vi.mock("next/headers", () => ({
  headers: async () => new Headers(),
  cookies: async () => ({ get: () => (session.secret ? { value: session.secret } : undefined), set: () => {}, delete: () => {} }),
}));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));

const { previewCsv, enrollCsv } = await import("./import/actions");
const { previewRange, enrollRange } = await import("./range/actions");

const signedIn = new Map<string, string>();
async function as(role: "operator" | "viewer") {
  if (!signedIn.has(role)) {
    const user = await createUser(admin, { username: `enroll-${role}`, password: "a-long-enough-password", role });
    signedIn.set(role, (await createSession(user.id, {})).secret);
  }
  session.secret = signedIn.get(role)!;
}

const header = "hostname,mac,ip,cell,release";
const row = (i: number, mac = `52:54:00:00:02:${String(i).padStart(2, "0")}`) => `csv${String(i).padStart(2, "0")},${mac},10.0.0.${100 + i},example.org,rh-7.3`;
const range = (over: Record<string, string> = {}) => ({
  pattern: "rng[1-3]",
  startIp: "10.0.0.200",
  macs: "52:54:00:00:03:01 52-54-00-00-03-02 525400000303",
  cell: "example.org",
  release: "rh-7.3",
  tags: "",
  ...over,
});

beforeAll(async () => {
  await seedInventory();
});

describe("CSV enrollment", () => {
  it("is refused to a viewer and without a session", async () => {
    await as("viewer");
    expect(await previewCsv(`${header}\n${row(1)}`)).toEqual({ ok: false, error: "This needs the operator role; you are signed in as viewer" });
    session.secret = "";
    expect(await enrollCsv(`${header}\n${row(1)}`)).toEqual({ ok: false, error: "Your session has ended: sign in again" });
  });

  it("refuses what is not CSV text with the reason as the message", async () => {
    await as("operator");
    expect(await previewCsv(42)).toMatchObject({ ok: false, error: "Send the CSV as text" });
    expect(await previewCsv("  \n")).toMatchObject({ ok: false, error: "Paste CSV text or choose a .csv file first" });
    expect(await previewCsv("x".repeat(5 * 1024 * 1024 + 1))).toMatchObject({ ok: false, error: "The file is larger than 5 MB: split it into smaller files" });
  });

  it("previews problems by line and saves nothing; the fixed file enrolls every row", async () => {
    await as("operator");
    const bad = [header, row(1), row(2, "zz"), row(1, "52:54:00:00:02:09")].join("\n");
    const preview = await previewCsv(bad);
    expect(preview).toMatchObject({ ok: true, result: { stage: "preview", total: 3, valid: 1, problemLines: 2, problemCount: 3 } });
    const refused = await enrollCsv(bad);
    expect(refused).toMatchObject({
      ok: false,
      error: "3 problems in the file: nothing was saved. Fix them and preview again.",
      preview: {
        problems: [
          { line: 3, field: "mac" },
          { line: 4, field: "hostname" },
          { line: 4, field: "ip" },
        ],
      },
    });
    expect(await db.host.count({ where: { name: { startsWith: "csv" } } })).toBe(0);
    expect(await enrollCsv(`${header}\n`)).toMatchObject({ ok: false, error: "The file has no host rows: nothing to enroll" });
    const done = await enrollCsv([header, row(1), row(2)].join("\n"));
    expect(done).toMatchObject({ ok: true, result: { stage: "enrolled", created: 2, first: "csv01", last: "csv02" } });
    expect(await enrollCsv([header, row(3), row(1)].join("\n"))).toMatchObject({
      ok: false,
      preview: {
        problemLines: 1,
        problems: [
          { line: 3, field: "hostname", message: "Hostname csv01 is already used by another host" },
          { line: 3, field: "mac" },
          { line: 3, field: "ip" },
        ],
      },
    });
  });
});

describe("range enrollment", () => {
  it("checks the form's fields, the pattern and the MAC count", async () => {
    await as("operator");
    expect(await previewRange(range({ startIp: "10.0.0" }))).toMatchObject({
      ok: false,
      error: "Please correct the highlighted fields",
      fieldErrors: { startIp: expect.stringContaining("IPv4") },
    });
    expect(await previewRange(range({ release: "rh 7.3" }))).toMatchObject({ ok: false, fieldErrors: { release: expect.stringContaining("tree name") } });
    expect(await previewRange(range({ pattern: "rng[3-1]" }))).toMatchObject({
      ok: false,
      fieldErrors: { pattern: expect.stringMatching(/^Hostname pattern: /) },
    });
    expect(await previewRange(range({ macs: "52:54:00:00:03:01" }))).toMatchObject({
      ok: false,
      error: "The number of MACs (1) must match the number of hostnames (3)",
      fieldErrors: { macs: "1 MAC for 3 hostnames (rng1 … rng3): paste exactly one MAC per hostname, in the same order" },
    });
  });

  it("previews the generated hosts with their problems, then enrolls all of them", async () => {
    await as("operator");
    const bad = await previewRange(range({ macs: "52:54:00:00:03:01 zz 525400000303" }));
    expect(bad).toMatchObject({
      ok: true,
      result: {
        total: 3,
        valid: 2,
        problemCount: 1,
        hosts: [
          { row: 1, name: "rng1", mac: "52:54:00:00:03:01", problems: [] },
          { row: 2, problems: [{ field: "mac" }] },
          { row: 3, ip: "10.0.0.202", mac: "52:54:00:00:03:03" },
        ],
      },
    });
    expect(await enrollRange(range({ macs: "52:54:00:00:03:01 zz 525400000303" }))).toMatchObject({
      ok: false,
      error: "1 problem in the range: nothing was saved. Fix them and preview again.",
    });
    const done = await enrollRange(range({ tags: "lab gpu" }));
    expect(done).toMatchObject({ ok: true, result: { stage: "enrolled", created: 3, first: "rng1", last: "rng3" } });
    const host = await db.host.findUniqueOrThrow({ where: { name: "rng2" }, include: { tags: true } });
    expect({ mac: host.mac, ip: host.ip, tags: host.tags.map((t) => t.tag).sort() }).toEqual({
      mac: "52:54:00:00:03:02",
      ip: "10.0.0.201",
      tags: ["gpu", "lab"],
    });
    expect(await previewRange(range())).toMatchObject({
      ok: true,
      result: {
        valid: 0,
        problemLines: 3,
        hosts: [{ problems: [{ field: "hostname", message: "Hostname rng1 is already used by another host" }, { field: "mac" }, { field: "ip" }] }, {}, {}],
      },
    });
  });
});
