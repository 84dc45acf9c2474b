import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

// The rules of /boot/ for a host's own boot config, on their own (the route and the reserved
// address: lib/api/publish-api.test.ts): which paths are per host, and the pxe stage recorded at
// most once per host in PXE_FETCH_SECONDS however often the script is fetched.

const ingest = vi.hoisted(() => ({
  reportFetch: vi.fn(),
  hostByMac: vi.fn(async (mac: string) => (mac === "52:54:00:00:00:01" ? { id: "h1", name: "node001", gen: 0, ip: "10.0.0.11" } : null)),
}));
vi.mock("@/lib/data/boot-ingest", () => ({ reportFetch: ingest.reportFetch }));
vi.mock("@/lib/data/boot-reporters", () => ({ hostByMac: ingest.hostByMac }));
const { PXE_FETCH_SECONDS, mayReadHostFile, ownScriptFetched, perHostMac } = await import("./boot-serving");

beforeEach(() => vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-12-04T10:00:00Z") }));
afterEach(() => vi.useRealTimers());

describe("/boot/ per-host files", () => {
  it("knows a host's own boot configs by their path", () => {
    expect(perHostMac("ipxe/01-52-54-00-00-00-01.ipxe")).toBe("52:54:00:00:00:01");
    expect(perHostMac("pxelinux.cfg/01-52-54-00-00-00-01")).toBe("52:54:00:00:00:01");
    expect(perHostMac("grub/01-52-54-00-00-00-01.cfg")).toBe("52:54:00:00:00:01");
    for (const p of [
      "boot.ipxe",
      "grub/grub.cfg",
      "grub/01-52-54-00-00-00-01",
      "ipxe/default.ipxe",
      "pxelinux.cfg/default",
      "images/ab/vmlinuz",
      "ipxe/01-52-54-00-00-00-01.ipxe/x",
      "x/ipxe/01-52-54-00-00-00-01.ipxe",
    ])
      expect(perHostMac(p), p).toBeNull();
  });

  it("lets only the host's reserved address read them", async () => {
    expect(await mayReadHostFile("52:54:00:00:00:01", "10.0.0.11")).toBe(true);
    expect(await mayReadHostFile("52:54:00:00:00:01", "::ffff:10.0.0.11")).toBe(true);
    for (const from of ["10.0.0.12", "unknown", "10.0.0.111", ""]) expect(await mayReadHostFile("52:54:00:00:00:01", from), from).toBe(false);
    expect(await mayReadHostFile("52:54:00:00:00:02", "10.0.0.11")).toBe(false);
  });

  it("records the pxe stage once per host in PXE_FETCH_SECONDS, however often the script is fetched", () => {
    for (let i = 0; i < 50; i++) ownScriptFetched("52:54:00:00:00:01", "10.0.0.11", "HTTP GET");
    expect(ingest.reportFetch).toHaveBeenCalledTimes(1);
    expect(ingest.reportFetch).toHaveBeenCalledWith("52:54:00:00:00:01", "10.0.0.11", "HTTP GET");
    vi.setSystemTime(Date.now() + (PXE_FETCH_SECONDS - 1) * 1000);
    ownScriptFetched("52:54:00:00:00:01", "10.0.0.11", "HTTP GET");
    expect(ingest.reportFetch).toHaveBeenCalledTimes(1);
    vi.setSystemTime(Date.now() + 1000);
    ownScriptFetched("52:54:00:00:00:01", "10.0.0.11", "HTTP GET"); // the next boot
    expect(ingest.reportFetch).toHaveBeenCalledTimes(2);
  });
});
