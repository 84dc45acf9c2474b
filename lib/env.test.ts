import { afterEach, describe, expect, it } from "vitest";
import { env } from "./env";

// Every AFSBOOT_* setting goes through the one schema: defaults that work on a fresh clone, and a
// bad value refused with the variable's name (never silently read as a default).

const touched = new Set<string>();
function set(vars: Record<string, string | undefined>) {
  for (const [k, v] of Object.entries(vars)) {
    touched.add(k);
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}
const saved = { ...process.env };
afterEach(() => {
  for (const k of touched) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  touched.clear();
});

describe("env", () => {
  it("has a default for every setting", () => {
    set({
      AFSBOOT_HOOK_TIMEOUT: undefined,
      AFSBOOT_TRUST_PROXY: undefined,
      AFSBOOT_BOOT_HISTORY: undefined,
      AFSBOOT_BOOT_HISTORY_DAYS: undefined,
      AFSBOOT_STALL_SECONDS: undefined,
      AFSBOOT_BUSYBOX: undefined,
      AFSBOOT_DHCPD: undefined,
      AFSBOOT_NO_JOBS: undefined,
    });
    const e = env();
    expect(e).toMatchObject({
      AFSBOOT_HOOK_TIMEOUT: 120,
      AFSBOOT_TRUST_PROXY: 0,
      AFSBOOT_BOOT_HISTORY: 100,
      AFSBOOT_BOOT_HISTORY_DAYS: 365,
      AFSBOOT_BUSYBOX: "/bin/busybox",
      AFSBOOT_DHCPD: "/usr/sbin/dhcpd",
      AFSBOOT_NO_JOBS: false,
    });
    expect(e.AFSBOOT_STALL_SECONDS).toMatchObject({ pxe: 180, afs: 300, switch: 600 });
  });

  it("reads a setting changed at run time (outside production)", () => {
    set({ AFSBOOT_HOOK_TIMEOUT: "5", AFSBOOT_STALL_SECONDS: "afs=600, switch=1200", AFSBOOT_CONSOLE_SERVER: "1", AFSBOOT_HOOKS_DIR: "" });
    expect(env()).toMatchObject({ AFSBOOT_HOOK_TIMEOUT: 5, AFSBOOT_CONSOLE_SERVER: true, AFSBOOT_HOOKS_DIR: "" });
    expect(env().AFSBOOT_STALL_SECONDS).toMatchObject({ afs: 600, switch: 1200, pxe: 180 });
    set({ AFSBOOT_HOOK_TIMEOUT: "" }); // an empty variable counts as unset
    expect(env().AFSBOOT_HOOK_TIMEOUT).toBe(120);
  });

  it.each([
    ["AFSBOOT_HOOK_TIMEOUT", "soon", "must be a number of seconds, more than 0"],
    ["AFSBOOT_HOOK_TIMEOUT", "0", "must be a number of seconds, more than 0"],
    ["AFSBOOT_TRUST_PROXY", "lots", "must be a whole number of proxies, 0 to 10"],
    ["AFSBOOT_TRUST_PROXY", "11", "must be a whole number of proxies, 0 to 10"],
    ["AFSBOOT_BOOT_HISTORY", "0", "must be a whole number of boots per host, at least 1"],
    ["AFSBOOT_BOOT_HISTORY", "2.5", "must be a whole number of boots per host, at least 1"],
    ["AFSBOOT_BOOT_HISTORY_DAYS", "a year", "must be a number of days, at least 1"],
    ["AFSBOOT_STALL_SECONDS", "afs=5", '"afs=5" is not STAGE=SECONDS'],
    ["AFSBOOT_NO_JOBS", "yes", "must be 1 (on) or 0 (off)"],
    ["AFSBOOT_SESSION_HOURS", "-1", ""],
  ])("refuses %s=%s by name", (name, value, message) => {
    set({ [name]: value });
    expect(() => env()).toThrow(`Invalid configuration:\n  ${name}: ${message}`);
  });
});
