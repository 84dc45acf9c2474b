import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import dgram from "node:dgram";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kdcMissing, startKdc, type TestKdc } from "../testing/kdc";
import { createHostKeytab, KadminError, type KadminConfig } from "./kadmin";
import { parseKeytab } from "./keytab";

// Against a real MIT KDC and kadmind (lib/testing/kdc.ts): the keytabs createHostKeytab returns
// must get tickets from that KDC with the real kinit, and each failure must say what is wrong
// without a key in the message.

const missing = kdcMissing();

/** The real kinit with a keytab; its output. */
function kinit(kdc: TestKdc, keytab: Buffer, principal: string): { ok: boolean; output: string } {
  const dir = fs.mkdtempSync(path.join(kdc.dir, "kinit-"));
  try {
    fs.writeFileSync(path.join(dir, "k.keytab"), keytab, { mode: 0o600 });
    const r = spawnSync("kinit", ["-k", "-t", path.join(dir, "k.keytab"), principal], {
      encoding: "utf8",
      env: kdc.clientEnv(path.join(dir, "cc")) as unknown as NodeJS.ProcessEnv,
      timeout: 30_000,
    });
    const list = spawnSync("klist", [], { encoding: "utf8", env: kdc.clientEnv(path.join(dir, "cc")) as unknown as NodeJS.ProcessEnv });
    return { ok: r.status === 0 && list.stdout.includes(`Default principal: ${principal}`), output: `${r.stdout}${r.stderr}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The keys in a keytab file, in hex (klist -K), to check that no message holds one. */
function keysOf(kdc: TestKdc, file: string): string[] {
  const r = spawnSync("klist", ["-k", "-K", file], { encoding: "utf8", env: kdc.clientEnv(path.join(kdc.dir, "keys.cc")) as unknown as NodeJS.ProcessEnv });
  return [...r.stdout.matchAll(/\(0x([0-9a-f]+)\)/g)].map((m) => m[1]!);
}

async function refusal(p: Promise<unknown>): Promise<KadminError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof KadminError) return e;
    throw e;
  }
  throw new Error("expected a KadminError");
}

const tempDirs = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith("afsboot-kadmin-")).length;

describe.skipIf(missing !== null)("createHostKeytab against a real KDC", () => {
  let kdc: TestKdc;
  let config: KadminConfig;
  const messages: string[] = [];
  const secrets: string[] = [];
  const refused = async (p: Promise<unknown>) => {
    const e = await refusal(p);
    messages.push(e.message);
    return e;
  };

  beforeAll(async () => {
    kdc = await startKdc();
    config = { realm: kdc.realm, adminServer: kdc.adminServer, kdcs: [kdc.kdc], principal: "afsboot/admin", keytab: kdc.consoleKeytab, timeoutMs: 30_000 };
    secrets.push(...keysOf(kdc, kdc.consoleKeytab));
  });
  afterAll(async () => {
    await kdc?.stop();
  });

  const principal = () => `host/node1.lab.test@${kdc.realm}`;
  let first: Buffer;

  it("creates host/<fqdn>@REALM and returns a keytab the real kinit gets a ticket with", async () => {
    const before = tempDirs();
    const r = await createHostKeytab(config, "node1.lab.test");
    expect(r).toMatchObject({ principal: principal(), kvno: 2, created: true, enctypes: ["aes256-cts-hmac-sha1-96", "aes128-cts-hmac-sha1-96"] });
    expect(parseKeytab(r.keytab).every((e) => e.principal === principal())).toBe(true);
    const got = kinit(kdc, r.keytab, principal());
    expect(got.ok, got.output).toBe(true);
    expect(tempDirs()).toBe(before); // its krb5.conf, ccache and keytab are gone
    first = r.keytab;
    secrets.push(...keysOf(kdc, writeTemp(kdc, r.keytab)));
  });

  it("a second call refuses an existing principal unless asked to reuse it", async () => {
    const e = await refused(createHostKeytab(config, "node1.lab.test"));
    expect(e.code).toBe("exists");
    expect(e.message).toBe(`${principal()} already exists in the KDC of ${kdc.realm} (ask to reuse it to give it new keys)`);
  });

  it("with reuse, rotates: a higher kvno, the new keytab works, the old one no longer does", async () => {
    const r = await createHostKeytab(config, "NODE1.lab.test", { reuse: true });
    expect(r).toMatchObject({ principal: principal(), kvno: 3, created: false });
    expect(kinit(kdc, r.keytab, principal()).ok).toBe(true);
    const old = kinit(kdc, first, principal());
    expect(old.ok).toBe(false);
    expect(old.output).toMatch(/Password incorrect|Preauthentication failed/);
    secrets.push(...keysOf(kdc, writeTemp(kdc, r.keytab)));
  });

  it("the console principal given with its realm is the same", async () => {
    const r = await createHostKeytab({ ...config, principal: `afsboot/admin@${kdc.realm}` }, "node2.lab.test");
    expect(r.kvno).toBe(2);
  });

  it("a console keytab without the console principal's key names the principals it has", async () => {
    const hostKeytab = writeTemp(kdc, first);
    const e = await refused(createHostKeytab({ ...config, keytab: hostKeytab }, "node3.lab.test"));
    expect(e.code).toBe("console-keytab");
    expect(e.message).toBe(`the console keytab ${hostKeytab} holds no key for afsboot/admin@${kdc.realm}; it has keys for ${principal()}`);
  });

  it("a console keytab with an old key (the principal's keys changed since)", async () => {
    const stale = path.join(kdc.dir, "stale.keytab");
    await kdc.kadminLocal(`addprinc -randkey afsboot/old@${kdc.realm}`);
    await kdc.kadminLocal(`ktadd -k ${stale} afsboot/old@${kdc.realm}`);
    await kdc.kadminLocal(`cpw -randkey afsboot/old@${kdc.realm}`);
    const e = await refused(createHostKeytab({ ...config, principal: "afsboot/old", keytab: stale }, "node3.lab.test"));
    expect(e.code).toBe("console-keytab");
    expect(e.message).toBe(
      `the KDC refused the key of afsboot/old@${kdc.realm} in the console keytab ${stale}: an old key, the principal's keys were changed after the keytab was made (kadmin: Incorrect password while initializing kadmin interface)`,
    );
  });

  it("a console keytab that is missing, or not a keytab", async () => {
    const gone = path.join(kdc.dir, "gone.keytab");
    const e1 = await refused(createHostKeytab({ ...config, keytab: gone }, "node3.lab.test"));
    expect([e1.code, e1.message]).toEqual(["console-keytab", `the console keytab ${gone} does not exist`]);
    const junk = path.join(kdc.dir, "junk.keytab");
    fs.writeFileSync(junk, "not a keytab");
    const e2 = await refused(createHostKeytab({ ...config, keytab: junk }, "node3.lab.test"));
    expect([e2.code, e2.message]).toEqual([
      "console-keytab",
      `the console keytab ${junk} cannot be used: not a keytab: an MIT keytab starts with the bytes 05 02`,
    ]);
  });

  it("a console principal the KDC does not know (deleted since its keytab was made)", async () => {
    const keytab = path.join(kdc.dir, "deleted.keytab");
    await kdc.kadminLocal(`addprinc -randkey gone/admin@${kdc.realm}`);
    await kdc.kadminLocal(`ktadd -k ${keytab} gone/admin@${kdc.realm}`);
    await kdc.kadminLocal(`delprinc -force gone/admin@${kdc.realm}`);
    const e = await refused(createHostKeytab({ ...config, principal: "gone/admin", keytab }, "node3.lab.test"));
    expect(e.code).toBe("console-principal");
    expect(e.message).toBe(
      `the KDC (${kdc.kdc}) does not know the console principal gone/admin@${kdc.realm}: it was never created or was deleted, or that KDC does not serve ${kdc.realm} (kadmin: Client 'gone/admin@${kdc.realm}' not found in Kerberos database while initializing kadmin interface)`,
    );
  });

  it("a realm other than the console keytab's", async () => {
    const e = await refused(createHostKeytab({ ...config, realm: "OTHER.TEST" }, "node3.lab.test"));
    expect(e.code).toBe("realm");
    expect(e.message).toBe(
      `the console keytab ${kdc.consoleKeytab} holds keys for afsboot/admin@${kdc.realm}, not for afsboot/admin@OTHER.TEST: is OTHER.TEST the right realm?`,
    );
  });

  it("a KDC that does not serve the realm", async () => {
    const keytab = path.join(kdc.dir, "other-realm.keytab");
    fs.writeFileSync(keytab, handMadeKeytab("OTHER.TEST", ["afsboot", "admin"]));
    const e = await refused(createHostKeytab({ ...config, realm: "OTHER.TEST", keytab }, "node3.lab.test"));
    expect(e.code).toBe("console-principal");
    expect(e.message).toMatch(/or that KDC does not serve OTHER\.TEST \(kadmin: Client 'afsboot\/admin@OTHER\.TEST' not found in Kerberos database/);
  });

  it("an admin server that does not listen", async () => {
    const port = await closedPort();
    const e = await refused(createHostKeytab({ ...config, adminServer: `127.0.0.1:${port}` }, "node3.lab.test"));
    expect(e.code).toBe("unreachable");
    expect(e.message).toMatch(new RegExp(`^the admin server 127\\.0\\.0\\.1:${port} \\(kadmind\\) did not answer`));
  });

  it("a KDC that never answers: a timeout within the budget", async () => {
    const silent = await silentKdc();
    try {
      const started = Date.now();
      const e = await refused(createHostKeytab({ ...config, kdcs: [silent.address], timeoutMs: 2000 }, "node3.lab.test"));
      expect(e.code).toBe("timeout");
      expect(e.message).toBe(`no answer from the KDC or admin server of ${kdc.realm} within 2 s (kadmin stopped; ${silent.address}, ${kdc.adminServer})`);
      expect(Date.now() - started).toBeLessThan(2000 + 5000); // the budget, and a bound for a busy machine
    } finally {
      await silent.close();
    }
  });

  it("refuses what it will not hand to kadmin, before running it", async () => {
    for (const [patch, fqdn, message] of [
      [{}, "node1", /^not a fully qualified host name: "node1"$/],
      [{}, "node1.lab.test -pw x", /^not a fully qualified host name/],
      [{}, 'node1.lab.test"', /^not a fully qualified host name/],
      [{ realm: "A REALM" }, "node1.lab.test", /^not a Kerberos realm/],
      [{ principal: "afsboot/admin@ELSEWHERE" }, "node1.lab.test", /^not an admin principal of realm/],
      [{ adminServer: "127.0.0.1:99999" }, "node1.lab.test", /^not a admin server address/],
      [{ kdcs: ["kdc\n[realms]"] }, "node1.lab.test", /^not a KDC address/],
    ] as const) {
      const e = await refused(createHostKeytab({ ...config, ...patch }, fqdn));
      expect(e.code, fqdn).toBe("invalid");
      expect(e.message).toMatch(message);
    }
  });

  it("kadmin missing", async () => {
    const e = await refused(createHostKeytab({ ...config, kadmin: "/nonexistent/kadmin" }, "node3.lab.test"));
    expect([e.code, e.message]).toEqual(["not-installed", "kadmin is not installed (Debian: apt-get install krb5-user)"]);
  });

  it("no message holds a key of the console keytab or of a host keytab", () => {
    expect(secrets.length).toBeGreaterThan(4);
    expect(messages.length).toBeGreaterThan(8);
    for (const m of messages) for (const k of secrets) expect(m.toLowerCase()).not.toContain(k.slice(0, 12));
  });

  it("a KDC that is not running: a clear error, well within the timeout", async () => {
    const keytab = copyOf(config.keytab);
    await kdc.stop();
    const started = Date.now();
    const e = await refusal(createHostKeytab({ ...config, keytab }, "node4.lab.test"));
    expect(e.code).toBe("unreachable");
    expect(e.message).toMatch(
      new RegExp(
        `^no KDC of ${kdc.realm} answered \\(127\\.0\\.0\\.1:\\d+\\): it is down, unreachable, or not at that address \\(kadmin: Cannot contact any KDC`,
      ),
    );
    expect(Date.now() - started).toBeLessThan(config.timeoutMs!);
  });
});

