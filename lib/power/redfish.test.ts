import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { redfishDriver } from "./redfish";
import { FakeBmc, type FakeBmcOptions } from "./testing/fake-redfish-bmc";
import type { BmcTarget, PowerAction, PowerResult } from "./types";

// The Redfish driver against a fake BMC on 127.0.0.1 that serves DMTF's recorded mockups over HTTPS
// with a self-signed certificate made here. Timeouts are budgets, never measured.

const USER = "admin";
const PASSWORD = "Sup3r-s3cret-BMC-pw";
let dir: string;
let key: string;
let cert: string;
const started: FakeBmc[] = [];
const results: PowerResult[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "afsboot-redfish-test-"));
  // prettier-ignore
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
    "-subj", "/CN=afsboot-test-bmc", "-addext", "subjectAltName=IP:127.0.0.1",
    "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem")], { stdio: "ignore" });
  key = readFileSync(path.join(dir, "key.pem"), "utf8");
  cert = readFileSync(path.join(dir, "cert.pem"), "utf8");
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((b) => b.stop()));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  // every result of every case, whatever it said
  expect(results.length).toBeGreaterThan(20);
  for (const r of results) {
    expect(r.message).not.toContain(PASSWORD);
    expect(r.message).not.toContain(Buffer.from(`${USER}:${PASSWORD}`).toString("base64"));
  }
});

async function bmc(options: Partial<FakeBmcOptions> = {}): Promise<FakeBmc> {
  const b = await FakeBmc.start({ key, cert, user: USER, password: PASSWORD, ...options });
  started.push(b);
  return b;
}

function target(address: string, over: Partial<BmcTarget> = {}): BmcTarget {
  return {
    host: "n001",
    mac: "52:54:00:00:00:01",
    ip: "10.0.0.1",
    driver: "redfish",
    address,
    user: USER,
    password: PASSWORD,
    insecure: false,
    command: null,
    ...over,
  };
}

/** runs the driver trusting the test's certificate (as an extra CA) unless told otherwise */
async function run(t: BmcTarget, action: PowerAction, timeoutMs = 20_000, opts: { trust?: boolean; signal?: AbortSignal } = {}): Promise<PowerResult> {
  const driver = redfishDriver(opts.trust === false ? {} : { ca: cert });
  const r = await driver.run(t, action, { timeoutMs, signal: opts.signal });
  results.push(r);
  expect(r.message).not.toContain(PASSWORD);
  return r;
}

