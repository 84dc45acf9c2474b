import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { parseFleet } from "@/lib/fleet/parse";
import { operator, viewer } from "@/lib/testing/actors";
import { applyFleet } from "./fleet-apply";
import { exportFleet } from "./fleet-export";
import { getCell } from "./cells";
import { getHost } from "./hosts";
import { getNetwork } from "./networks";

// The fleet file's keys of host identity and secrets (#18): a cell's kerberos (realm and KDCs), a
// network's identity (mode and first-TPM enrolment), a host's own identity. Export writes them only
// when they are not the defaults; export → apply is a no-op; bad values are refused at their path.

const FILE = `
networks:
  - name: lab
    subnet: 10.0.0.0/24
    gateway: 10.0.0.1
    dns: [10.0.0.1]
    bootServer: 10.0.0.1
    reportUrl: http://10.0.0.1:3000
    identity: { mode: tpm, enrolment: approve }
  - name: lab2
    subnet: 10.0.2.0/24
    gateway: 10.0.2.1
    dns: [10.0.2.1]
    bootServer: 10.0.2.1
    reportUrl: http://10.0.2.1:3000
cells:
  - name: example.org
    client: kafs
    servers: [{ name: afsdb1.example.org, ip: 10.0.0.5 }]
    bootRoot: /afs/example.org/boot
    kerberos: { realm: LAB.TEST, kdcs: [10.0.0.5, kdc2.example.org:88] }
  - name: anon.example.org
    client: openafs
    servers: [{ name: afsdb1.example.org, ip: 10.0.0.6 }]
    bootRoot: /afs/example.org/boot
releases:
  - name: rh-7.3
    tree: /afs/example.org/boot/RH/7.3
    versions:
      - version: "1"
        kernel: vmlinuz-2.4.20
        baseInitrd: initrd-2.4.20.img
        readonly: [usr]
hosts:
  - name: node001
    mac: 52:54:00:12:34:56
    ip: 10.0.0.11
    cell: example.org
    release: rh-7.3
  - name: node002
    mac: 52:54:00:12:34:57
    ip: 10.0.0.12
    cell: example.org
    release: rh-7.3
    identity: port
  - name: node003
    mac: 52:54:00:12:34:58
    ip: 10.0.2.13
    cell: example.org
    release: rh-7.3
    identity: none
`;

const parse = (text: string) => {
  const r = parseFleet(text);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.fleet;
};
const problems = (text: string) => {
  const r = parseFleet(text);
  return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
};
/** What the database holds, as the fleet file says it. */
const state = async () => stringify(await exportFleet(viewer));

