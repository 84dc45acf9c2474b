import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { operator, viewer } from "@/lib/testing/actors";
import { hostIn, seedInventory } from "@/lib/testing/fleet-fixtures";
import { networkForm } from "@/lib/testing/fixtures";
import { networkInput, networkUpdate } from "@/lib/validation/network";
import { checkEnrollment, enrollHosts } from "./host-bulk";
import { createHost, nextFreeIp, updateHost } from "./hosts";
import { createNetwork, getNetwork, updateNetwork } from "./networks";

// A network's discovery range (addresses for machines that are not enrolled) against the hosts:
// no enrolled host may hold an address in it, whichever way the host or the range arrives.

const refusal = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return { status: e.status, message: e.message, ...e.fields };
    throw e;
  }
  return "ok";
};

/** lab (seeded: 10.0.0.0/24, gateway, DNS and boot server 10.0.0.1) with the range set, through the edge schema. */
async function setLabRange(discoveryRange: string | null) {
  const lab = await getNetwork(viewer, "lab");
  const input = networkUpdate.parse({ ...lab, discoveryRange, revision: lab.revision });
  return updateNetwork(operator, "lab", input);
}

beforeAll(async () => {
  await seedInventory();
  await createHost(operator, hostIn(1)); // node001 at 10.0.0.11
  await createHost(operator, hostIn(2)); // node002 at 10.0.0.12
});

describe("discovery range and enrolled hosts", () => {
  it("is stored, read back and audited like the other network fields", async () => {
    await setLabRange("10.0.0.200-10.0.0.220");
    expect((await getNetwork(viewer, "lab")).discoveryRange).toBe("10.0.0.200-10.0.0.220");
    const audit = await db.auditEntry.findFirstOrThrow({ where: { action: "network.update", targetName: "lab" }, orderBy: { at: "desc" } });
    expect(audit.before).toMatchObject({ discoveryRange: null });
    expect(audit.after).toMatchObject({ discoveryRange: "10.0.0.200-10.0.0.220" });
  });

  it("refuses a host enrolled or moved into the range, naming the range; nothing changes", async () => {
    const message = "IP 10.0.0.205 lies in the discovery range 10.0.0.200-10.0.0.220 of network lab, kept for machines that are not enrolled: choose an address outside it";
    expect(await refusal(createHost(operator, hostIn(3, { ip: "10.0.0.205" })))).toMatchObject({ status: 422, ip: message });
    expect(await db.host.count({ where: { name: "node003" } })).toBe(0);
    const node001 = await db.host.findUniqueOrThrow({ where: { name: "node001" } });
    expect(await refusal(updateHost(operator, "node001", { ...hostIn(1, { ip: "10.0.0.200" }), revision: node001.revision }))).toMatchObject({ status: 422, ip: expect.stringContaining("discovery range 10.0.0.200-10.0.0.220") });
    expect((await db.host.findUniqueOrThrow({ where: { name: "node001" } })).ip).toBe("10.0.0.11");
    // batches (CSV, ranges, API bulk): every row in the range is named, nothing is saved
    expect(await checkEnrollment(operator, [{ line: 2, input: hostIn(4, { ip: "10.0.0.220" }) }])).toEqual([{ line: 2, field: "ip", message: expect.stringContaining("discovery range") }]);
    expect(await refusal(enrollHosts(operator, [hostIn(4), hostIn(5, { ip: "10.0.0.201" })]))).toMatchObject({ status: 422, "1.ip": expect.stringContaining("discovery range") });
    expect(await db.host.count({ where: { name: { in: ["node004", "node005"] } } })).toBe(0);
    // just outside is fine
    await createHost(operator, hostIn(6, { ip: "10.0.0.221" }));
  });

  it("the next free address skips the range", async () => {
    expect(await nextFreeIp(viewer, "lab", "10.0.0.198")).toBe("10.0.0.199");
    expect(await nextFreeIp(viewer, "lab", "10.0.0.199")).toBe("10.0.0.222"); // .221 is node006
  });

  it("refuses a range over enrolled hosts, naming them, on create and on update; nothing changes", async () => {
    const before = await getNetwork(viewer, "lab");
    const audits = await db.auditEntry.count();
    const r = await refusal(setLabRange("10.0.0.10-10.0.0.20"));
    expect(r).toMatchObject({
      status: 422,
      discoveryRange: "Discovery range 10.0.0.10-10.0.0.20 holds the address of enrolled hosts node001 (10.0.0.11), node002 (10.0.0.12): move them out of the range, or choose another range",
    });
    expect(await refusal(setLabRange("10.0.0.221-10.0.0.221"))).toMatchObject({ discoveryRange: expect.stringContaining("enrolled host node006 (10.0.0.221): move it out") });
    // a new network over the same addresses (networks may overlap) is refused too
    const other = networkInput.parse({ ...networkForm(), discoveryRange: "10.0.0.2-10.0.0.15" });
    expect(await refusal(createNetwork(operator, other))).toMatchObject({ status: 422, discoveryRange: expect.stringContaining("node001 (10.0.0.11), node002 (10.0.0.12)") });
    expect(await db.network.count({ where: { name: other.name } })).toBe(0);
    expect(await getNetwork(viewer, "lab")).toEqual(before);
    expect(await db.auditEntry.count()).toBe(audits);
  });

  it("clearing the range frees its addresses again", async () => {
    await setLabRange(null);
    expect((await getNetwork(viewer, "lab")).discoveryRange).toBeNull();
    await createHost(operator, hostIn(3, { ip: "10.0.0.205" }));
  });
});
