import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { parseHostCsv } from "@/lib/inventory/host-csv";
import { operator, viewer } from "@/lib/testing/actors";
import { refusal } from "@/lib/testing/refusal";
import { hostIn, seedInventory } from "@/lib/testing/fleet-fixtures";
import { cellForm, networkForm } from "@/lib/testing/fixtures";
import { getCell, updateCell } from "./cells";
import { assignRelease, enrollBatch, enrollHosts } from "./host-bulk";
import { createHost, getHost, updateHost } from "./hosts";
import { createNetwork, getNetwork, updateNetwork } from "./networks";
import { createRelease, createVersion, getRelease, setVersionStatus } from "./releases";
import { loadSnapshot } from "./snapshot";

// The Secure Boot rule at every path that can break it: a host (form, API, CSV, bulk), its
// network's default, the version its release hands it, its cell's AFS client. Each refusal names
// the field or the host, and leaves everything as it was.


const unsignedKernel = (release: string, version: string) =>
  `Secure Boot needs a signed kernel: release ${release} version ${version} has no kernel marked signed (a version is marked while it is a draft: make a new version with \"Signed kernel\" and activate it), or turn Secure Boot off for this host`;

const v = { kernel: "vmlinuz", baseInitrd: "initrd.img", modules: ["e1000"], readonly: ["usr"], writable: ["etc"], tmpfsSize: "90M", notes: "" };
const deb12 = { release: "deb12", version: null };

/** Audit entries, to show a refused change recorded nothing. */
const audits = () => db.auditEntry.count();

beforeAll(async () => {
  // lab (Secure Boot off), cell example.org (kAFS), rh-7.3: version 1 active, 2 draft, neither signed
  await seedInventory();
  // deb12: 1 active unsigned, 2 active with a signed kernel (the latest), 3 a draft, unsigned
  await createRelease(operator, { name: "deb12", tree: "/afs/example.org/boot/deb12", notes: "" });
  await createVersion(operator, "deb12", { ...v, version: "1" }, { activate: true });
  await createVersion(operator, "deb12", { ...v, version: "2", signedKernel: true }, { activate: true });
  await createVersion(operator, "deb12", { ...v, version: "3" });
  // sb: hosts on it are Secure Boot machines by default
  await createNetwork(operator, networkForm({ name: "sb", subnet: "10.1.0.0/24", gateway: "10.1.0.1", dns: ["10.1.0.1"], bootServer: "10.1.0.1", secureBoot: true }));
});