describe.skipIf(missing !== null)("createHostKeytab with too few rights in kadmind's ACL", () => {
  const cases: [string, string, string][] = [
    ["i", "add", ""],
    ["ai", "change-password", ` (host/node1.lab.test@AFSBOOT.TEST was created; ask to reuse it next time)`],
  ];
  it.each(cases)('rights "%s": the "%s" privilege is missing', async (rights, privilege, tail) => {
    const kdc = await startKdc({ rights });
    try {
      const config = { realm: kdc.realm, adminServer: kdc.adminServer, kdcs: [kdc.kdc], principal: "afsboot/admin", keytab: kdc.consoleKeytab };
      const e = await refusal(createHostKeytab(config, "node1.lab.test"));
      expect(e.code).toBe("permission");
      expect(e.message).toMatch(
        new RegExp(
          `^kadmind's ACL does not give afsboot/admin@AFSBOOT\\.TEST the "${privilege}" privilege on host principals \\(it needs "aci" on host/\\*@AFSBOOT\\.TEST\\) \\(.*Operation requires ..${privilege}'' privilege.*\\)${tail.replace(/[().@]/g, "\\$&")}$`,
        ),
      );
    } finally {
      await kdc.stop();
    }
  });
});

/** The console keytab survives kdc.stop() (which removes the KDC's folder) in a folder of its own. */
let copies: string | undefined;
function copyOf(file: string): string {
  copies ??= fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-kadmin-test-"));
  const to = path.join(copies, path.basename(file));
  fs.copyFileSync(file, to);
  return to;
}
afterAll(() => {
  if (copies) fs.rmSync(copies, { recursive: true, force: true });
});

