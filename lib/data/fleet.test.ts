import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { parseFleet } from "@/lib/fleet/parse";
import { operator, viewer } from "@/lib/testing/actors";
import { applyFleet } from "./fleet-apply";
import { exportFleet } from "./fleet-export";

const FILE = `
networks:
  - name: lab
    subnet: 10.0.0.0/24
    gateway: 10.0.0.1
    dns: [10.0.0.1]
    domain: lab.example.org
    bootServer: 10.0.0.1
    reportUrl: http://10.0.0.1:3000
cells:
  - name: example.org
    client: kafs
    servers: [{ name: afsdb1.example.org, ip: 10.0.0.5 }]
    bootRoot: /afs/example.org/boot
    cache: { memcache: true, blocks: 65536 }
releases:
  - name: rh-7.3
    tree: /afs/example.org/boot/RH/7.3
    versions:
      - version: "1"
        kernel: vmlinuz-2.4.20-20.7
        baseInitrd: initrd-2.4.20-20.7.img
        modules: [e1000]
        readonly: [bin, lib, opt, sbin, usr, var/lib/rpm]
        writable: [etc, dev, var]
        tmpfsSize: 90M
hosts:
  - name: node001
    mac: 52:54:00:12:34:56
    ip: 10.0.0.11
    cell: example.org
    release: rh-7.3
    tags: [render]
  - name: node002
    mac: 52-54-00-12-34-57
    ip: 10.0.0.12
    cell: example.org
    release: rh-7.3@1
`;

const parse = (text: string) => {
  const r = parseFleet(text);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.fleet;
};
const ops = (changes: { op: string; kind: string; name: string }[]) => changes.map((c) => `${c.op} ${c.kind} ${c.name}`);

