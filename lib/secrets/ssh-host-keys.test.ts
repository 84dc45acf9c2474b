import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fingerprintOf, generateHostKeys, HOST_KEY_TYPES, knownHostsLines, parsePublicKeyLine, SshKeyError, type HostKey } from "./ssh-host-keys";

// The judge is OpenSSH's own ssh-keygen (Debian's openssh-client): it reads each private key file
// the console writes, derives the public line from it, prints the fingerprint, finds keys in the
// known_hosts file.

const hasSshKeygen = spawnSync("ssh-keygen", ["-?"], { encoding: "utf8" }).error === undefined;
let dir: string;

function sshKeygen(args: string[]): { status: number | null; out: string } {
  const r = spawnSync("ssh-keygen", args, {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C" } as unknown as NodeJS.ProcessEnv,
    timeout: 30_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function writeKey(name: string, key: HostKey): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, key.privateKey, { mode: 0o600 });
  return file;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-ssh-keys-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasSshKeygen)("host keys read by the real ssh-keygen", () => {
  let keys: HostKey[];
  beforeAll(async () => {
    keys = await generateHostKeys("node1.lab.test");
  });

  it("makes one key of each type, in the order ed25519, ecdsa, rsa", () => {
    expect(keys.map((k) => k.type)).toEqual([...HOST_KEY_TYPES]);
  });

  it.each(HOST_KEY_TYPES.map((t) => [t]))("%s: ssh-keygen -y derives exactly the public line, -l prints the same fingerprint", (type) => {
    const key = keys.find((k) => k.type === type)!;
    expect(key.privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+\n-----END OPENSSH PRIVATE KEY-----\n$/);
    expect(key.publicKey).toMatch(/ root@node1\.lab\.test$/);
    const file = writeKey(`ssh_host_${type}_key`, key);

    const derived = sshKeygen(["-y", "-f", file]);
    expect(derived.status, derived.out).toBe(0);
    expect(derived.out.trim()).toBe(key.publicKey);

    const listed = sshKeygen(["-l", "-E", "sha256", "-f", file]);
    expect(listed.status, listed.out).toBe(0);
    expect(listed.out.split(" ")[1]).toBe(key.fingerprint);
    expect(fingerprintOf(key.publicKey)).toBe(key.fingerprint);

    // and the public line alone, as a .pub file
    fs.writeFileSync(`${file}.pub`, `${key.publicKey}\n`);
    const pub = sshKeygen(["-l", "-E", "sha256", "-f", `${file}.pub`]);
    expect(pub.out).toContain(key.fingerprint);
  });

  it("sizes: ed25519, ecdsa 256 bits, rsa 3072 bits", () => {
    const bits = HOST_KEY_TYPES.map(
      (t) =>
        sshKeygen([
          "-l",
          "-f",
          writeKey(
            `size_${t}`,
            keys.find((k) => k.type === t)!,
          ),
        ]).out.split(" ")[0],
    );
    expect(bits).toEqual(["256", "256", "3072"]);
  });

  it("ssh-keygen -F finds every key of a host under each of its names in the known_hosts file", async () => {
    const other = await generateHostKeys("node2");
    const file = path.join(dir, "ssh_known_hosts");
    fs.writeFileSync(
      file,
      knownHostsLines([
        { names: ["node2", "node2.lab.test", "10.0.0.2"], keys: other.map((k) => k.publicKey) },
        { names: ["node1", "node1.lab.test", "10.0.0.1"], keys: keys.map((k) => k.publicKey) },
      ]),
    );
    for (const [name, want] of [
      ["node1", keys],
      ["node1.lab.test", keys],
      ["10.0.0.1", keys],
      ["node2.lab.test", other],
    ] as const) {
      const found = sshKeygen(["-F", name, "-f", file]);
      expect(found.status, found.out).toBe(0);
      const lines = found.out.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
      expect(lines.map((l) => l.split(" ").slice(1).join(" "))).toEqual(want.map((k) => k.publicKey.split(" ").slice(0, 2).join(" ")));
    }
    expect(sshKeygen(["-F", "node3", "-f", file]).status).not.toBe(0);
  });
});

describe("keys", () => {
  it("differ between calls (fresh randomness, fresh check ints)", async () => {
    const [a, b] = await Promise.all([generateHostKeys("h"), generateHostKeys("h")]);
    for (let i = 0; i < a.length; i++) {
      expect(a[i]!.publicKey).not.toBe(b[i]!.publicKey);
      expect(a[i]!.privateKey).not.toBe(b[i]!.privateKey);
      expect(a[i]!.fingerprint).not.toBe(b[i]!.fingerprint);
    }
  });

  it("the private file is openssh-key-v1 with cipher none, kdf none, one key, equal check ints, padding 1, 2, 3 …", async () => {
    for (const key of await generateHostKeys("node1")) {
      const body = Buffer.from(key.privateKey.split("\n").slice(1, -2).join(""), "base64");
      expect(body.subarray(0, 15).toString("latin1")).toBe("openssh-key-v1\0");
      let at = 15;
      const str = () => {
        const n = body.readUInt32BE(at);
        const v = body.subarray(at + 4, at + 4 + n);
        at += 4 + n;
        return v;
      };
      expect([str().toString(), str().toString(), str().toString()]).toEqual(["none", "none", ""]);
      expect(body.readUInt32BE(at)).toBe(1);
      at += 4;
      const blob = str();
      expect(`SHA256:${crypto.createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`).toBe(key.fingerprint);
      const priv = str();
      expect(at).toBe(body.length);
      expect(priv.length % 8).toBe(0);
      expect(priv.readUInt32BE(0)).toBe(priv.readUInt32BE(4));
      const comment = Buffer.from("root@node1");
      const end = priv.lastIndexOf(comment) + comment.length;
      expect([...priv.subarray(end)]).toEqual(Array.from({ length: priv.length - end }, (_, i) => i + 1));
    }
  });

  it("refuses a host name that cannot be a key comment", async () => {
    await expect(generateHostKeys("two words")).rejects.toThrow(/not a host name/);
    await expect(generateHostKeys("")).rejects.toThrow(/not a host name/);
  });
});

describe("parsePublicKeyLine", () => {
  let good: HostKey[];
  beforeAll(async () => {
    good = await generateHostKeys("node1");
  });

  it("reads the console's own lines", () => {
    for (const k of good) {
      const p = parsePublicKeyLine(k.publicKey);
      expect(p.type).toBe(k.type);
      expect(p.comment).toBe("root@node1");
    }
  });

  it("reads a line without a comment, and with surrounding space", () => {
    const [type, b64] = good[0]!.publicKey.split(" ");
    expect(parsePublicKeyLine(`  ${type} ${b64}\n`).comment).toBe("");
  });

  const refusals: [string, (k: HostKey[]) => string, RegExp][] = [
    ["an empty line", () => "", /not an SSH host key type/],
    ["an unknown type", (k) => k[0]!.publicKey.replace("ssh-ed25519", "ssh-dss"), /not an SSH host key type the console takes: "ssh-dss"/],
    ["a certificate type", (k) => k[0]!.publicKey.replace("ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com"), /not an SSH host key type/],
    ["broken base64", (k) => k[0]!.publicKey.replace(/ AAAA/, " !AAA"), /is not base64/],
    ["a truncated key", (k) => `ssh-ed25519 ${k[0]!.publicKey.split(" ")[1]!.slice(0, 40)}`, /not a valid ssh-ed25519 key/],
    [
      "the type on the line differs from the key's",
      (k) => `ssh-rsa ${k[0]!.publicKey.split(" ")[1]}`,
      /not a valid ssh-rsa key: the key inside is of type "ssh-ed25519"/,
    ],
    ["an ecdsa point off the curve", (k) => offCurve(k[1]!.publicKey), /not a valid ecdsa-sha2-nistp256 key/],
    ["a small RSA key", () => smallRsa(), /an RSA key of 1024 bits \(at least 2048 wanted\)/],
    ["two lines", (k) => `${k[0]!.publicKey}\n${k[1]!.publicKey}`, /one line/],
  ];
  it.each(refusals)("refuses %s", (_name, make, message) => {
    const line = make(good);
    expect(() => parsePublicKeyLine(line)).toThrow(SshKeyError);
    expect(() => parsePublicKeyLine(line)).toThrow(message);
    expect(() => fingerprintOf(line)).toThrow(SshKeyError);
  });
});

/** An ecdsa line whose point has a changed y coordinate (no longer on P-256). */
function offCurve(line: string): string {
  const [type, b64] = line.split(" ");
  const blob = Buffer.from(b64!, "base64");
  blob[blob.length - 1]! ^= 1;
  return `${type} ${blob.toString("base64")}`;
}

function smallRsa(): string {
  const { publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 1024 });
  const jwk = publicKey.export({ format: "jwk" });
  const s = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  const mp = (b64: string) => {
    const b = Buffer.from(b64, "base64url");
    return s(b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
  };
  return `ssh-rsa ${Buffer.concat([s(Buffer.from("ssh-rsa")), mp(jwk.e!), mp(jwk.n!)]).toString("base64")}`;
}

describe("knownHostsLines", () => {
  let a: HostKey[];
  let b: HostKey[];
  beforeAll(async () => {
    [a, b] = await Promise.all([generateHostKeys("a"), generateHostKeys("b")]);
  });

  it("one line per key, names comma-separated, no comments, a newline after each", () => {
    const text = knownHostsLines([{ names: ["a", "a.lab.test", "10.0.0.1", "a"], keys: [a[2]!.publicKey, a[0]!.publicKey] }]);
    expect(text).toBe(
      [
        `a,a.lab.test,10.0.0.1 ${a[0]!.publicKey.split(" ").slice(0, 2).join(" ")}`,
        `a,a.lab.test,10.0.0.1 ${a[2]!.publicKey.split(" ").slice(0, 2).join(" ")}`,
        "",
      ].join("\n"),
    );
  });

  it("is the same whatever the order of hosts and keys", () => {
    const one = knownHostsLines([
      { names: ["b"], keys: b.map((k) => k.publicKey) },
      { names: ["a"], keys: a.map((k) => k.publicKey) },
    ]);
    const two = knownHostsLines([
      { names: ["a"], keys: [...a].reverse().map((k) => k.publicKey) },
      { names: ["b"], keys: [...b].reverse().map((k) => k.publicKey) },
    ]);
    expect(one).toBe(two);
    expect(one.split("\n").map((l) => l.split(" ")[0])).toEqual(["a", "a", "a", "b", "b", "b", ""]);
  });

  it("leaves out hosts without keys and an empty list is an empty file", () => {
    expect(knownHostsLines([{ names: ["a"], keys: [] }])).toBe("");
    expect(knownHostsLines([])).toBe("");
  });

  it("refuses a name that would change the meaning of the line, and a bad key", () => {
    for (const name of ["a b", "a,b", "!a", "|1|x", "@revoked", "*.lab", "", "-a"]) {
      expect(() => knownHostsLines([{ names: [name], keys: [a[0]!.publicKey] }]), name).toThrow(SshKeyError);
    }
    expect(() => knownHostsLines([{ names: [], keys: [a[0]!.publicKey] }])).toThrow(/at least one name/);
    expect(() => knownHostsLines([{ names: ["a"], keys: ["ssh-ed25519 AAAA"] }])).toThrow(SshKeyError);
  });

  it("takes [name]:port and IPv6 addresses", () => {
    expect(knownHostsLines([{ names: ["[a]:2222", "fe80::1"], keys: [a[0]!.publicKey] }])).toMatch(/^\[a\]:2222,fe80::1 ssh-ed25519 /);
  });
});