/** A 0x0502 keytab of one random aes256 key (kvno 1) for a principal no KDC has. */
function handMadeKeytab(realm: string, components: string[]): Buffer {
  const data = (b: Buffer | string) => {
    const v = Buffer.from(b);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(v.length);
    return Buffer.concat([len, v]);
  };
  const body = Buffer.concat([
    Buffer.from([0, components.length]),
    data(realm),
    ...components.map(data),
    Buffer.from([0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 18]), // name type, timestamp, kvno, enctype 18
    data(crypto.randomBytes(32)),
  ]);
  const len = Buffer.alloc(4);
  len.writeInt32BE(body.length);
  return Buffer.concat([Buffer.from([5, 2]), len, body]);
}

function writeTemp(kdc: TestKdc, bytes: Buffer): string {
  const file = path.join(fs.mkdtempSync(path.join(kdc.dir, "t-")), "k.keytab");
  fs.writeFileSync(file, bytes, { mode: 0o600 });
  return file;
}

/** A TCP port on 127.0.0.1 where nothing listens (free a moment ago). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A "KDC" that takes every request, UDP and TCP, and never answers. */
async function silentKdc(): Promise<{ address: string; close: () => Promise<void> }> {
  const sockets: net.Socket[] = [];
  const tcp = net.createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
  const { port } = tcp.address() as net.AddressInfo;
  const udp = dgram.createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    udp.once("error", reject);
    udp.bind(port, "127.0.0.1", resolve);
  });
  return {
    address: `127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      await new Promise<void>((resolve) => udp.close(() => resolve()));
    },
  };
}
