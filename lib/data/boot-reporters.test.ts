import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { hostReportToken } from "@/lib/auth/host-token";
import { serverSecret } from "@/lib/env";
import { operator } from "@/lib/testing/actors";
import { hostIn, seedInventory } from "@/lib/testing/fleet-fixtures";
import { bumpHostsCounter, identify, invalidateReporters } from "./boot-reporters";
import { enrollHosts } from "./host-bulk";
import { deleteHost } from "./hosts";

// The report path keeps each host's current token (as bytes) with the host it caches, so that a
// report costs no HMAC. What must still hold: a rotation or a deletion takes effect at once in this
// process, and within the change counter's second when another process made it.

const mac = hostIn(3).mac;
const tokenOf = async (name: string) => {
  const h = await db.host.findUniqueOrThrow({ where: { name }, select: { id: true, tokenGeneration: true } });
  return hostReportToken(serverSecret(), h.id, h.tokenGeneration);
};

beforeAll(async () => {
  await seedInventory();
  await enrollHosts(operator, [hostIn(3), hostIn(4)]);
});

describe("the report path's token cache", () => {
  it("refuses the old token once another process rotated it (change counter), and takes the new one at once", async () => {
    const old = await tokenOf("node003");
    for (let i = 0; i < 3; i++) expect(await identify(mac, old)).toMatchObject({ kind: "host", host: { name: "node003" } });
    // another process (a replica, the CLI) rotates: the generation moves and the counter is bumped
    await db.host.update({ where: { name: "node003" }, data: { tokenGeneration: { increment: 1 } } });
    await bumpHostsCounter();
    const fresh = await tokenOf("node003");
    expect(fresh).not.toBe(old);
    // the new token: the host is read again at once (not the cached generation)
    expect(await identify(mac, fresh)).toMatchObject({ kind: "host" });
    // and from then on the old one is refused, cached bytes or not
    expect(await identify(mac, old)).toMatchObject({ kind: "refused", message: `wrong report token for MAC ${mac}` });
    expect(await identify(mac, fresh)).toMatchObject({ kind: "host" });
  });

  it("refuses the old token within the change counter's second even when the new one was never shown", async () => {
    const old = await tokenOf("node003");
    expect(await identify(mac, old)).toMatchObject({ kind: "host" });
    await db.host.update({ where: { name: "node003" }, data: { tokenGeneration: { increment: 1 } } });
    await bumpHostsCounter();
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await identify(mac, old)).toMatchObject({ kind: "refused" });
    expect(await identify(mac, await tokenOf("node003"))).toMatchObject({ kind: "host" });
  });

  it("refuses the old token when the rotation's invalidation lands while the hosts are being loaded", async () => {
    const old = await tokenOf("node003");
    expect(await identify(mac, old)).toMatchObject({ kind: "host" }); // cached, with its generation
    await db.host.update({ where: { name: "node003" }, data: { tokenGeneration: { increment: 1 } } });
    invalidateReporters();
    const pending = identify(mac, old); // waits for a load of every host...
    invalidateReporters(); // ...which this makes moot (the rotation's own invalidation, meanwhile)
    expect(await pending).toMatchObject({ kind: "refused", message: `wrong report token for MAC ${mac}` });
  });

  it("refuses a deleted host's token at once (its MAC is then not enrolled)", async () => {
    const m = hostIn(4).mac;
    const token = await tokenOf("node004");
    expect(await identify(m, token)).toMatchObject({ kind: "host" });
    await deleteHost(operator, "node004");
    expect(await identify(m, token)).toMatchObject({ kind: "refused", message: `MAC ${m} is not enrolled: a report token cannot belong to it` });
  });

  it("never takes another host's token, nor a token of the right length that differs", async () => {
    const mine = await tokenOf("node003");
    expect(await identify(mac, `${mine.slice(0, -1)}${mine.endsWith("A") ? "B" : "A"}`)).toMatchObject({ kind: "refused" });
    expect(await identify(mac, mine.slice(1))).toMatchObject({ kind: "refused" });
  });
});