describe("fleet file", () => {
  it("apply creates everything, re-apply changes nothing, export → apply is a no-op", async () => {
    expect(ops(await applyFleet(operator, parse(FILE)))).toEqual([
      "create network lab",
      "create cell example.org",
      "create release rh-7.3",
      "create version rh-7.3@1",
      "create host node001",
      "create host node002",
    ]);
    expect(await applyFleet(operator, parse(FILE))).toEqual([]);
    const exported = stringify(await exportFleet(viewer));
    expect(exported).toContain("mac: 52:54:00:12:34:57"); // normalised
    const auditBefore = await db.auditEntry.count();
    expect(await applyFleet(operator, parse(exported))).toEqual([]);
    expect(await db.auditEntry.count()).toBe(auditBefore);
    expect(stringify(await exportFleet(viewer))).toBe(exported);
  });

  it("updates what differs, keeps what the file omits unless --prune", async () => {
    const changed = FILE.replace("tags: [render]", "tags: [render, gpu]").replace(/  - name: node002[\s\S]*$/, "");
    expect(ops(await applyFleet(operator, parse(changed)))).toEqual(["update host node001", "keep host node002"]);
    const tagsOf = async (name: string) => (await db.hostTag.findMany({ where: { host: { name } }, orderBy: { tag: "asc" } })).map((t) => t.tag);
    expect(await tagsOf("node001")).toEqual(["gpu", "render"]);
    // tags taken away by a file: gone, the other host's untouched
    const untagged = changed.replace("tags: [render, gpu]", "tags: []");
    expect(ops(await applyFleet(operator, parse(untagged)))).toEqual(["update host node001", "keep host node002"]);
    expect(await tagsOf("node001")).toEqual([]);
    const node002 = await tagsOf("node002");
    expect(ops(await applyFleet(operator, parse(changed)))).toEqual(["update host node001", "keep host node002"]);
    expect(await tagsOf("node001")).toEqual(["gpu", "render"]);
    expect(await tagsOf("node002")).toEqual(node002);
    expect(ops(await applyFleet(operator, parse(changed), { prune: true, dryRun: true }))).toEqual(["delete host node002"]);
    expect(await db.host.count({ where: { name: "node002" } })).toBe(1);
    expect(ops(await applyFleet(operator, parse(changed), { prune: true }))).toEqual(["delete host node002"]);
    expect(await db.host.count({ where: { name: "node002" } })).toBe(0);
  });

  it("refuses changing an active version and bad references, all or nothing", async () => {
    const bad = FILE.replace("tmpfsSize: 90M", "tmpfsSize: 2G").replace("ip: 10.0.0.12", "ip: 10.0.5.12").replace("tags: [render]", "tags: [changed]");
    try {
      await applyFleet(operator, parse(bad));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).fields).toMatchObject({
        "releases[0].versions[0]": expect.stringContaining("active and immutable"),
        "hosts[1].ip": expect.stringContaining("outside every network"),
      });
    }
    expect((await db.hostTag.findMany({ where: { host: { name: "node001" } } })).map((t) => t.tag).sort()).toEqual(["gpu", "render"]);
  });

  it("prune refuses to delete what hosts still use, naming each; nothing changes", async () => {
    // node001 pins version 1; the file drops version 1 (adding 2), the cell and the network
    const file = FILE.replace('version: "1"', 'version: "2"')
      .replace(/networks:[\s\S]*?releases:/, "networks: []\ncells: []\nreleases:")
      .replace("release: rh-7.3\n", "release: rh-7.3@1\n")
      .replace(/  - name: node002[\s\S]*$/, "");
    const before = { versions: await db.releaseVersion.count(), audit: await db.auditEntry.count() };
    const refused = await applyFleet(operator, parse(file), { prune: true }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).fields).toEqual({
      releases: "rh-7.3@1 is not in the file but hosts pin it",
      cells: "cell example.org is not in the file but 1 host(s) still use it",
      networks: "network lab is not in the file but 1 host(s) still use it",
    });
    expect({ versions: await db.releaseVersion.count(), audit: await db.auditEntry.count() }).toEqual(before);
    expect((await db.host.findUniqueOrThrow({ where: { name: "node001" } })).pinnedVersionId).toBeNull();
    expect(await db.cell.count({ where: { name: "example.org" } })).toBe(1);
  });

  it("refuses to retire a version hosts pin, at the version's status", async () => {
    const file = FILE.replace("tmpfsSize: 90M", "tmpfsSize: 90M\n        status: retired").replace("release: rh-7.3\n", "release: rh-7.3@1\n");
    const refused = await applyFleet(operator, parse(file)).catch((e: unknown) => e);
    expect((refused as AppError).fields).toEqual({ "releases[0].versions[0].status": "rh-7.3@1 cannot be retired: 2 host(s) pin it" });
    expect((await db.releaseVersion.findFirstOrThrow({ where: { version: "1" } })).status).toBe("active");
  });

  it("refuses an images directory publishing may not read, at its path; nothing changes", async () => {
    const file = FILE.replace("tree: /afs/example.org/boot/RH/7.3\n", "tree: /afs/example.org/boot/RH/7.3\n    imagesDir: /etc\n");
    const refused = await applyFleet(operator, parse(file)).catch((e: unknown) => e);
    expect((refused as AppError).fields?.["releases[0].imagesDir"]).toMatch(/^\/etc lies outside .* add it to AFSBOOT_IMAGES_ROOTS/);
    expect((await db.release.findUniqueOrThrow({ where: { name: "rh-7.3" } })).imagesDir).toBeNull();
  });

  it("only operators and admins apply", async () => {
    await expect(applyFleet(viewer, parse(FILE))).rejects.toMatchObject({ status: 403 });
  });

  it("parse errors carry line, column and path", () => {
    const syntax = parseFleet("hosts:\n  - name: a\n    mac: [x\n");
    expect(syntax.ok).toBe(false);
    expect(!syntax.ok && syntax.problems[0]).toMatchObject({ line: expect.any(Number), message: expect.stringContaining("YAML syntax error") });
    const unknown = parseFleet("hosts:\n  - name: a\n    mac: 52:54:00:12:34:56\n    ip: 10.0.0.1\n    cell: x.org\n    release: r\n    colour: red\n");
    expect(!unknown.ok && unknown.problems).toEqual([{ path: "hosts[0].colour", line: 7, col: 5, message: 'unknown key "colour"' }]);
    const types = parseFleet("cells:\n  - name: x.org\n    client: arla\n    servers: []\n    bootRoot: /srv\n");
    expect(!types.ok && types.problems.map((p) => p.path)).toEqual(["cells[0].client", "cells[0].servers", "cells[0].bootRoot"]);
    expect(parseFleet("- a\n- b\n").ok).toBe(false);
    const json = parseFleet('{"networks": [], "hosts": []}');
    expect(json.ok).toBe(true);
  });
});

