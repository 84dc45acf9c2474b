import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kdcMissing, startKdc, type TestKdc } from "../testing/kdc";
import { KEYTAB_MAX_BYTES, KeytabError, parseKeytab, requirePrincipal, summarizeKeytab } from "./keytab";

// Keytabs written by a real MIT KDC (kadmin.local ktadd, ktremove), read by parseKeytab and by MIT's
// own klist: both must see the same principals, key versions and encryption types.

const missing = kdcMissing();

/** klist -k's view of a keytab: "kvno principal (enctype)" per entry, and the keys (-K) in hex. */
function klist(kdc: TestKdc, file: string): { entries: string[]; keys: string[] } {
  const r = spawnSync("klist", ["-k", "-e", "-K", file], {
    encoding: "utf8",
    env: kdc.clientEnv(path.join(kdc.dir, "klist.cc")) as unknown as NodeJS.ProcessEnv,
  });
  expect(r.status, r.stderr).toBe(0);
  const rows = r.stdout.split("\n").flatMap((l) => {
    const m = /^\s*(\d+) (\S+) \((\S+)\)\s+\(0x([0-9a-f]+)\)/.exec(l);
    return m ? [{ row: `${m[1]} ${m[2]} (${m[3]})`, key: m[4]! }] : [];
  });
  return { entries: rows.map((r) => r.row), keys: rows.map((r) => r.key) };
}

/** Nothing of any key in it, in hex or base64. */
function expectNoKey(text: string, keys: string[]) {
  for (const k of keys) {
    expect(text.toLowerCase()).not.toContain(k.slice(0, 16));
    expect(text).not.toContain(Buffer.from(k, "hex").toString("base64").slice(0, 12));
  }
}

describe.skipIf(missing !== null)("keytabs from a real MIT KDC", () => {
  let kdc: TestKdc;
  let hostKeytab: string;
  beforeAll(async () => {
    kdc = await startKdc();
    hostKeytab = path.join(kdc.dir, "node1.keytab");
    await kdc.kadminLocal(`addprinc -randkey host/node1.lab.test@${kdc.realm}`);
    await kdc.kadminLocal(`ktadd -k ${hostKeytab} host/node1.lab.test@${kdc.realm}`);
  });
  afterAll(async () => kdc?.stop());

  it("parses a host keytab as klist reads it, and the summary names principal, kvno and enctypes", () => {
    const bytes = fs.readFileSync(hostKeytab);
    const entries = parseKeytab(bytes);
    const seen = klist(kdc, hostKeytab);
    expect(entries.map((e) => `${e.kvno} ${e.principal} (${e.enctypeName})`)).toEqual(seen.entries);
    expect(entries[0]).toMatchObject({ components: ["host", "node1.lab.test"], realm: kdc.realm, nameType: 1, keyLength: 32 });
    expect(Math.abs(entries[0]!.timestamp - Date.now() / 1000)).toBeLessThan(3600);
    const summary = summarizeKeytab(entries);
    expect(summary).toEqual({
      principals: [{ principal: `host/node1.lab.test@${kdc.realm}`, kvno: 2, enctypes: ["aes256-cts-hmac-sha1-96", "aes128-cts-hmac-sha1-96"] }],
    });
    expect(requirePrincipal(summary, `host/node1.lab.test@${kdc.realm}`).kvno).toBe(2);
    expectNoKey(JSON.stringify({ entries, summary }), seen.keys);
  });

  it("several principals and key versions, holes left by ktremove, a 32-bit kvno", async () => {
    const file = path.join(kdc.dir, "mixed.keytab");
    const p = (n: string) => `host/${n}.lab.test@${kdc.realm}`;
    for (const n of ["a", "b"]) await kdc.kadminLocal(`addprinc -randkey ${p(n)}`);
    await kdc.kadminLocal(`ktadd -k ${file} ${p("a")}`); // kvno 2
    await kdc.kadminLocal(`ktadd -k ${file} ${p("a")}`); // kvno 3
    await kdc.kadminLocal(`ktadd -k ${file} -e aes256-cts-hmac-sha1-96:normal ${p("b")}`);
    await kdc.kadminLocal(`modprinc -kvno 300 ${p("b")}`);
    await kdc.kadminLocal(`ktadd -k ${file} -norandkey ${p("b")}`);
    await kdc.kadminLocal(`ktremove -k ${file} ${p("a")} old`); // the kvno 2 entries become holes

    const bytes = fs.readFileSync(file);
    const seen = klist(kdc, file);
    const entries = parseKeytab(bytes);
    expect(entries.map((e) => `${e.kvno} ${e.principal} (${e.enctypeName})`)).toEqual(seen.entries);
    expect(bytes.length).toBeGreaterThan(2 + entries.reduce((n, e) => n + 4 + e.principal.length, 0)); // holes are there
    const summary = summarizeKeytab(entries);
    expect(summary.principals.map((r) => [r.principal, r.kvno, r.enctypes.length])).toEqual([
      [p("a"), 3, 2],
      [p("b"), 2, 1],
      [p("b"), 300, 1], // the keys of "ktadd -e", renumbered
    ]);
    expect(requirePrincipal(summary, p("b")).kvno).toBe(300);
    expectNoKey(JSON.stringify({ entries, summary }), seen.keys);

    // the one wanted is missing: the message names those it has
    expect(() => requirePrincipal(summary, p("c"))).toThrow(KeytabError);
    expect(() => requirePrincipal(summary, p("c"))).toThrow(`the keytab has no key for ${p("c")}; it has keys for ${p("a")}, ${p("b")}`);
  });

  it("every truncation of a real keytab is refused with a KeytabError that holds no key", () => {
    const bytes = fs.readFileSync(hostKeytab);
    const { keys } = klist(kdc, hostKeytab);
    // cutting exactly after an entry's record leaves a valid keytab of fewer entries
    const recordEnds = new Set<number>();
    for (let at = 2; at < bytes.length;) {
      at += 4 + bytes.readInt32BE(at);
      recordEnds.add(at);
    }
    for (let n = 1; n < bytes.length; n++) {
      if (recordEnds.has(n)) {
        expect(parseKeytab(bytes.subarray(0, n)).length).toBeGreaterThan(0);
        continue;
      }
      let error: unknown;
      try {
        parseKeytab(bytes.subarray(0, n));
      } catch (e) {
        error = e;
      }
      expect(error, `cut at ${n}`).toBeInstanceOf(KeytabError);
      const message = (error as Error).message;
      expect(message).toMatch(n === 2 ? /holds no keys/ : /truncated|malformed/);
      expectNoKey(message, keys);
    }
  });
});

