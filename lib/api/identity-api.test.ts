import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import * as activate from "@/app/api/v1/identity/activate/route";
import * as bundle from "@/app/api/v1/identity/bundle/route";
import { db } from "@/lib/db";
import { enrollHosts } from "@/lib/data/host-bulk";
import { reportTokens } from "@/lib/data/snapshot";
import { decryptBundle, activationProof } from "@/lib/identity/bundle";
import { admin, operator } from "@/lib/testing/actors";
import { hostIn, seedInventory } from "@/lib/testing/fleet-fixtures";
import { bootHost, startSwtpm, swtpmMissing, type Swtpm } from "@/lib/testing/swtpm";

// The two identity routes as /init calls them: form fields from busybox wget, bytes back, and a
// refusal's reason in the JSON error, the X-AFSBoot-Refused header and the status line's reason
// phrase (all busybox wget shows of an error).

const missing = swtpmMissing();
let tpm: Swtpm;
let token = "";
const mac = hostIn(1).mac;
let n = 0;
const src = () => `198.51.100.${++n % 250}`;

function post(route: typeof activate | typeof bundle, fields: Record<string, string> | string, type = "application/x-www-form-urlencoded") {
  const body = typeof fields === "string" ? fields : new URLSearchParams(fields).toString();
  const path = route === activate ? "activate" : "bundle";
  return route.POST(
    new NextRequest(`http://127.0.0.1:3000/api/v1/identity/${path}`, { method: "POST", headers: { "content-type": type, "x-forwarded-for": src() }, body }),
  );
}

beforeAll(async () => {
  if (missing) return;
  await seedInventory();
  await db.network.update({ where: { name: "lab" }, data: { identity: "tpm", identityEnrolment: "tofu" } });
  await enrollHosts(operator, [hostIn(1)]);
  token = (await reportTokens(admin, "node001"))[0]!.token;
  tpm = await startSwtpm();
}, 60_000);
afterAll(async () => tpm?.stop());

describe.skipIf(missing)("POST /api/v1/identity/activate and /bundle", () => {
  it("a boot's whole exchange in form fields: the credential with its activation id, then the encrypted bundle", async () => {
    const b = bootHost(tpm);
    const bootId = crypto.randomUUID();
    const res = await post(activate, { mac, bootId, token, ek: b.ekPub.toString("base64"), ak: b.akPub.toString("base64") });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const id = res.headers.get("x-afsboot-activation")!;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    const k = b.activate(Buffer.from(await res.arrayBuffer()));
    if (!k.ok) throw new Error(k.error);
    const got = await post(bundle, { mac, bootId, token, activation: id, proof: activationProof(k.key, id) });
    expect(got.status).toBe(200);
    expect(got.headers.get("x-afsboot-bundle")).toBe("encrypted");
    expect(
      decryptBundle(k.key, Buffer.from(await got.arrayBuffer()))!
        .subarray(0, 6)
        .toString(),
    ).toBe("070701");
    const again = await post(bundle, { mac, bootId, token, activation: id, proof: activationProof(k.key, id) });
    expect(again.status).toBe(409);
    expect(again.statusText).toMatch(/^the secrets of boot .* were already delivered at .*: once per boot$/);
    expect(again.headers.get("x-afsboot-refused")).toBe(again.statusText);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe("replayed");
  });

  it("bad input: a 4xx JSON error naming the field, the reason in the status line, never a 500", async () => {
    const cases: [Record<string, string> | string, number, RegExp, string?][] = [
      [{ mac, bootId: "short", token, ek: "AAAA", ak: "AAAA" }, 422, /bootId must be 8 to 64/],
      [{ mac: "nope", bootId: crypto.randomUUID(), token, ek: "AAAA", ak: "AAAA" }, 422, /is not a MAC address/],
      [{ mac, bootId: crypto.randomUUID(), token, ek: "@@@@", ak: "AAAA" }, 422, /ek must be base64/],
      [{ mac, bootId: crypto.randomUUID(), token, ek: "AAAA", ak: "AAAA" }, 422, /^ek: /],
      [{ mac, bootId: crypto.randomUUID(), token: "wrong", ek: "AAAA", ak: "AAAA" }, 401, /wrong report token/],
      [{ mac: "52:54:00:99:99:99", bootId: crypto.randomUUID(), token, ek: "AAAA", ak: "AAAA" }, 401, /is not enrolled/],
      ["%zz", 400, /broken %-escape/],
      ["{", 400, /not valid JSON/, "application/json"],
      ["x=1", 415, /application\/json or application\/x-www-form-urlencoded/, "text/plain"],
      [`ek=${"A".repeat(20_000)}`, 413, /larger than/],
    ];
    for (const [fields, status, message, type] of cases) {
      const res = await post(activate, fields, type);
      expect(res.status, JSON.stringify(fields).slice(0, 80)).toBe(status);
      expect(res.statusText).toMatch(message);
      const body = (await res.json()) as { error: { message: string } };
      expect(body.error.message).toMatch(message);
    }
    expect(await db.identityActivation.count()).toBe(1); // only the first test's
    // the malformed ones from the host's own MAC and token are audited on the host; the others have no host
    const audited = await db.auditEntry.findMany({ where: { action: "identity.refused", targetName: "node001" } });
    expect(audited.map((a) => (a.after as { reason: string }).reason)).toEqual(
      expect.arrayContaining([expect.stringMatching(/bootId must be 8 to 64/), expect.stringMatching(/ek must be base64/), expect.stringMatching(/^ek: /)]),
    );
  });
});