describe("fleet file: a network's discovery range", () => {
  const withRange = (range: string, text = FILE) => text.replace("    reportUrl: http://10.0.0.1:3000\n", `    reportUrl: http://10.0.0.1:3000\n    discoveryRange: ${range}\n`);
  const problems = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      if (e instanceof AppError) return e.fields;
      throw e;
    }
    return "applied";
  };

  it("applies, exports and re-applies as a no-op; null or omitting it clears it", async () => {
    await applyFleet(operator, parse(FILE));
    expect(stringify(await exportFleet(viewer))).not.toContain("discoveryRange");
    const changes = await applyFleet(operator, parse(withRange("10.0.0.200 - 10.0.0.220")));
    expect(changes).toEqual([{ op: "update", kind: "network", name: "lab", detail: "discoveryRange" }]);
    const audit = await db.auditEntry.findFirstOrThrow({ where: { action: "network.update", targetName: "lab" }, orderBy: { at: "desc" } });
    expect(audit.before).toMatchObject({ discoveryRange: null });
    expect(audit.after).toMatchObject({ discoveryRange: "10.0.0.200-10.0.0.220" });
    const exported = stringify(await exportFleet(viewer));
    expect(exported).toContain("    discoveryRange: 10.0.0.200-10.0.0.220\n");
    expect(await applyFleet(operator, parse(exported))).toEqual([]);
    expect(await applyFleet(operator, parse(JSON.stringify(await exportFleet(viewer))))).toEqual([]);
    expect(ops(await applyFleet(operator, parse(withRange("~"))))).toEqual(["update network lab"]);
    expect((await db.network.findUniqueOrThrow({ where: { name: "lab" } })).discoveryRange).toBeNull();
    expect(await applyFleet(operator, parse(FILE))).toEqual([]);
  });

  it("refuses a range over the file's hosts or hosts it keeps, naming them; nothing changes", async () => {
    const before = await db.network.findUniqueOrThrow({ where: { name: "lab" } });
    const audits = await db.auditEntry.count();
    expect(await problems(applyFleet(operator, parse(withRange("10.0.0.10-10.0.0.11"))))).toEqual({
      "hosts[0].ip": "IP 10.0.0.11 lies in the discovery range 10.0.0.10-10.0.0.11 of network lab, kept for machines that are not enrolled: choose an address outside it",
    });
    // hosts missing from the file are kept (no --prune) and still hold their addresses
    const noHosts = withRange("10.0.0.10-10.0.0.20").replace(/\nhosts:[\s\S]*$/, "\n");
    expect(await problems(applyFleet(operator, parse(noHosts)))).toEqual({
      "networks[0].discoveryRange": "Discovery range 10.0.0.10-10.0.0.20 holds the address of enrolled hosts node001 (10.0.0.11), node002 (10.0.0.12): move them out of the range, or choose another range",
    });
    // a host moved into the range by the same file
    const moved = withRange("10.0.0.200-10.0.0.220").replace("ip: 10.0.0.12", "ip: 10.0.0.210");
    expect(await problems(applyFleet(operator, parse(moved)))).toEqual({ "hosts[1].ip": expect.stringContaining("discovery range 10.0.0.200-10.0.0.220") });
    expect(await db.network.findUniqueOrThrow({ where: { name: "lab" } })).toEqual(before);
    expect(await db.auditEntry.count()).toBe(audits);
    // with --prune the hosts go, and so does the conflict
    expect(ops(await applyFleet(operator, parse(noHosts), { prune: true, dryRun: true }))).toEqual(["update network lab", "delete host node001", "delete host node002"]);
  });

  it("refuses a bad range with its line and path", () => {
    const r = parseFleet(withRange("10.0.0.220-10.0.0.200"));
    expect(!r.ok && r.problems).toEqual([{ path: "networks[0].discoveryRange", line: 10, col: 21, message: "Discovery range 10.0.0.220-10.0.0.200 starts after it ends: write the lower address first" }]);
    const outside = parseFleet(withRange("10.0.1.200-10.0.1.220"));
    expect(!outside.ok && outside.problems[0]!.message).toBe("Discovery range 10.0.1.200-10.0.1.220 lies outside the subnet 10.0.0.0/24: choose addresses inside it, or clear the range");
  });
});