/** A hand-made 0x0502 keytab: one entry per principal. */
function keytab(entries: { components: string[]; realm: string; kvno?: number; key?: Buffer; tail?: Buffer }[], extra: Buffer = Buffer.alloc(0)): Buffer {
  const data = (b: Buffer | string) => {
    const v = Buffer.from(b);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(v.length);
    return Buffer.concat([len, v]);
  };
  const records = entries.map((e) => {
    const head = Buffer.alloc(2);
    head.writeUInt16BE(e.components.length);
    const fixed = Buffer.alloc(9);
    fixed.writeUInt32BE(1, 0); // name type
    fixed.writeUInt32BE(1_700_000_000, 4);
    fixed.writeUInt8((e.kvno ?? 1) & 0xff, 8);
    const enctype = Buffer.from([0, 18]);
    const body = Buffer.concat([
      head,
      data(e.realm),
      ...e.components.map(data),
      fixed,
      enctype,
      data(e.key ?? crypto.randomBytes(32)),
      e.tail ?? Buffer.alloc(0),
    ]);
    const len = Buffer.alloc(4);
    len.writeInt32BE(body.length);
    return Buffer.concat([len, body]);
  });
  return Buffer.concat([Buffer.from([5, 2]), ...records, extra]);
}

describe("parseKeytab refuses", () => {
  const cases: [string, Buffer, RegExp][] = [
    ["garbage", Buffer.from("this is not a keytab at all"), /^not a keytab: an MIT keytab starts with the bytes 05 02$/],
    ["random bytes", Buffer.concat([Buffer.from([0x30]), crypto.randomBytes(300)]), /^not a keytab/],
    ["an empty file", Buffer.alloc(0), /^the keytab is empty \(0 bytes\)$/],
    ["a header alone", Buffer.from([5, 2]), /^the keytab holds no keys$/],
    ["only a hole", Buffer.from([5, 2, 0xff, 0xff, 0xff, 0xfc, 0, 0, 0, 0]), /^the keytab holds no keys$/],
    [
      "an end marker before any key",
      Buffer.concat([Buffer.from([5, 2, 0, 0, 0, 0]), keytab([{ components: ["host", "x"], realm: "R" }]).subarray(2)]),
      /holds no keys/,
    ],
    ["the first byte alone", Buffer.from([5]), /truncated: it ends inside its format version/],
    ["format 0x0501", Buffer.from([5, 1, 0, 0, 0, 0]), /old format 0x0501 .* rewrite it with ktutil/],
    ["an unknown format", Buffer.from([5, 3, 0, 0, 0, 0]), /^not a keytab the console reads: format 0x0503, not 0x0502$/],
    ["a record longer than the file", Buffer.from([5, 2, 0, 0, 1, 0, 0, 1]), /truncated: record 1 announces 256 bytes, 2 remain/],
    [
      "a few bytes after the last record",
      Buffer.concat([keytab([{ components: ["host", "x"], realm: "R" }]), Buffer.from([0, 0])]),
      /truncated: it ends inside the length of record 2/,
    ],
    ["an entry without a name", keytab([{ components: [], realm: "R" }]), /entry 1 \(record 1\) has a principal without a name/],
    ["an empty key", keytab([{ components: ["host", "x"], realm: "R", key: Buffer.alloc(0) }]), /entry 1 \(record 1\) has an empty key/],
    ["a control character in a name", keytab([{ components: ["host", "x\nforged log line"], realm: "R" }]), /not printable UTF-8/],
    [
      `more than ${KEYTAB_MAX_BYTES} bytes`,
      Buffer.concat([Buffer.from([5, 2]), Buffer.alloc(KEYTAB_MAX_BYTES - 1)]),
      /^the keytab is 65537 bytes, more than the 65536/,
    ],
  ];
  it.each(cases)("%s", (_name, bytes, message) => {
    expect(() => parseKeytab(bytes)).toThrow(KeytabError);
    expect(() => parseKeytab(bytes)).toThrow(message);
  });

  it("a malformed entry's message names the entry, not its key", () => {
    const key = Buffer.from("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", "hex");
    const good = keytab([{ components: ["host", "x"], realm: "R", key }]);
    // the key's length field says more than the record holds
    const bad = Buffer.from(good);
    bad.writeUInt16BE(0x200, bad.length - 34);
    try {
      parseKeytab(bad);
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toBe("the keytab is malformed: entry 1 (record 1) ends inside its key");
    }
  });
});