describe("status", () => {
  it("finds the only system from https://host:port and reads PowerState On", async () => {
    const b = await bmc();
    const r = await run(target(b.origin), "status");
    expect(r).toMatchObject({ ok: true, state: "on", message: "PowerState On" });
    expect(b.requests.map((q) => q.path)).toEqual(["/redfish/v1/Systems", "/redfish/v1/Systems/437XR1138R2"]);
  });

  it("reads PowerState Off from the system's whole URL, without listing the systems", async () => {
    const b = await bmc({ powerState: "Off" });
    const r = await run(target(`${b.origin}/redfish/v1/Systems/437XR1138R2`), "status");
    expect(r).toMatchObject({ ok: true, state: "off" });
    expect(b.requests.map((q) => q.path)).toEqual(["/redfish/v1/Systems/437XR1138R2"]);
  });

  it("sends Basic auth and no password elsewhere", async () => {
    const b = await bmc();
    await run(target(b.origin), "status");
    expect(b.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`);
    expect(b.requests.every((q) => !q.path.includes(PASSWORD) && !q.body.includes(PASSWORD))).toBe(true);
  });
});

describe("Reset: the ResetType from the BMC's allowable values", () => {
  it.each([
    ["on", "On"],
    ["off", "ForceOff"],
    ["reset", "ForceRestart"],
  ] as const)("%s posts %s (values inline, public-rackmount1)", async (action, type) => {
    const b = await bmc({ powerState: action === "on" ? "Off" : "On" });
    const r = await run(target(b.origin), action);
    expect(r).toMatchObject({ ok: true, message: `ResetType ${type} done` });
    expect(b.resets).toEqual([type]);
    expect(b.requests.find((q) => q.method === "POST")).toMatchObject({ path: "/redfish/v1/Systems/437XR1138R2/Actions/ComputerSystem.Reset" });
    expect(b.powerState).toBe(action === "off" ? "Off" : "On");
  });

  it("reads the values from the ActionInfo when the action points to one (public-telemetry)", async () => {
    const b = await bmc({ mockup: "telemetry" });
    const r = await run(target(b.origin), "off");
    expect(r.ok).toBe(true);
    expect(b.requests.map((q) => q.path)).toContain("/redfish/v1/Systems/1/ResetActionInfo");
    expect(b.resets).toEqual(["ForceOff"]);
  });

  it("cycle posts PowerCycle when the BMC allows it", async () => {
    const b = await bmc({ mockup: "telemetry", powerCycle: true });
    const r = await run(target(b.origin), "cycle");
    expect(r).toMatchObject({ ok: true, message: "ResetType PowerCycle done" });
    expect(b.resets).toEqual(["PowerCycle"]);
  });

  it("cycle without PowerCycle: ForceOff, waits for PowerState Off, then On", async () => {
    const b = await bmc({ poweringOffGets: 2 });
    const r = await run(target(b.origin), "cycle");
    expect(r.ok, r.message).toBe(true);
    expect(b.resets).toEqual(["ForceOff", "On"]);
    // the system read before, twice PoweringOff, once Off, then the On
    const between = b.requests.slice(b.requests.findIndex((q) => q.method === "POST") + 1, b.requests.length - 1);
    expect(between.map((q) => q.method)).toEqual(["GET", "GET", "GET"]);
    expect(b.powerState).toBe("On");
  });

  it("cycle of a system that is off only turns it on", async () => {
    const b = await bmc({ powerState: "Off" });
    const r = await run(target(b.origin), "cycle");
    expect(r.ok).toBe(true);
    expect(b.resets).toEqual(["On"]);
  });

  it("follows a 202's task monitor until the task completes", async () => {
    const b = await bmc({ resetAnswer: "task-completes" });
    const r = await run(target(b.origin), "reset");
    expect(r).toMatchObject({ ok: true, message: "ResetType ForceRestart done" });
    expect(b.requests.filter((q) => q.path === "/redfish/v1/TaskService/TaskMonitors/1")).toHaveLength(2);
  });

  it("a task that never completes: ok=false within the timeout, saying so", async () => {
    const b = await bmc({ resetAnswer: "task-never" });
    const r = await run(target(b.origin), "reset", 1500);
    expect(r.ok).toBe(false);
    expect(r.message).toContain(b.origin);
    expect(r.message).toMatch(/the BMC's task for ResetType ForceRestart did not complete within 1\.5 s \(timeout; TaskState Running\)/);
  });

  it("puts the BMC's extended error message in the result", async () => {
    const b = await bmc({ refuseReset: true });
    const r = await run(target(b.origin), "off");
    expect(r.ok).toBe(false);
    expect(r.message).toContain("ResetType ForceOff: HTTP 400: The request failed because the host is in a firmware update.");
  });
});

describe("pxe", () => {
  it("PATCHes Boot to Pxe, Once, If-Match the system's ETag", async () => {
    const b = await bmc();
    const etag = b.etag;
    const r = await run(target(b.origin), "pxe");
    expect(r).toMatchObject({ ok: true });
    const patch = b.requests.find((q) => q.method === "PATCH");
    expect(patch?.path).toBe("/redfish/v1/Systems/437XR1138R2");
    expect(JSON.parse(patch?.body ?? "")).toEqual({ Boot: { BootSourceOverrideTarget: "Pxe", BootSourceOverrideEnabled: "Once" } });
    expect(patch?.headers["if-match"]).toBe(etag);
    expect(patch?.headers["content-type"]).toBe("application/json");
  });

  it("a 412 (the system changed since it was read): reads it again and PATCHes with the new ETag", async () => {
    const b = await bmc({ changesAfterFirstGet: true });
    const r = await run(target(b.origin), "pxe");
    expect(r.ok, r.message).toBe(true);
    const patches = b.requests.filter((q) => q.method === "PATCH").map((q) => q.headers["if-match"]);
    expect(patches).toEqual(['W/"1"', 'W/"2"']);
  });

  it("refuses when the BMC does not list Pxe among the boot targets", async () => {
    const b = await bmc({ noPxe: true });
    const r = await run(target(b.origin), "pxe");
    expect(r.ok).toBe(false);
    expect(r.message).toContain("does not offer BootSourceOverrideTarget Pxe (it offers None, Hdd, Cd)");
    expect(b.requests.some((q) => q.method === "PATCH")).toBe(false);
  });
});

describe("TLS", () => {
  it("checks the certificate by default: a self-signed one is refused, with why and what to do", async () => {
    const b = await bmc();
    const r = await run(target(b.origin), "status", 20_000, { trust: false });
    expect(r.ok).toBe(false);
    expect(r.message).toContain(`${b.origin}: the check of the BMC's TLS certificate failed (DEPTH_ZERO_SELF_SIGNED_CERT`);
    expect(r.message).toMatch(/certificate from a CA the console trusts.*CA's file.*mark this BMC insecure/);
    expect(b.requests).toHaveLength(0);
  });

  it("works with insecure=true and no CA", async () => {
    const b = await bmc();
    const r = await run(target(b.origin, { insecure: true }), "status", 20_000, { trust: false });
    expect(r).toMatchObject({ ok: true, state: "on" });
  });

  it("works with the ca option (the self-signed certificate as the CA)", async () => {
    const b = await bmc();
    const r = await run(target(b.origin), "status", 20_000, { trust: true });
    expect(r).toMatchObject({ ok: true, state: "on" });
  });

  it("refuses plain http:// unless the BMC is marked insecure", async () => {
    const r = await run(target("http://127.0.0.1:1"), "status");
    expect(r).toMatchObject({
      ok: false,
      message: "http://127.0.0.1:1: plain http:// is refused (the password would cross the network in the clear): use https://, or mark this BMC insecure",
    });
    const insecure = await run(target("http://127.0.0.1:1", { insecure: true }), "status");
    expect(insecure.message).toContain("ECONNREFUSED");
  });
});

describe("faults", () => {
  it("a wrong password: the BMC refused the user/password", async () => {
    const b = await bmc();
    const r = await run(target(b.origin, { password: "wrong" }), "off");
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/the BMC refused the user\/password \(HTTP 401/);
    expect(b.resets).toEqual([]);
  });

  it("a BMC that echoes the password in its error: redacted", async () => {
    const b = await bmc({ echoPassword: true, password: "other" });
    const r = await run(target(b.origin), "status");
    expect(r.ok).toBe(false);
    expect(r.message).toContain(`Login failed for ${USER}:***`);
  });

  it("a BMC that accepts and never answers: ok=false within the timeout, naming the address", async () => {
    const b = await bmc({ hang: true });
    const r = await run(target(b.origin), "status", 1000);
    expect(r).toMatchObject({ ok: false, message: `${b.origin}: the BMC did not answer within 1 s (timeout)` });
  });

  it("the caller's signal stops the call", async () => {
    const b = await bmc({ hang: true });
    const ac = new AbortController();
    const pending = run(target(b.origin), "status", 60_000, { signal: ac.signal });
    setTimeout(() => ac.abort(), 200);
    expect(await pending).toMatchObject({ ok: false, message: `${b.origin}: cancelled before the action finished` });
  });

  it("an unreachable port: connection refused", async () => {
    const port = await freePort();
    const r = await run(target(`https://127.0.0.1:${port}`), "status");
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(new RegExp(`^https://127.0.0.1:${port}: connection refused \\(ECONNREFUSED\\)`));
  });

  it("several systems: names them and asks for the system's whole URL", async () => {
    const b = await bmc({ mockup: "bladed" });
    const r = await run(target(b.origin), "status");
    expect(r.ok).toBe(false);
    expect(r.message).toContain("manages 4 systems (/redfish/v1/Systems/529QB9450R6, /redfish/v1/Systems/529QB9451R6");
    expect(r.message).toContain(`put the system's whole URL in the address, e.g. ${b.origin}/redfish/v1/Systems/529QB9450R6`);
  });

  it("an answer over 1 MiB is not read", async () => {
    const b = await bmc({ hugeBody: true });
    const r = await run(target(b.origin), "status");
    expect(r.ok).toBe(false);
    expect(r.message).toContain("is larger than 1 MiB");
  });

  it("an address that is not a URL, or holds credentials", async () => {
    expect((await run(target("bmc-n001"), "status")).message).toMatch(/is not a URL: give https:\/\/host\[:port\]/);
    const withPassword = await run(target(`https://${USER}:${PASSWORD}@127.0.0.1:1`), "status");
    expect(withPassword.message).toBe("the Redfish address holds a user or password: put them in the BMC's user and password fields instead");
  });

  it("supports every action", () => {
    expect((["status", "on", "off", "cycle", "reset", "pxe"] as const).every((a) => redfishDriver().supports(a))).toBe(true);
  });
});

/** a port on 127.0.0.1 that nothing listens on (taken, then given back) */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