describe("fleet file: a network's DHCP event hook", () => {
  const HOOK = "/usr/local/sbin/afsboot-dhcp-event";
  const withHook = (hook: string, text = FILE) => text.replace("    reportUrl: http://10.0.0.1:3000\n", `    reportUrl: http://10.0.0.1:3000\n    dhcpEventHook: ${hook}\n`);

  it("applies, exports and re-applies as a no-op; null or omitting it clears it", async () => {
    await applyFleet(operator, parse(FILE));
    expect(stringify(await exportFleet(viewer))).not.toContain("dhcpEventHook");
    const changes = await applyFleet(operator, parse(withHook(HOOK)));
    expect(changes).toEqual([{ op: "update", kind: "network", name: "lab", detail: "dhcpEventHook" }]);
    const audit = await db.auditEntry.findFirstOrThrow({ where: { action: "network.update", targetName: "lab" }, orderBy: { at: "desc" } });
    expect(audit.before).toMatchObject({ dhcpEventHook: null });
    expect(audit.after).toMatchObject({ dhcpEventHook: HOOK });
    const exported = stringify(await exportFleet(viewer));
    expect(exported).toContain(`    dhcpEventHook: ${HOOK}\n`);
    expect(await applyFleet(operator, parse(exported))).toEqual([]);
    expect(await applyFleet(operator, parse(JSON.stringify(await exportFleet(viewer))))).toEqual([]);
    expect(ops(await applyFleet(operator, parse(withHook("~"))))).toEqual(["update network lab"]);
    expect((await db.network.findUniqueOrThrow({ where: { name: "lab" } })).dhcpEventHook).toBeNull();
    expect(await applyFleet(operator, parse(withHook(HOOK)))).toHaveLength(1);
    expect(ops(await applyFleet(operator, parse(FILE)))).toEqual(["update network lab"]);
    expect((await db.network.findUniqueOrThrow({ where: { name: "lab" } })).dhcpEventHook).toBeNull();
  });

  it("refuses a bad path with its line and path; nothing changes", () => {
    const r = parseFleet(withHook("usr/local/sbin/afsboot-dhcp-event"));
    expect(!r.ok && r.problems).toEqual([
      { path: "networks[0].dhcpEventHook", line: 10, col: 20, message: "DHCP event hook must be an absolute path on the DHCP server, like /usr/local/sbin/afsboot-dhcp-event" },
    ]);
    const comma = parseFleet(withHook('"/usr/local/sbin/a,b"'));
    expect(!comma.ok && comma.problems[0]!.message).toBe("DHCP event hook must not contain commas (dnsmasq reads them as separators)");
  });
});