describe.skipIf(missing || process.getuid?.() !== 0)("/init's source-port client (curl from a privileged port) against the handler", () => {
  it("gets the bundle from port < 1024 as the host; the same boot again is refused with the reason", async () => {
    const { handleBundle } = await import("./identity-door");
    const { initSections } = await import("@/lib/generate/initrd/init-script");
    const http = await import("node:http");
    const fs = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const { execFile } = await import("node:child_process");
    const { promisify } = await import("node:util");
    // not execFileSync: the server answering curl lives in this process's event loop
    const sh = async (script: string) => (await promisify(execFile)("/bin/busybox", ["sh", "-c", script], { encoding: "utf8" })).stdout.trim();
    await db.host.update({ where: { name: "node001" }, data: { identity: "port" } });
    // the handler as the console server runs it, with the socket's real source port; loopback
    // stands in for the host's address on the boot network
    const server = http.createServer((req, res) => {
      void handleBundle(
        {
          contentType: req.headers["content-type"] ?? "",
          contentLength: req.headers["content-length"] ?? null,
          authorization: null,
          from: "10.0.0.11",
          body: req,
        },
        req.socket.remotePort ?? null,
      ).then((r) => {
        res.writeHead(r.status, r.headers["x-afsboot-refused"] ?? "OK", r.headers);
        res.end(Buffer.isBuffer(r.body) ? r.body : JSON.stringify(r.body));
      });
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const port = (server.address() as { port: number }).port;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-port-"));
    try {
      const h = initSections();
      const run = (bootId: string) =>
        sh(
          `${h.helpers}${h.identity.replaceAll("/run/afsboot", dir)}REPORT=http://127.0.0.1:${port} MAC=${mac} BOOT_ID=${bootId} TOKEN=${token} SECRETS=${dir}/secrets\nsecrets_port && echo "got: $SECRETS_GOT" || echo "refused: $SECRETS_WHY"\n`,
        );
      const bootId = crypto.randomUUID();
      expect(await run(bootId)).toBe("got: ssh_host_ecdsa_key ssh_host_ed25519_key ssh_host_rsa_key");
      expect(fs.statSync(path.join(dir, "secrets/etc/ssh/ssh_host_ed25519_key")).mode & 0o777).toBe(0o600);
      expect(await run(bootId)).toMatch(/^refused: the console refused: 409 the secrets of boot .* were already delivered: once per boot$/);
      // a host whose base initrd has no curl says so
      expect(await sh(`PATH=/nonexistent\n${h.identity.replaceAll("/run/afsboot", dir)}secrets_port || echo "refused: $SECRETS_WHY"\n`)).toBe(
        "refused: the base initrd has no curl (the source-port mode sends from a privileged port with it)",
      );
    } finally {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
      await db.host.update({ where: { name: "node001" }, data: { identity: null } });
    }
  });
});
