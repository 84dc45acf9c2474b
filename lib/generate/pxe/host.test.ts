import { describe, expect, it } from "vitest";
import { FIXTURE } from "../fixtures";
import { LAYOUT } from "../snapshot";
import { PxeGenerateError, generateGrub, generateIpxe, generatePxelinux, hostPxeFiles, pxeFiles } from "./index";

const OVERLAYS: ReadonlyMap<string, string> = new Map([
  ["deb-12@3/example.org", "3f9a0c2e7b5d41a6c8e0f2d4b6a8c0e2f4a6b8d0c2e4f6a8b0d2c4e6f8a0b2c4"],
  ["rh-7.3@1/grand.central.org", "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d"],
]);

describe("hostPxeFiles", () => {
  it("gives each host's files exactly as pxeFiles writes them, in path order: a GRUB config only with Secure Boot", () => {
    const all = pxeFiles(FIXTURE, OVERLAYS);
    expect(FIXTURE.hosts.filter((h) => h.secureBoot).map((h) => h.name)).toEqual(["node002", "r-02"]);
    for (const h of FIXTURE.hosts) {
      const own = hostPxeFiles(FIXTURE, h.name, OVERLAYS);
      const paths = [...(h.secureBoot ? [LAYOUT.grub(h.mac)] : []), LAYOUT.ipxe(h.mac), LAYOUT.pxelinux(h.mac)];
      expect(own.map((f) => f.path)).toEqual(paths);
      expect(own).toEqual(all.filter((f) => paths.includes(f.path)));
      const text = new Map(own.map((f) => [f.path, f.content]));
      expect(text.get(LAYOUT.ipxe(h.mac))).toBe(generateIpxe(FIXTURE, h, OVERLAYS));
      expect(text.get(LAYOUT.pxelinux(h.mac))).toBe(generatePxelinux(FIXTURE, h, OVERLAYS));
      if (h.secureBoot) expect(text.get(LAYOUT.grub(h.mac))).toBe(generateGrub(FIXTURE, h, OVERLAYS));
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
