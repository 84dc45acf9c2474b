import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { isSealed } from "@/lib/crypto/secret-box";
import { parseFleet } from "@/lib/fleet/parse";
import { operator, viewer } from "@/lib/testing/actors";
import { refusal } from "@/lib/testing/refusal";
import { hostIn, seedInventory } from "@/lib/testing/fleet-fixtures";
import { networkForm } from "@/lib/testing/fixtures";
import { parseHostCsv } from "@/lib/inventory/host-csv";
import { networkBmcInput } from "@/lib/validation/bmc";
import { applyFleet } from "./fleet-apply";
import { enrollHosts } from "./host-bulk";
import { exportFleet } from "./fleet-export";
import { createHost, getHost, updateHost } from "./hosts";
import { createNetwork, getNetwork } from "./networks";
import { hostsWithBmc, powerHosts, powerOnMany } from "./power";

// Power control end to end below the UI: BMC settings inherited from the network, the password
// sealed at rest and never shown, the command driver running a real executable per host (its
// state file is the "machine"), one BMC's failure beside another's success, the audit, the roles,
// and the fleet file's { env: NAME } / stored.

const PASSWORD = "s3cret-BMC-pass";
let dir: string;
let log: string;

const logLines = () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").filter(Boolean) : []);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-power-"));
  log = path.join(dir, "actions.log");
  const powerDir = path.join(dir, "power.d");
  fs.mkdirSync(powerDir);
  // a PDU of sorts: one state file per host; node666's outlet is broken
  fs.writeFileSync(
    path.join(powerDir, "pdu"),
    `#!/bin/sh
state="${dir}/$AFSBOOT_HOST.state"
echo "$AFSBOOT_HOST $1 user=$AFSBOOT_BMC_USER pw-ok=$([ "$AFSBOOT_BMC_PASSWORD" = "${PASSWORD}" ] && echo yes || echo no)" >> "${log}"
[ "$AFSBOOT_HOST" = node666 ] && { echo "outlet 6: no answer from the PDU" >&2; exit 1; }
case "$1" in
  status) cat "$state" 2>/dev/null || echo off ;;
  on) echo on > "$state"; echo "outlet on" ;;
  off) echo off > "$state"; echo "outlet off" ;;
  cycle|reset) echo on > "$state"; echo "outlet cycled" ;;
  pxe) exit 3 ;;
esac
`,
    { mode: 0o755 },
  );
  process.env.AFSBOOT_POWER_DIR = powerDir;
  process.env.PDU_PASSWORD = PASSWORD;
  await seedInventory();
  await createNetwork(operator, networkForm({ name: "racks", subnet: "10.9.0.0/24", gateway: "10.9.0.1", dns: ["10.9.0.1"], bootServer: "10.9.0.1", bmc: { driver: "command", user: "pdu-admin", password: PASSWORD, command: "pdu" } }));
  for (const i of [1, 2, 666]) await createHost(operator, hostIn(i, { name: `node${i === 666 ? 666 : String(i).padStart(3, "0")}`, ip: `10.9.0.${10 + (i % 200)}` }));
  await createHost(operator, hostIn(3)); // on "lab": no BMC at all
});

