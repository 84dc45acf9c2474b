import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freeUdpPort, ipmiSimMissing, silentUdp, startIpmiSim, type IpmiSim } from "../testing/ipmi-sim";
import { ipmiDriver, ipmitoolTimeouts, parseIpmiAddress } from "./ipmi";
import type { BmcTarget, PowerAction, PowerResult } from "./types";

// The ipmi driver against a real BMC: OpenIPMI's ipmi_sim on 127.0.0.1 (lib/testing/ipmi-sim.ts),
// whose "machine" is a sleep process. Assertions are on states and on what the machine did, never
// on durations; timeouts are generous (a busy 2-core machine).

const missing = ipmiSimMissing();
// ipmi_sim does not answer ipmitool's cipher-suite query: without -C each call waits out a round of
// timeouts first (one test below shows it still works)
const driver = ipmiDriver({ cipherSuite: 3 });
const TIMEOUT = 30_000;

function target(address: string, over: Partial<BmcTarget> = {}): BmcTarget {
  return {
    host: "node001",
    mac: "52:54:00:aa:00:01",
    ip: "10.0.0.11",
    driver: "ipmi",
    address,
    user: "admin",
    password: "x",
    insecure: false,
    command: null,
    ...over,
  };
}

/** Polls until `done` holds (the BMC acts after it answers), bounded by a generous number of tries. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 100));
  if (!done()) throw new Error(`never happened: ${what}`);
}

describe("parseIpmiAddress", () => {
  it.each([
    ["bmc1", { host: "bmc1", port: null }],
    ["10.0.0.5:6230", { host: "10.0.0.5", port: 6230 }],
    ["bmc-1.example.org:623", { host: "bmc-1.example.org", port: 623 }],
    ["[fd00::5]:623", { host: "fd00::5", port: 623 }],
    ["[fe80::1%eth0]", { host: "fe80::1%eth0", port: null }],
    ["fd00::5", { host: "fd00::5", port: null }],
  ])("reads %s", (address, want) => expect(parseIpmiAddress(address)).toEqual(want));

  it.each(["", "-p", "-H x", "bmc1:0", "bmc1:70000", "bmc 1", "bmc1;reboot", "[fd00::5", "bmc1:", ":623", "a:b"])("refuses %j", (address) =>
    expect(parseIpmiAddress(address)).toBeNull(),
  );
});

describe("ipmitoolTimeouts", () => {
  it("keeps a silent BMC's worst case inside the budget", () => {
    for (const ms of [1000, 5000, 10_000, 30_000, 60_000, 300_000]) {
      const { seconds, retries } = ipmitoolTimeouts(ms);
      expect(seconds).toBeGreaterThanOrEqual(1);
      expect(retries).toBeGreaterThanOrEqual(1);
      if (ms >= 5000) expect(2 * (retries * seconds + (retries * (retries - 1)) / 2) * 1000).toBeLessThanOrEqual(ms);
    }
  });
});

describe("a refused address never reaches ipmitool", () => {
  it("answers ok=false with the address in the message", async () => {
    const r = await ipmiDriver({ ipmitool: "/nonexistent/ipmitool" }).run(target("-oProxyCommand=x"), "status", { timeoutMs: 5000 });
    expect(r).toMatchObject({ ok: false, message: expect.stringContaining("not an IPMI address") });
  });
});

describe.skipIf(missing)(`ipmi driver against ipmi_sim${missing ? ` (skipped: ${missing})` : ""}`, () => {
  let sim: IpmiSim;
  const results: PowerResult[] = [];
  const run = async (action: PowerAction, over: Partial<BmcTarget> = {}, timeoutMs = TIMEOUT) => {
    const r = await driver.run(target(sim.address, { user: sim.user, password: sim.password, ...over }), action, { timeoutMs });
    results.push(r);
    return r;
  };
  const status = async () => (await run("status")).state;

  beforeAll(async () => {
    sim = await startIpmiSim();
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("reads off, powers on, reads on", async () => {
    expect(await run("status")).toMatchObject({ ok: true, state: "off", message: "Chassis Power is off" });
    expect(sim.machinePid()).toBeNull();
    expect(await run("on")).toMatchObject({ ok: true, message: "Chassis Power Control: Up/On" });
    expect(sim.machinePid()).not.toBeNull();
    expect(await run("status")).toMatchObject({ ok: true, state: "on" });
  });

  it("resets: the machine restarts", async () => {
    const before = sim.machinePid();
    expect(before).not.toBeNull();
    expect(await run("reset")).toMatchObject({ ok: true, message: "Chassis Power Control: Reset" });
    await until(() => sim.machinePid() !== null && sim.machinePid() !== before, "a new machine process after reset");
    expect(sim.events()).toContain("reset");
    expect(await status()).toBe("on");
  });

  it("cycles: the machine stops, then starts again", async () => {
    const before = sim.machinePid();
    expect(before).not.toBeNull();
    expect(await run("cycle")).toMatchObject({ ok: true, message: "Chassis Power Control: Cycle" });
    // ipmi_sim powers off at once and on again a second later
    await until(() => sim.machinePid() !== null && sim.machinePid() !== before, "a new machine process after cycle");
    expect(sim.events()).toContain(`stop ${before}`);
    expect(await status()).toBe("on");
  });

  it("sets PXE for the next boot", async () => {
    expect(await run("pxe")).toMatchObject({ ok: true, message: "Set Boot Device to pxe" });
    expect(sim.events()).toContain("boot pxe");
  });

  it("powers off: the machine process ends", async () => {
    const before = sim.machinePid();
    expect(before).not.toBeNull();
    expect(await run("off")).toMatchObject({ ok: true, message: "Chassis Power Control: Down/Off" });
    await until(() => sim.machinePid() === null, "the machine stopped");
    expect(sim.events()).toContain(`stop ${before}`);
    expect(await status()).toBe("off");
  });

  it("a wrong password: ok=false, says so, keeps ipmitool's line, and the machine is untouched", async () => {
    const events = sim.events().length;
    const r = await run("on", { password: "not-the-Sim-pass" });
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/refused the password of user admin/);
    expect(r.message).toContain("RAKP 2 HMAC is invalid");
    expect(r.message).toContain("Unable to establish IPMI v2 / RMCP+ session");
    expect(r.message).not.toContain("not-the-Sim-pass");
    expect(sim.events().length).toBe(events);
  });

  it("an unknown user: ok=false, says so", async () => {
    const r = await run("status", { user: "ghost" });
    expect(r).toMatchObject({ ok: false, message: expect.stringMatching(/does not know user ghost .*unauthorized name/) });
  });

  it("a port where nothing listens: ok=false, no answer, within the timeout", async () => {
    const port = await freeUdpPort();
    const r = await run("status", { address: `127.0.0.1:${port}` }, 8000);
    expect(r).toMatchObject({ ok: false, message: expect.stringContaining("gave no answer") });
    expect(r.state).toBeUndefined();
    // a bound, not a timing: ipmitool is killed at the timeout at the latest (slack for a busy machine)
    expect(r.durationMs).toBeLessThan(8000 + 20_000);
  });

  it("a slow BMC that receives and never answers: ok=false, no answer (ipmitool gives up or is stopped)", async () => {
    const hole = await silentUdp();
    try {
      for (const timeoutMs of [8000, 1500]) {
        const r = await run("cycle", { address: hole.address }, timeoutMs);
        expect(r).toMatchObject({ ok: false, message: expect.stringContaining("gave no answer") });
      }
      expect(hole.received()).toBeGreaterThan(0);
    } finally {
      await hole.close();
    }
  });

  it("an abort stops ipmitool", async () => {
    const hole = await silentUdp();
    try {
      const ac = new AbortController();
      const pending = driver.run(target(hole.address, { password: sim.password }), "status", { timeoutMs: 60_000, signal: ac.signal });
      await until(() => hole.received() > 0, "ipmitool sent a request");
      ac.abort();
      expect(await pending).toMatchObject({ ok: false, message: expect.stringContaining("cancelled") });
    } finally {
      await hole.close();
    }
  });

  it("without a cipher suite, ipmitool asks the BMC first and still gets the state", async () => {
    const r = await ipmiDriver().run(target(sim.address, { user: sim.user, password: sim.password }), "status", { timeoutMs: 60_000 });
    results.push(r);
    expect(r).toMatchObject({ ok: true, state: "off" });
  });

  it("refuses a cipher suite ipmitool does not know", () => {
    expect(() => ipmiDriver({ cipherSuite: 99 })).toThrow(/cipher suite 99/);
  });

  it("no message ever holds the password", () => {
    expect(results.length).toBeGreaterThan(10);
    for (const r of results) expect(r.message).not.toContain(sim.password);
  });
});