describe("fleet file: host identity and Kerberos", () => {
  it("applies the keys, exports only what is not the default, and export → apply is a no-op", async () => {
    const created = await applyFleet(operator, parse(FILE));
    expect(created.filter((c) => c.op !== "create")).toEqual([]);
    expect(await getCell(viewer, "example.org")).toMatchObject({ realm: "LAB.TEST", kdcs: ["10.0.0.5", "kdc2.example.org:88"] });
    expect(await getCell(viewer, "anon.example.org")).toMatchObject({ realm: null, kdcs: [] });
    expect((await db.cell.findUniqueOrThrow({ where: { name: "example.org" } })).kdcs).toBe("10.0.0.5,kdc2.example.org:88");
    expect(await getNetwork(viewer, "lab")).toMatchObject({ identity: "tpm", identityEnrolment: "approve" });
    expect(await getNetwork(viewer, "lab2")).toMatchObject({ identity: "none", identityEnrolment: "approve" });
    expect(await getHost(viewer, "node001")).toMatchObject({ identity: null, effectiveIdentity: "tpm", networkIdentity: "tpm" });
    expect(await getHost(viewer, "node002")).toMatchObject({ identity: "port", effectiveIdentity: "port" });
    expect(await getHost(viewer, "node003")).toMatchObject({ identity: "none", effectiveIdentity: "none" });

    const exported = await exportFleet(viewer);
    expect(exported.networks).toEqual([
      expect.objectContaining({ name: "lab", identity: { mode: "tpm", enrolment: "approve" } }),
      expect.not.objectContaining({ identity: expect.anything() }),
    ]);
    expect(exported.cells).toEqual([
      expect.not.objectContaining({ kerberos: expect.anything() }),
      expect.objectContaining({ name: "example.org", kerberos: { realm: "LAB.TEST", kdcs: ["10.0.0.5", "kdc2.example.org:88"] } }),
    ]);
    expect(exported.hosts.map((h) => (h as { identity?: string }).identity)).toEqual([undefined, "port", "none"]);
    // key order: the new keys after the ones they extend, notes last
    expect(Object.keys(exported.networks[0]!).slice(-1)).toEqual(["identity"]);
    expect(Object.keys(exported.cells[1]!)).toEqual(["name", "client", "servers", "bootRoot", "cache", "kerberos"]);

    const text = stringify(exported);
    const audit = await db.auditEntry.count();
    expect(await applyFleet(operator, parse(text))).toEqual([]);
    expect(await applyFleet(operator, parse(FILE))).toEqual([]);
    expect(await db.auditEntry.count()).toBe(audit);
    expect(await state()).toBe(text);
  });

  it("changes and clears them, audited; leaving the keys out goes back to the defaults", async () => {
    await applyFleet(operator, parse(FILE));
    const changed = FILE.replace("identity: { mode: tpm, enrolment: approve }", "identity: { mode: port }")
      .replace("kdcs: [10.0.0.5, kdc2.example.org:88]", "kdcs: [kdc3.example.org]")
      .replace("    identity: port\n", "    identity: tpm\n");
    expect(await applyFleet(operator, parse(changed))).toEqual([
      { op: "update", kind: "network", name: "lab", detail: "identity" },
      { op: "update", kind: "cell", name: "example.org", detail: "kdcs" },
      { op: "update", kind: "host", name: "node002", detail: "identity" },
    ]);
    const cellAudit = await db.auditEntry.findFirstOrThrow({ where: { action: "cell.update", targetName: "example.org" }, orderBy: { at: "desc" } });
    expect(cellAudit.before).toMatchObject({ realm: "LAB.TEST", kdcs: ["10.0.0.5", "kdc2.example.org:88"] });
    expect(cellAudit.after).toMatchObject({ realm: "LAB.TEST", kdcs: ["kdc3.example.org"] });
    const netAudit = await db.auditEntry.findFirstOrThrow({ where: { action: "network.update", targetName: "lab" }, orderBy: { at: "desc" } });
    expect([netAudit.before, netAudit.after]).toEqual([
      expect.objectContaining({ identity: "tpm", identityEnrolment: "approve" }),
      expect.objectContaining({ identity: "port", identityEnrolment: "approve" }),
    ]);
    const hostAudit = await db.auditEntry.findFirstOrThrow({ where: { action: "host.update", targetName: "node002" }, orderBy: { at: "desc" } });
    expect([hostAudit.before, hostAudit.after]).toEqual([expect.objectContaining({ identity: "port" }), expect.objectContaining({ identity: "tpm" })]);

    const cleared = FILE.replace("    identity: { mode: tpm, enrolment: approve }\n", "")
      .replace("    kerberos: { realm: LAB.TEST, kdcs: [10.0.0.5, kdc2.example.org:88] }\n", "")
      .replace("    identity: port\n", "")
      .replace("    identity: none\n", "");
    await applyFleet(operator, parse(cleared));
    expect(await getCell(viewer, "example.org")).toMatchObject({ realm: null, kdcs: [] });
    expect(await getNetwork(viewer, "lab")).toMatchObject({ identity: "none", identityEnrolment: "approve" });
    expect((await getHost(viewer, "node003")).identity).toBeNull();
    const exported = await exportFleet(viewer);
    expect(JSON.stringify(exported)).not.toMatch(/kerberos|identity/);
    // enrolment alone differing from the default is written too, with the mode
    await applyFleet(operator, parse(cleared.replace("    reportUrl: http://10.0.0.1:3000\n", "    reportUrl: http://10.0.0.1:3000\n    identity: { mode: none, enrolment: tofu }\n")));
    expect((await exportFleet(viewer)).networks[0]).toMatchObject({ identity: { mode: "none", enrolment: "tofu" } });
  });

  it("refuses a realm without KDCs, KDCs without a realm, and bad values, each at its path", () => {
    expect(problems(FILE.replace("kerberos: { realm: LAB.TEST, kdcs: [10.0.0.5, kdc2.example.org:88] }", "kerberos: { realm: LAB.TEST }"))).toEqual([
      "cells[0].kerberos.kdcs: A Kerberos realm needs its KDCs: list at least one (host or host:port), or clear the realm",
    ]);
    expect(problems(FILE.replace("kerberos: { realm: LAB.TEST, kdcs: [10.0.0.5, kdc2.example.org:88] }", "kerberos: { realm: LAB.TEST, kdcs: [] }"))).toEqual([
      "cells[0].kerberos.kdcs: A Kerberos realm needs its KDCs: list at least one (host or host:port), or clear the realm",
    ]);
    expect(problems(FILE.replace("kerberos: { realm: LAB.TEST, kdcs: [10.0.0.5, kdc2.example.org:88] }", "kerberos: { kdcs: [10.0.0.5] }"))).toEqual([
      "cells[0].kerberos.realm: KDCs need a Kerberos realm: give the realm they serve, or clear the KDCs",
    ]);
    const bad = FILE.replace("realm: LAB.TEST", "realm: lab.test")
      .replace("kdc2.example.org:88", "kdc2.example.org:99999")
      .replace("identity: { mode: tpm, enrolment: approve }", "identity: { mode: TPM, enrolment: sometimes }")
      .replace("    identity: port\n", "    identity: ssh\n")
      .replace("    identity: none\n", "    identity: none\n    kerberos: { realm: LAB.TEST }\n");
    expect(problems(bad)).toEqual([
      "networks[0].identity.mode: identity.mode must be none, tpm or port",
      "networks[0].identity.enrolment: identity.enrolment must be approve or tofu",
      "cells[0].kerberos.realm: Kerberos realm lab.test must be written in upper case, like LAB.TEST (realms are case-sensitive)",
      'cells[0].kerberos.kdcs[1]: KDC "kdc2.example.org:99999": the port must be between 1 and 65535',
      "hosts[1].identity: Identity must be none, tpm, port (source address + privileged port, weaker) or null (the network's)",
      'hosts[2].kerberos: unknown key "kerberos"',
    ]);
  });

  it("a refused apply changes nothing", async () => {
    await applyFleet(operator, parse(FILE));
    const before = await state();
    const r = await applyFleet(operator, parse(FILE.replace("    identity: port\n", "    identity: tpm\n").replace("    ip: 10.0.0.11\n", "    ip: 10.9.9.11\n"))).catch((e: unknown) => e);
    expect(r).toBeInstanceOf(AppError);
    expect(await state()).toBe(before);
  });
});