afterAll(() => {
  delete process.env.AFSBOOT_POWER_DIR;
  delete process.env.PDU_PASSWORD;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("BMC settings", () => {
  it("keeps the password sealed, shows only that one is set, and applies the network's defaults", async () => {
    const row = await db.network.findUniqueOrThrow({ where: { name: "racks" } });
    expect(isSealed(row.bmcPassword!)).toBe(true);
    expect(row.bmcPassword).not.toContain(PASSWORD);
    const net = await getNetwork(viewer, "racks");
    expect(net).toMatchObject({ bmcDriver: "command", bmcUser: "pdu-admin", bmcPasswordSet: true });
    const host = await getHost(viewer, "node001");
    expect(host.power).toMatchObject({ driver: "command", user: "pdu-admin", passwordSet: true, inherited: ["driver", "user", "password", "insecure", "command"], problem: null });
    expect(JSON.stringify([net, host])).not.toContain(PASSWORD);
    expect(JSON.stringify(await db.auditEntry.findMany())).not.toContain(PASSWORD);
    expect((await getHost(viewer, "node003")).power).toBeNull();
  });

  it("refuses a BMC that cannot work, next to its field, and saves nothing", async () => {
    const h = await getHost(viewer, "node001");
    const base = { ...hostIn(1, { ip: h.ip }), revision: h.revision };
    expect(await refusal(updateHost(operator, "node001", { ...base, bmc: { driver: "redfish", address: "http://10.9.0.201", user: null, insecure: null, command: null } }))).toMatchObject({
      status: 422,
      fields: { "bmc.address": expect.stringContaining("plain http:// only for a BMC marked insecure") },
    });
    expect(await refusal(updateHost(operator, "node001", { ...base, bmc: { driver: "ipmi", address: null, user: "root", insecure: null, command: null } }))).toMatchObject({
      fields: { "bmc.address": "An IPMI BMC needs an address" },
    });
    // a host of the lab network (no default driver) that names an address but no driver
    const h3 = await getHost(viewer, "node003");
    expect(await refusal(updateHost(operator, "node003", { ...hostIn(3), revision: h3.revision, bmc: { driver: null, address: "10.0.0.200", user: null, insecure: null, command: null } }))).toMatchObject({
      fields: { "bmc.driver": expect.stringContaining("Choose a BMC driver") },
    });
    expect((await getHost(viewer, "node001")).revision).toBe(h.revision);
  });
});

describe("power actions", () => {
  it("answers each host: status, on, cycle through the command driver, with the password handed to it", async () => {
    expect(await powerHosts(viewer, ["node001"], "status")).toMatchObject([{ host: "node001", ok: true, state: "off", driver: "command" }]);
    const [on] = await powerHosts(operator, ["node001"], "on");
    expect(on).toMatchObject({ ok: true, message: expect.stringContaining("outlet on") });
    expect(await powerHosts(viewer, ["node001"], "status")).toMatchObject([{ state: "on" }]);
    expect(logLines()).toContain("node001 on user=pdu-admin pw-ok=yes");
  });

  it("goes on with the others when one BMC fails, and audits each host's answer without the password", async () => {
    const before = logLines().length;
    const r = await powerOnMany(operator, "cycle", ["node001", "node666", "node002", "node003"], null);
    expect(r).toMatchObject({ ok: 2, failed: 2 });
    expect(r.results.map((o) => [o.host, o.ok])).toEqual([
      ["node001", true],
      ["node666", false],
      ["node002", true],
      ["node003", false],
    ]);
    expect(r.results[1]!.message).toContain("no answer from the PDU");
    expect(r.results[3]!.message).toMatch(/^no BMC/);
    expect(logLines().slice(before).sort()).toEqual(["node001 cycle user=pdu-admin pw-ok=yes", "node002 cycle user=pdu-admin pw-ok=yes", "node666 cycle user=pdu-admin pw-ok=yes"]);
    const entry = await db.auditEntry.findFirstOrThrow({ where: { action: "host.power.cycle" }, orderBy: { at: "desc" }, include: { hosts: true } });
    expect(entry.actorName).toBe(operator.name);
    expect(entry.hosts.map((h) => h.hostName).sort()).toEqual(["node001", "node002", "node003", "node666"]);
    expect(JSON.stringify(entry.after)).toContain("no answer from the PDU");
    expect(JSON.stringify(entry)).not.toContain(PASSWORD);
  });

  it("selects by the hosts table's filters, refuses an empty selection or unknown hosts before asking any BMC", async () => {
    const before = logLines().length;
    expect((await powerOnMany(viewer, "status", null, { network: "racks" })).results.map((o) => o.host).sort()).toEqual(["node001", "node002", "node666"]);
    expect(await refusal(powerOnMany(operator, "off", null, { tag: "nothing-has-this" }))).toMatchObject({ status: 422 });
    expect(await refusal(powerOnMany(operator, "off", ["node001", "ghost"], null))).toMatchObject({ status: 404, message: expect.stringContaining("ghost") });
    expect(logLines().length).toBe(before + 3); // the three status reads only
  });

  it("lets a viewer read the state and nothing more", async () => {
    expect(await refusal(powerHosts(viewer, ["node001"], "off"))).toMatchObject({ status: 403 });
    expect((await powerHosts(viewer, ["node001"], "status"))[0]!.ok).toBe(true);
  });

  it("says a driver cannot do an action when the script says so (exit 3), and knows which hosts have a BMC", async () => {
    expect((await powerHosts(operator, ["node002"], "pxe"))[0]).toMatchObject({ ok: false });
    const ids = (await db.host.findMany({ select: { id: true, name: true } })).map((h) => h.id);
    const names = new Map((await db.host.findMany({ select: { id: true, name: true } })).map((h) => [h.id, h.name]));
    expect([...(await hostsWithBmc(ids))].map((id) => names.get(id)).sort()).toEqual(["node001", "node002", "node666"]);
  });

  it("says so when the stored password cannot be opened (the server secret changed)", async () => {
    const other = await db.host.findUniqueOrThrow({ where: { name: "node002" } });
    await db.host.update({ where: { id: other.id }, data: { bmcPassword: "v1.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA" } });
    expect((await powerHosts(viewer, ["node002"], "status"))[0]).toMatchObject({ ok: false, message: expect.stringContaining("cannot be decrypted") });
    await db.host.update({ where: { id: other.id }, data: { bmcPassword: null } });
  });
});

describe("the fleet file", () => {
  it("exports password: stored, and export → apply changes nothing; { env: NAME } with the same password changes nothing either", async () => {
    const exported = await exportFleet(viewer);
    const racks = exported.networks.find((n) => n.name === "racks")!;
    expect(racks.bmc).toEqual({ driver: "command", user: "pdu-admin", password: "stored", command: "pdu" });
    expect(JSON.stringify(exported)).not.toContain(PASSWORD);
    const again = parseFleet(JSON.stringify(exported));
    if (!again.ok) throw new Error(JSON.stringify(again.problems));
    expect(await applyFleet(operator, again.fleet)).toEqual([]);
    const withEnv = parseFleet(JSON.stringify({ ...exported, networks: exported.networks.map((n) => (n.name === "racks" ? { ...n, bmc: { ...(racks.bmc as Record<string, unknown>), password: { env: "PDU_PASSWORD" } } } : n)) }));
    if (!withEnv.ok) throw new Error(JSON.stringify(withEnv.problems));
    expect(await applyFleet(operator, withEnv.fleet)).toEqual([]);
  });

  it("refuses a password in the clear, an unset variable, and stored where none is", async () => {
    const host = (bmc: unknown) => ({ hosts: [{ name: "node009", mac: "52:54:00:00:00:09", ip: "10.9.0.19", cell: "example.org", release: "rh-7.3", bmc }] });
    const clear = parseFleet(JSON.stringify(host({ address: "x", password: "hunter2" })));
    expect(clear.ok ? [] : clear.problems.map((p) => p.message)).toEqual([expect.stringContaining("must not be written in the fleet file")]);
    const unset = parseFleet(JSON.stringify(host({ address: "x", password: { env: "NO_SUCH_VARIABLE_HERE" } })));
    expect(unset.ok ? [] : unset.problems.map((p) => p.message)).toEqual([expect.stringContaining("NO_SUCH_VARIABLE_HERE is not set")]);
    const stored = parseFleet(JSON.stringify(host({ address: "10.9.0.219", password: "stored" })));
    if (!stored.ok) throw new Error(JSON.stringify(stored.problems));
    expect(await refusal(applyFleet(operator, stored.fleet))).toMatchObject({ fields: { "hosts[0].bmc.password": expect.stringContaining("keeps no BMC password") } });
    expect(await db.host.count({ where: { name: "node009" } })).toBe(0);
  });
});

describe("CSV import", () => {
  it("takes the BMC columns (case kept, password sealed on enrolment) and refuses a bad driver on its line", async () => {
    const csv = [
      "hostname,mac,ip,cell,release,bmc_driver,bmc_address,bmc_user,bmc_password,bmc_insecure",
      "node020,52:54:00:00:00:20,10.9.0.30,example.org,rh-7.3,redfish,https://BMC-20.example.org,Root,Pa55word!,on",
      "node021,52:54:00:00:00:21,10.9.0.31,example.org,rh-7.3,,,,,",
      "node022,52:54:00:00:00:22,10.9.0.32,example.org,rh-7.3,smoke-signals,10.9.0.232,,,",
    ].join("\n");
    const batch = parseHostCsv(csv);
    expect(batch.problems).toEqual([{ line: 4, field: "bmc_driver", message: "BMC driver must be ipmi, redfish or command" }]);
    expect(batch.rows.map((r) => r.input.bmc)).toEqual([{ driver: "redfish", address: "https://BMC-20.example.org", user: "Root", password: "Pa55word!", insecure: true, command: null }, undefined]);
    await enrollHosts(operator, batch.rows.map((r) => r.input));
    const row = await db.host.findUniqueOrThrow({ where: { name: "node020" } });
    expect(isSealed(row.bmcPassword!)).toBe(true);
    expect((await getHost(viewer, "node020")).power).toMatchObject({ driver: "redfish", insecure: true, passwordSet: true, problem: null });
    expect((await getHost(viewer, "node021")).power).toMatchObject({ driver: "command", inherited: ["driver", "user", "password", "insecure", "command"] });
  });
});

describe("IPMI passwords", () => {
  it("are at most 20 bytes (IPMI 2.0): refused next to the field on a host and on a network", async () => {
    const h = await getHost(viewer, "node001");
    expect(
      await refusal(
        updateHost(operator, "node001", { ...hostIn(1, { ip: h.ip }), revision: h.revision, bmc: { driver: "ipmi", address: "10.9.0.101", user: "admin", password: "x".repeat(21), insecure: null, command: null } }),
      ),
    ).toMatchObject({ status: 422, fields: { "bmc.password": "An IPMI password is at most 20 bytes (IPMI 2.0)" } });
    const net = networkBmcInput.safeParse({ driver: "ipmi", user: "admin", password: "é".repeat(11) });
    expect(net.success ? null : net.error.issues.map((i) => [i.path.join("."), i.message])).toEqual([["password", "An IPMI password is at most 20 bytes (IPMI 2.0)"]]);
    expect(networkBmcInput.safeParse({ driver: "ipmi", user: "admin", password: "x".repeat(20) }).success).toBe(true);
  });
});