describe("Secure Boot: a host", () => {
  it("with Secure Boot on needs a signed kernel: refused next to its Secure Boot setting, nothing saved", async () => {
    const before = await audits();
    expect(await refusal(createHost(operator, hostIn(1, { secureBoot: true })))).toMatchObject({ status: 422, fields: { secureBoot: unsignedKernel("rh-7.3", "1") } });
    expect(await refusal(createHost(operator, hostIn(1, { secureBoot: true, release: { release: "deb12", version: "1" } })))).toMatchObject({
      fields: { secureBoot: unsignedKernel("deb12", "1") },
    });
    expect(await db.host.count({ where: { name: "node001" } })).toBe(0);
    expect(await audits()).toBe(before);
    // deb12's latest (2) has a signed kernel; the kAFS cell needs nothing more
    await createHost(operator, hostIn(1, { secureBoot: true, release: deb12 }));
    expect(await getHost(viewer, "node001")).toMatchObject({ secureBoot: true, effectiveSecureBoot: true, assignedVersion: "2" });
  });

  it("inherits its network's default unless it has its own", async () => {
    const onSb = (i: number, over = {}) => hostIn(i, { ip: `10.1.0.${10 + i}`, ...over });
    expect(await refusal(createHost(operator, onSb(2)))).toMatchObject({ fields: { secureBoot: unsignedKernel("rh-7.3", "1") } });
    await createHost(operator, onSb(2, { secureBoot: false }));
    await createHost(operator, onSb(3, { release: deb12 }));
    expect(await getHost(viewer, "node002")).toMatchObject({ secureBoot: false, effectiveSecureBoot: false, networkSecureBoot: true });
    expect(await getHost(viewer, "node003")).toMatchObject({ secureBoot: null, effectiveSecureBoot: true, networkSecureBoot: true });
  });

  it("an edit, a bulk assignment or a CSV row that breaks it is refused; the host stays as it was", async () => {
    const h = await getHost(viewer, "node001");
    expect(await refusal(updateHost(operator, "node001", { ...hostIn(1), secureBoot: true, revision: h.revision }))).toMatchObject({
      fields: { secureBoot: unsignedKernel("rh-7.3", "1") },
    });
    expect(await refusal(assignRelease(operator, ["node001", "node002"], { release: "rh-7.3", version: null }))).toMatchObject({
      fields: { "node001.secureBoot": unsignedKernel("rh-7.3", "1") },
    });
    expect(await getHost(viewer, "node001")).toMatchObject({ release: "deb12", revision: h.revision, secureBoot: true });
    expect((await getHost(viewer, "node002")).release).toBe("rh-7.3");
    // the CSV's secureboot column: refused by line, at that column
    const csv = ["hostname,mac,ip,cell,release,tags,secureboot", "node040,52:54:00:00:01:40,10.0.0.140,example.org,rh-7.3,,on", "node041,52:54:00:00:01:41,10.0.0.141,example.org,deb12,,ON"];
    const outcome = await enrollBatch(operator, parseHostCsv(csv.join("\n")), { enroll: true, started: performance.now() });
    expect(outcome.problems).toEqual([{ line: 2, field: "secureboot", message: unsignedKernel("rh-7.3", "1") }]);
    expect(outcome.enrolled).toBeNull();
    expect(await db.host.count({ where: { name: { in: ["node040", "node041"] } } })).toBe(0);
    // the other row enrolls (all-or-nothing: on its own), with its own setting, written by the bulk insert
    await enrollBatch(operator, parseHostCsv([csv[0], csv[2]].join("\n")), { enroll: true, started: performance.now() });
    expect(await getHost(viewer, "node041")).toMatchObject({ secureBoot: true, effectiveSecureBoot: true });
  });

  it("turning Secure Boot off again needs nothing; the audit log keeps the setting before and after", async () => {
    const h = await getHost(viewer, "node041");
    await updateHost(operator, "node041", { ...hostIn(41, { mac: h.mac, ip: h.ip, release: deb12 }), name: "node041", secureBoot: null, revision: h.revision });
    const entry = await db.auditEntry.findFirstOrThrow({ where: { action: "host.update", targetName: "node041" }, orderBy: { at: "desc" } });
    expect(entry.before).toMatchObject({ secureBoot: true });
    expect(entry.after).toMatchObject({ secureBoot: null });
  });
});