describe("parseKeytab reads", () => {
  it("a 32-bit kvno when present and non-zero, the 8-bit one otherwise; bytes after it in a record are ignored", () => {
    const u32 = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(n);
      return b;
    };
    const entries = parseKeytab(
      keytab([
        { components: ["a"], realm: "R", kvno: 300, tail: u32(300) },
        { components: ["b"], realm: "R", kvno: 7, tail: u32(0) },
        { components: ["c"], realm: "R", kvno: 9, tail: Buffer.from([0, 0, 1]) },
        { components: ["d"], realm: "R", kvno: 5, tail: Buffer.concat([u32(5), Buffer.alloc(12)]) },
      ]),
    );
    expect(entries.map((e) => [e.principal, e.kvno])).toEqual([
      ["a@R", 300],
      ["b@R", 7],
      ["c@R", 9],
      ["d@R", 5],
    ]);
  });

  it("stops at a zero record length, skips holes, escapes / and @ inside components as MIT prints them", () => {
    const one = keytab([{ components: ["host", "a/b@c"], realm: "R" }]);
    const hole = Buffer.from([0xff, 0xff, 0xff, 0xf8, 0, 0, 0, 0, 0, 0, 0, 0]);
    const bytes = Buffer.concat([Buffer.from([5, 2]), hole, one.subarray(2), Buffer.from([0, 0, 0, 0]), Buffer.from("trailing junk")]);
    const entries = parseKeytab(bytes);
    expect(entries.map((e) => e.principal)).toEqual(["host/a\\/b\\@c@R"]);
    expect(summarizeKeytab(entries).principals[0]!.enctypes).toEqual(["aes256-cts-hmac-sha1-96"]);
  });
});
