import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { parseFleet } from "@/lib/fleet/parse";
import { operator, viewer } from "@/lib/testing/actors";
import { hostIn } from "@/lib/testing/fleet-fixtures";
import { applyFleet } from "./fleet-apply";
import { exportFleet } from "./fleet-export";
import { createHost } from "./hosts";

// The fleet file's Secure Boot keys: a network's default, a host's own setting (true, false, or
// absent to inherit), a version's signed kernel and modules. Export → apply is a no-op with them;
// an apply that would leave a Secure Boot host unable to boot is refused, naming the host, and
// changes nothing.

const FILE = `
networks:
  - name: lab
    subnet: 10.0.0.0/24
    gateway: 10.0.0.1
    dns: [10.0.0.1]
    bootServer: 10.0.0.1
    reportUrl: http://10.0.0.1:3000
    secureBoot: true
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
releases:
  - name: rh-7.3
    tree: /afs/example.org/boot/RH/7.3
    versions:
      - version: "1"
        kernel: vmlinuz-2.4.20
        baseInitrd: initrd-2.4.20.img
        readonly: [usr]
  - name: deb12
    tree: /afs/example.org/boot/deb12
    versions:
      - version: "1"
        kernel: vmlinuz-6.1.0-28-amd64
        baseInitrd: initrd.img-6.1.0-28-amd64
        readonly: [usr]
        signedKernel: true
      - version: "2"
        status: draft
        kernel: vmlinuz-6.1.0-29-amd64
        baseInitrd: initrd.img-6.1.0-29-amd64
        readonly: [usr]
        signedKernel: true
        signedModules: true
hosts:
  - name: node001
    mac: 52:54:00:12:34:56
    ip: 10.0.0.11
    cell: example.org
    release: deb12
  - name: node002
    mac: 52:54:00:12:34:57
    ip: 10.0.0.12
    cell: example.org
    release: rh-7.3
    secureBoot: false
  - name: node003
    mac: 52:54:00:12:34:58
    ip: 10.0.2.13
    cell: example.org
    release: deb12@1
    secureBoot: true
`;

const parse = (text: string) => {
  const r = parseFleet(text);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.fleet;
};
const refusal = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  if (!(e instanceof AppError)) throw e ?? new Error("not refused");
  return e.fields;
};
/** What the database holds, as the fleet file says it: unchanged after a refusal. */
const state = async () => stringify(await exportFleet(viewer));

describe("fleet file: Secure Boot", () => {
  it("applies the keys, exports only what is not the default, and export → apply is a no-op", async () => {
    await applyFleet(operator, parse(FILE));
    const host = (name: string) => db.host.findUniqueOrThrow({ where: { name }, select: { secureBoot: true } });
    expect([(await host("node001")).secureBoot, (await host("node002")).secureBoot, (await host("node003")).secureBoot]).toEqual([null, false, true]);
    const exported = await exportFleet(viewer);
    expect(exported.networks).toEqual([expect.objectContaining({ name: "lab", secureBoot: true }), expect.not.objectContaining({ secureBoot: expect.anything() })]);
    const deb12 = exported.releases.find((r) => r.name === "deb12") as { versions: object[] };
    expect(deb12.versions).toEqual([
      expect.objectContaining({ version: "1", signedKernel: true, tmpfsSize: "256M" }),
      expect.objectContaining({ version: "2", signedKernel: true, signedModules: true }),
    ]);
    expect(deb12.versions[0]).not.toHaveProperty("signedModules");
    expect(exported.hosts.map((h) => (h as { secureBoot?: boolean }).secureBoot)).toEqual([undefined, false, true]);
    const text = stringify(exported);
    const audit = await db.auditEntry.count();
    expect(await applyFleet(operator, parse(text))).toEqual([]);
    expect(await db.auditEntry.count()).toBe(audit);
    expect(await state()).toBe(text);
  });

  it("refuses bad values with the path", () => {
    const bad = parseFleet(FILE.replace("    secureBoot: false\n", "    secureBoot: off-ish\n").replace("        signedKernel: true\n      - version", "        signedKernel: 1\n      - version"));
    expect(!bad.ok && bad.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      "releases[1].versions[0].signedKernel: signedKernel must be true or false",
      "hosts[1].secureBoot: secureBoot must be true, false or null (the network's default)",
    ]);
  });

  it("refuses a listed host that cannot Secure Boot its version, naming it; nothing changes", async () => {
    const before = await state();
    const fields = await refusal(applyFleet(operator, parse(FILE.replace("    release: rh-7.3\n    secureBoot: false\n", "    release: rh-7.3\n"))));
    expect(fields).toEqual({
      "hosts[1].secureBoot": "host node002: Secure Boot needs a signed kernel: release rh-7.3 version 1 has no kernel marked signed (a version is marked while it is a draft: make a new version with \"Signed kernel\" and activate it), or turn Secure Boot off for this host",
    });
    expect(await state()).toBe(before);
  });

  it("refuses a network default, a cell switch or a version change that breaks hosts the file does not list; nothing changes", async () => {
    await createHost(operator, hostIn(20, { ip: "10.0.2.30", release: { release: "rh-7.3", version: null } })); // in lab2, not in the file
    const before = await state();
    const lab2On = FILE.replace("    reportUrl: http://10.0.2.1:3000\n", "    reportUrl: http://10.0.2.1:3000\n    secureBoot: true\n");
    expect(await refusal(applyFleet(operator, parse(lab2On)))).toEqual({
      hosts: "host node020: Secure Boot needs a signed kernel: release rh-7.3 version 1 has no kernel marked signed (a version is marked while it is a draft: make a new version with \"Signed kernel\" and activate it), or turn Secure Boot off for this host",
    });
    // OpenAFS: deb12@1's modules are not signed (node001 follows deb12, node003 pins @1)
    expect(await refusal(applyFleet(operator, parse(FILE.replace("client: kafs", "client: openafs"))))).toEqual({
      "hosts[0].secureBoot": expect.stringMatching(/^host node001: Secure Boot needs signed modules on OpenAFS cell example.org: the openafs module must be signed/),
      "hosts[2].secureBoot": expect.stringMatching(/^host node003: Secure Boot needs signed modules/),
    });
    // activating deb12@2 (signed modules) moves node001 to it; node003 still pins @1
    const both = FILE.replace("client: kafs", "client: openafs").replace("        status: draft\n", "");
    expect(Object.keys((await refusal(applyFleet(operator, parse(both))))!)).toEqual(["hosts[2].secureBoot"]);
    // a signed flag of an active version does not change in place: a new version does
    expect(await refusal(applyFleet(operator, parse(FILE.replace("        signedKernel: true\n      - version", "      - version"))))).toEqual({
      "releases[1].versions[0]": "deb12@1 is active and immutable (signedKernel differ): add a new version instead",
    });
    expect(await state()).toBe(before);
    // pinning node003 to @2 too: the whole file applies
    const fixed = both.replace("release: deb12@1", "release: deb12@2");
    expect((await applyFleet(operator, parse(fixed))).map((c) => `${c.op} ${c.kind} ${c.name}`)).toEqual([
      "update cell example.org",
      "update version deb12@2",
      "update host node003",
      "keep host node020",
    ]);
  });
});