describe("Secure Boot: changes that move hosts they do not name", () => {
  it("a network's default on is refused while a host inheriting it cannot boot that way; nothing changes", async () => {
    await enrollHosts(operator, [hostIn(5), hostIn(6, { secureBoot: false })]); // lab, rh-7.3@1 (unsigned)
    const lab = await getNetwork(viewer, "lab");
    const before = await audits();
    const r = await refusal(updateNetwork(operator, "lab", { ...networkForm({ name: "lab" }), secureBoot: true, revision: lab.revision }));
    expect(r.status).toBe(422);
    expect(r.fields.secureBoot).toBe(r.message);
    // node005 inherits; node006 has its own "off"; node001 and node041 boot a signed kernel
    expect(r.message).toBe(`Secure Boot on by default in network lab would leave 1 host inheriting it unable to boot: host node005: ${unsignedKernel("rh-7.3", "1")}`);
    expect(await getNetwork(viewer, "lab")).toMatchObject({ secureBoot: false, revision: lab.revision });
    expect(await audits()).toBe(before);
    // with node005 on a signed version the default may change, and is audited
    const h5 = await getHost(viewer, "node005");
    await updateHost(operator, "node005", { ...hostIn(5, { release: deb12 }), revision: h5.revision });
    await updateNetwork(operator, "lab", { ...networkForm({ name: "lab" }), secureBoot: true, revision: lab.revision });
    const entry = await db.auditEntry.findFirstOrThrow({ where: { action: "network.update", targetName: "lab" }, orderBy: { at: "desc" } });
    expect([entry.before, entry.after]).toMatchObject([{ secureBoot: false }, { secureBoot: true }]);
    expect(await getHost(viewer, "node005")).toMatchObject({ secureBoot: null, effectiveSecureBoot: true });
  });

  it("activating an unsigned version the Secure Boot followers would move to is refused; nothing changes", async () => {
    const before = await audits();
    const r = await refusal(setVersionStatus(operator, "deb12", "3", "active"));
    expect(r.status).toBe(422);
    expect(r.message).toMatch(/^Activating deb12@3 would leave 4 hosts with Secure Boot following the release unable to boot: host node001: /);
    expect(r.message).toContain(unsignedKernel("deb12", "3"));
    expect(r.message).toContain("(also node003, node005, node041)");
    expect((await getRelease(viewer, "deb12")).versions.map((x) => `${x.version}:${x.status}`)).toEqual(["1:active", "2:active", "3:draft"]);
    // created active at once (a script, the API's ?activate=true): refused the same, not created
    expect((await refusal(createVersion(operator, "deb12", { ...v, version: "4" }, { activate: true }))).message).toMatch(/^Activating deb12@4 would leave 4 hosts/);
    expect(await db.releaseVersion.count({ where: { version: "4", release: { name: "deb12" } } })).toBe(0);
    expect(await audits()).toBe(before);
  });

  it("retiring the signed latest version hands its followers the unsigned one before: refused", async () => {
    const r = await refusal(setVersionStatus(operator, "deb12", "2", "retired"));
    expect(r.message).toMatch(/^Retiring deb12@2 would leave 4 hosts with Secure Boot following the release unable to boot: host node001: /);
    expect(r.message).toContain(unsignedKernel("deb12", "1"));
    expect((await getRelease(viewer, "deb12")).versions.find((x) => x.version === "2")?.status).toBe("active");
  });

  it("switching a cell to OpenAFS needs its Secure Boot hosts' versions to have signed modules; nothing changes until they do", async () => {
    const cell = await getCell(viewer, "example.org");
    const input = { ...cellForm({ name: "example.org" }), client: "openafs" as const, revision: cell.revision };
    const r = await refusal(updateCell(operator, "example.org", input));
    expect(r.status).toBe(422);
    expect(r.fields.client).toBe(r.message);
    expect(r.message).toMatch(/^Switching cell example.org to OpenAFS would leave 4 hosts with Secure Boot unable to boot: host node001: /);
    expect(r.message).toContain(
      "Secure Boot needs signed modules on OpenAFS cell example.org: the openafs module must be signed: enrol the DKMS MOK key and boot a version marked \"Signed modules\" (release deb12 version 2 is not)",
    );
    expect(await getCell(viewer, "example.org")).toMatchObject({ client: "kafs", revision: cell.revision });
    // a version with signed modules (the DKMS MOK key enrolled): the followers move to it, then the cell may switch
    await createVersion(operator, "deb12", { ...v, version: "5", signedKernel: true, signedModules: true }, { activate: true });
    const created = await db.auditEntry.findFirstOrThrow({ where: { action: "version.create", targetName: "deb12@5" } });
    expect(created.after).toMatchObject({ signedKernel: true, signedModules: true });
    await updateCell(operator, "example.org", input);
    expect((await getCell(viewer, "example.org")).client).toBe("openafs");
    // and from now on a Secure Boot host there refuses a version whose modules are not signed
    expect(await refusal(createHost(operator, hostIn(7, { secureBoot: true, release: { release: "deb12", version: "2" } })))).toMatchObject({
      fields: { secureBoot: expect.stringContaining("Secure Boot needs signed modules on OpenAFS cell example.org") },
    });
  });

  it("the snapshot publishing reads carries each host's resolved Secure Boot and each version's signed flags", async () => {
    const { snapshot } = await loadSnapshot(viewer, { images: "names-only" });
    const host = (name: string) => snapshot.hosts.find((h) => h.name === name)!;
    expect([host("node001").secureBoot, host("node002").secureBoot, host("node003").secureBoot, host("node005").secureBoot, host("node006").secureBoot]).toEqual([
      true,
      false,
      true,
      true,
      false,
    ]);
    const version = (label: string) => snapshot.versions.find((x) => `${x.release}@${x.version}` === label)!;
    expect(version("deb12@5")).toMatchObject({ signedKernel: true, signedModules: true });
    expect(version("deb12@2")).toMatchObject({ signedKernel: true, signedModules: false });
    expect(version("rh-7.3@1")).toMatchObject({ signedKernel: false, signedModules: false });
  });
});
