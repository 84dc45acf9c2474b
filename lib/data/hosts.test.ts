import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { parseHostCsv } from "@/lib/inventory/host-csv";
import { operator, viewer } from "@/lib/testing/actors";
import { hostIn, seedInventory } from "@/lib/testing/fleet-fixtures";
import { cellForm } from "@/lib/testing/fixtures";
import { createCell } from "./cells";
import { assignRelease, changeTags, checkEnrollment, deleteHosts, enrollHosts } from "./host-bulk";
import type { HostQuery } from "@/lib/validation/host-query";
import { createHost, deleteHost, getHost, listHosts, nextFreeIp, updateHost } from "./hosts";
import { createVersion, setVersionStatus, updateVersion } from "./releases";

const fields = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return { status: e.status, ...(e.fields ?? { message: e.message }) };
    throw e;
  }
  return "ok";
};

beforeAll(seedInventory);

describe("hosts", () => {
  it("enrolls one host, resolving network, cell and release; audits", async () => {
    await createHost(operator, hostIn(1, { tags: ["render", "gpu"] }));
    const h = await getHost(viewer, "node001");
    expect(h).toMatchObject({ network: "lab", cell: "example.org", release: "rh-7.3", assignedVersion: "1", tags: ["gpu", "render"], bootState: "never", rebootPending: false });
    expect(await db.auditEntry.count({ where: { action: "host.create", targetName: "node001" } })).toBe(1);
  });

  it("refuses clashes and bad references with the field and the other host's name", async () => {
    expect(await fields(createHost(operator, hostIn(2, { mac: hostIn(1).mac })))).toMatchObject({ status: 422, mac: `MAC ${hostIn(1).mac} is already used by host node001` });
    expect(await fields(createHost(operator, hostIn(2, { ip: hostIn(1).ip })))).toMatchObject({ ip: expect.stringContaining("already used by host node001") });
    expect(await fields(createHost(operator, hostIn(1, { mac: "52:54:00:99:99:99", ip: "10.0.0.99" })))).toMatchObject({ name: expect.stringContaining("already used") });
    expect(await fields(createHost(operator, hostIn(2, { ip: "10.9.9.9" })))).toMatchObject({ ip: expect.stringContaining("outside every network") });
    expect(await fields(createHost(operator, hostIn(2, { ip: "10.0.0.255" })))).toMatchObject({ ip: expect.stringContaining("broadcast") });
    expect(await fields(createHost(operator, hostIn(2, { ip: "10.0.0.1" })))).toMatchObject({ ip: expect.stringContaining("gateway") });
    expect(await fields(createHost(operator, hostIn(2, { cell: "nope.org" })))).toMatchObject({ cell: "Cell nope.org does not exist" });
    expect(await fields(createHost(operator, hostIn(2, { release: { release: "nope", version: null } })))).toMatchObject({ release: "Release nope does not exist" });
    await createCell(operator, cellForm({ name: "other.org" }));
    expect(await fields(createHost(operator, hostIn(2, { cell: "other.org" })))).toMatchObject({
      release: "Release rh-7.3 lives in /afs/example.org/boot/RH/7.3, outside cell other.org: choose a release in /afs/other.org/ or another cell",
    });
    expect(await fields(createHost(operator, hostIn(2, { release: { release: "rh-7.3", version: "9" } })))).toMatchObject({ release: expect.stringContaining("does not exist") });
    expect(await fields(createHost(operator, hostIn(2, { release: { release: "rh-7.3", version: "2" } })))).toMatchObject({ release: expect.stringContaining("draft") });
    expect(await db.host.count({ where: { name: "node002" } })).toBe(0);
    expect(await fields(createHost(viewer, hostIn(2)))).toMatchObject({ status: 403 });
  });

  it("updates with optimistic concurrency", async () => {
    const h = await getHost(viewer, "node001");
    await updateHost(operator, "node001", { ...hostIn(1), notes: "rack 4", revision: h.revision });
    expect(await fields(updateHost(operator, "node001", { ...hostIn(1), notes: "stale", revision: h.revision }))).toMatchObject({ status: 409 });
    expect((await getHost(viewer, "node001")).notes).toBe("rack 4");
  });

  it("gives every enrolled host a machine id of its own, which edits keep", async () => {
    await enrollHosts(operator, [hostIn(20), hostIn(21)]);
    const ids = await Promise.all(["node001", "node020", "node021"].map(async (n) => (await getHost(viewer, n)).machineId));
    for (const id of ids) expect(id).toMatch(/^(?!0{32})[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(3);
    const h = await getHost(viewer, "node020");
    await updateHost(operator, "node020", { ...hostIn(20), notes: "moved", revision: h.revision });
    expect((await getHost(viewer, "node020")).machineId).toBe(ids[1]);
    await deleteHosts(operator, ["node020", "node021"]);
  });

  it("lists with filters, search by MAC/IP prefix and sorting", async () => {
    await enrollHosts(operator, [hostIn(3, { tags: ["gpu"] }), hostIn(4), hostIn(20)]);
    expect((await listHosts(viewer, { tag: "gpu" })).items.map((h) => h.name)).toEqual(["node003"]);
    expect((await listHosts(viewer, { q: "10.0.0.3" })).items.map((h) => h.name)).toEqual(["node020"]);
    expect((await listHosts(viewer, { q: "52-54-00-00-00-04" })).items.map((h) => h.name)).toEqual(["node004"]);
    expect((await listHosts(viewer, { sort: "ip", dir: "desc" })).items[0]!.name).toBe("node020");
    expect((await listHosts(viewer, { state: "never" })).total).toBe(4);
    expect((await listHosts(viewer, { state: "up" })).total).toBe(0);
  });

  it("bulk enrollment is all-or-nothing", async () => {
    const before = await db.host.count();
    const r = await fields(enrollHosts(operator, [hostIn(30), hostIn(31, { mac: hostIn(30).mac })]));
    expect(r).toMatchObject({ status: 422, "1.mac": expect.stringContaining("appears twice") });
    expect(await db.host.count()).toBe(before);
  });

  it("CSV preview reports problems by line, from the file and from the database", async () => {
    const csv = ["hostname,mac,ip,cell,release,tags", "node040,52:54:00:00:01:40,10.0.0.140,example.org,rh-7.3,a b", "node041,zz,10.0.0.141,example.org,rh-7.3,", "node040,52:54:00:00:01:42,10.0.0.142,example.org,rh-7.3,", `node043,${hostIn(1).mac},10.0.0.143,example.org,rh-7.3@1,`].join("\n");
    const parsed = parseHostCsv(csv);
    expect(parsed.problems).toEqual([{ line: 3, field: "mac", message: expect.stringContaining('"zz" is not a MAC') }]);
    const db_ = await checkEnrollment(operator, parsed.rows);
    expect(db_).toEqual([
      { line: 4, field: "hostname", message: expect.stringContaining("(also line 2)") },
      { line: 5, field: "mac", message: expect.stringContaining("already used by host node001") },
    ]);
  });

  it("bulk assign pins a version; retiring a pinned version is refused; reboot pending after a boot of another version", async () => {
    await assignRelease(operator, ["node003", "node004"], { release: "rh-7.3", version: "1" });
    expect((await getHost(viewer, "node003")).releaseRef).toBe("rh-7.3@1");
    expect(await fields(setVersionStatus(operator, "rh-7.3", "1", "retired"))).toMatchObject({ status: 409 });
    const host = await db.host.findUniqueOrThrow({ where: { name: "node003" } });
    const boot = await db.boot.create({ data: { hostId: host.id, bootId: "b1", currentStage: "up", state: "up", releaseVersion: "0" } });
    await db.host.update({ where: { id: host.id }, data: { lastBootId: boot.id } });
    expect(await getHost(viewer, "node003")).toMatchObject({ assignedVersion: "1", bootedVersion: "0", rebootPending: true, bootState: "up" });
    // the table's filters by boot state: the same rules, all hosts classified at once
    const names = async (state: HostQuery["state"]) => (await listHosts(viewer, { state, pageSize: 500 })).items.map((h) => h.name);
    expect(await names("pending")).toEqual(["node003"]);
    expect(await names("up")).toEqual(["node003"]);
    expect(await names("failed")).toEqual([]);
    expect(await names("never")).not.toContain("node003");
    expect((await listHosts(viewer, { state: "up", q: "node004" })).total).toBe(0);
  });

  it("tags and delete in bulk; one audit entry per action", async () => {
    await changeTags(operator, ["node003", "node004"], ["rack7"], ["gpu"]);
    expect((await getHost(viewer, "node003")).tags).toEqual(["rack7"]);
    expect(await db.auditEntry.findMany({ where: { action: "host.tags" } })).toMatchObject([{ targetName: "2 hosts" }]);
    await deleteHosts(operator, ["node003", "node004"]);
    expect(await db.host.count({ where: { name: { in: ["node003", "node004"] } } })).toBe(0);
    await deleteHost(operator, "node020");
    expect(await fields(deleteHosts(operator, ["node001", "ghost"]))).toMatchObject({ status: 404 });
    expect(await db.host.count({ where: { name: "node001" } })).toBe(1);
  });

  it("next free address skips gateway, boot server and used addresses", async () => {
    expect(await nextFreeIp(viewer, "lab")).toBe("10.0.0.2");
    await createHost(operator, hostIn(50, { ip: "10.0.0.2" }));
    expect(await nextFreeIp(viewer, "lab")).toBe("10.0.0.3");
  });

  it("versions: drafts edit, active versions are immutable", async () => {
    const base = { kernel: "vmlinuz", baseInitrd: "initrd.img", modules: [], readonly: ["usr"], writable: [], tmpfsSize: "1G", notes: "" };
    await updateVersion(operator, "rh-7.3", "2", { ...base, version: "2", revision: 1 });
    expect(await fields(updateVersion(operator, "rh-7.3", "1", { ...base, version: "1", revision: 1 }))).toMatchObject({ status: 409, message: expect.stringContaining("active and cannot change") });
    await createVersion(operator, "rh-7.3", { ...base, version: "3" });
    expect(await fields(createVersion(operator, "rh-7.3", { ...base, version: "3" }))).toMatchObject({ status: 409 });
  });
});

describe("hosts: identity (#18)", () => {
  it("the CSV's identity column (after the BMC ones): none, tpm, port or empty for the network's; a bad one refused on its line", async () => {
    const csv = [
      "hostname,mac,ip,cell,release,secureboot,identity",
      "node060,52:54:00:00:01:60,10.0.0.160,example.org,rh-7.3,,TPM",
      "node061,52:54:00:00:01:61,10.0.0.161,example.org,rh-7.3,,port",
      "node062,52:54:00:00:01:62,10.0.0.162,example.org,rh-7.3,,",
      "node063,52:54:00:00:01:63,10.0.0.163,example.org,rh-7.3,,ssh",
    ].join("\n");
    const parsed = parseHostCsv(csv);
    expect(parsed.problems).toEqual([{ line: 5, field: "identity", message: "Identity must be none, tpm, port (source address + privileged port, weaker) or null (the network's)" }]);
    expect(parsed.rows.map((r) => r.input.identity)).toEqual(["tpm", "port", null]);
    // enrolled many at a time (one multi-row INSERT), audited with their identity
    await enrollHosts(operator, parsed.rows.map((r) => r.input));
    expect((await getHost(viewer, "node060")).identity).toBe("tpm");
    expect(await getHost(viewer, "node061")).toMatchObject({ identity: "port", effectiveIdentity: "port" });
    expect(await getHost(viewer, "node062")).toMatchObject({ identity: null, effectiveIdentity: "none", networkIdentity: "none" });
    const audit = await db.auditEntry.findFirstOrThrow({ where: { action: "host.create", targetName: "3 hosts" }, orderBy: { at: "desc" } });
    expect(audit.after).toMatchObject({ hosts: { node060: { identity: "tpm" }, node061: { identity: "port" }, node062: { identity: null } } });
    // the identity column only after the others (the file's columns keep their order)
    expect(parseHostCsv("hostname,mac,ip,cell,release,identity,secureboot\n").problems[0]).toMatchObject({ field: "header" });
  });

  it("filters by TPM identity: a mismatch, a TPM awaiting approval; a pinned TPM is neither", async () => {
    const ids = Object.fromEntries((await db.host.findMany({ where: { name: { in: ["node060", "node061", "node062"] } } })).map((h) => [h.name, h.id]));
    const seen = new Date();
    await db.hostTpm.createMany({
      data: [
        // pinned, and another TPM booted as the host since
        { hostId: ids.node060!, ekFingerprint: "SHA256:pinned60", pinnedBy: "first use", candidateFingerprint: "SHA256:other", candidateAt: seen, mismatch: true },
        // the first TPM, waiting for an admin (enrolment "approve")
        { hostId: ids.node061!, candidateFingerprint: "SHA256:first61", candidateAt: seen },
        // pinned, nothing new
        { hostId: ids.node062!, ekFingerprint: "SHA256:pinned62", pinnedBy: "first use" },
      ],
    });
    const names = async (identity: HostQuery["identity"]) => (await listHosts(viewer, { identity, pageSize: 500 })).items.map((h) => h.name);
    expect(await names("mismatch")).toEqual(["node060"]);
    expect(await names("awaiting")).toEqual(["node061"]);
    expect((await listHosts(viewer, { identity: "mismatch", q: "node061" })).total).toBe(0);
    await db.hostTpm.deleteMany({ where: { hostId: { in: Object.values(ids) } } });
  });

  it("a host's own identity survives bulk actions; its network's is what it uses without one", async () => {
    await updateHost(operator, "node061", { ...hostIn(61, { name: "node061", mac: "52:54:00:00:01:61", ip: "10.0.0.161" }), identity: "port", revision: (await getHost(viewer, "node061")).revision });
    await changeTags(operator, ["node061", "node062"], ["rack9"], []);
    expect((await getHost(viewer, "node061")).identity).toBe("port");
    await db.network.update({ where: { name: "lab" }, data: { identity: "tpm" } });
    expect(await getHost(viewer, "node062")).toMatchObject({ identity: null, effectiveIdentity: "tpm" });
    await db.network.update({ where: { name: "lab" }, data: { identity: "none" } });
  });
});
