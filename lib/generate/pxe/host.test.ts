import { describe, expect, it } from "vitest";
import { FIXTURE } from "../fixtures";
import { LAYOUT } from "../snapshot";
import { PxeGenerateError, generateIpxe, generatePxelinux, hostPxeFiles, pxeFiles } from "./index";

const OVERLAYS: ReadonlyMap<string, string> = new Map([
  ["deb-12@3/example.org", "3f9a0c2e7b5d41a6c8e0f2d4b6a8c0e2f4a6b8d0c2e4f6a8b0d2c4e6f8a0b2c4"],
  ["rh-7.3@1/grand.central.org", "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d"],
]);

describe("hostPxeFiles", () => {
  it("gives each host's two files exactly as pxeFiles writes them, in path order", () => {
    const all = pxeFiles(FIXTURE, OVERLAYS);
    for (const h of FIXTURE.hosts) {
      const own = hostPxeFiles(FIXTURE, h.name, OVERLAYS);
      expect(own.map((f) => f.path)).toEqual([LAYOUT.ipxe(h.mac), LAYOUT.pxelinux(h.mac)]);
      expect(own).toEqual(all.filter((f) => f.path === LAYOUT.ipxe(h.mac) || f.path === LAYOUT.pxelinux(h.mac)));
      expect(own[0]!.content).toBe(generateIpxe(FIXTURE, h, OVERLAYS));
      expect(own[1]!.content).toBe(generatePxelinux(FIXTURE, h, OVERLAYS));
    }
  });

  it("needs only the host's own overlay", () => {
    const r01 = hostPxeFiles(FIXTURE, "r-01", new Map([...OVERLAYS].slice(1)));
    expect(r01).toEqual(hostPxeFiles(FIXTURE, "r-01", OVERLAYS));
    expect(() => hostPxeFiles(FIXTURE, "node001", new Map([...OVERLAYS].slice(1)))).toThrow(
      /host node001: no overlay initrd was built for deb-12@3\/example\.org/,
    );
  });

  it("throws a clear error for an unknown host", () => {
    expect(() => hostPxeFiles(FIXTURE, "nope", OVERLAYS)).toThrow(PxeGenerateError);
    expect(() => hostPxeFiles(FIXTURE, "nope", OVERLAYS)).toThrow('host "nope" is not in the snapshot');
  });
});