describe("fleet file: a network's boot servers", () => {
  const SERVERS = [
    "    bootServers:",
    "      - { name: boot1, address: 10.0.0.2, deliverTo: /srv/afsboot }",
    "      - { name: boot2, address: 10.0.0.3, url: http://10.0.0.3/current/, deliverTo: afsboot@10.0.0.3:/srv/afsboot }",
    "    dhcpFailover: load-balancing",
    "",
  ].join("\n");
  const withServers = (text = FILE, servers = SERVERS) => text.replace("    bootServer: 10.0.0.1\n", servers);

  it("applies, exports and re-applies as a no-op; the first server is the boot server; leaving them out goes back to one", async () => {
    await applyFleet(operator, parse(FILE));
    expect(stringify(await exportFleet(viewer))).not.toContain("bootServers");
    const changes = await applyFleet(operator, parse(withServers()));
    expect(changes).toEqual([{ op: "update", kind: "network", name: "lab", detail: "bootServer, bootServers, dhcpFailover" }]);
    const row = await db.network.findUniqueOrThrow({ where: { name: "lab" } });
    expect(row).toMatchObject({ bootServer: "10.0.0.2", dhcpFailover: "load-balancing" });
    const exported = stringify(await exportFleet(viewer));
    expect(exported).toContain("    bootServer: 10.0.0.2\n    bootServers:\n      - name: boot1\n        address: 10.0.0.2\n        deliverTo: /srv/afsboot\n");
    expect(exported).toContain("    dhcpFailover: load-balancing\n");
    expect(await applyFleet(operator, parse(exported))).toEqual([]);
    expect(await applyFleet(operator, parse(JSON.stringify(await exportFleet(viewer))))).toEqual([]);
    expect(ops(await applyFleet(operator, parse(FILE)))).toEqual(["update network lab"]);
    expect(await db.network.findUniqueOrThrow({ where: { name: "lab" } })).toMatchObject({ bootServer: "10.0.0.1", bootServers: [], dhcpFailover: null });
  });

  it("refuses a server named alike in two networks but delivered differently, and bad entries at their paths; nothing changes", async () => {
    await applyFleet(operator, parse(FILE));
    const second = [
      "  - name: lab2",
      "    subnet: 10.0.1.0/24",
      "    gateway: 10.0.1.1",
      "    dns: [10.0.1.1]",
      "    reportUrl: http://10.0.0.1:3000",
      "    bootServers: [{ name: boot1, address: 10.0.1.2, deliverTo: /srv/other }]",
      "cells:",
    ].join("\n");
    const both = withServers().replace("cells:", second);
    const r = parseFleet(both);
    expect(!r.ok && r.problems.map((p) => p.message)).toEqual([
      "boot server boot1 is delivered to /srv/other in network lab2 but to /srv/afsboot in network lab: one machine has one export directory",
    ]);
    const bad = parseFleet(withServers(FILE, "    bootServers: [{ name: boot1, address: 10.0.0.2 }, { name: boot1, address: 10.0.0.300 }]\n"));
    expect(!bad.ok && bad.problems.map((p) => `${p.path}: ${p.message}`)).toEqual(["networks[0].bootServers[1].address: Boot server address must be an IPv4 address like 10.0.0.1"]);
    expect((await db.network.findUniqueOrThrow({ where: { name: "lab" } })).bootServers).toEqual([]);
  });
});

describe("fleet file: several report URLs", () => {
  it("applies, exports and re-applies as a no-op; the first is reportUrl", async () => {
    await applyFleet(operator, parse(FILE));
    const two = FILE.replace("    reportUrl: http://10.0.0.1:3000\n", "    reportUrls: [http://10.0.0.1:3000, http://10.0.0.2:3000]\n");
    expect(await applyFleet(operator, parse(two))).toEqual([{ op: "update", kind: "network", name: "lab", detail: "reportUrls" }]);
    const exported = stringify(await exportFleet(viewer));
    expect(exported).toContain("    reportUrl: http://10.0.0.1:3000\n    reportUrls:\n      - http://10.0.0.1:3000\n      - http://10.0.0.2:3000\n");
    expect(await applyFleet(operator, parse(exported))).toEqual([]);
    expect(ops(await applyFleet(operator, parse(FILE)))).toEqual(["update network lab"]);
    expect((await db.network.findUniqueOrThrow({ where: { name: "lab" } })).reportUrls).toEqual([]);
  });
});
