import { describe, expect, it } from "vitest";
import { generateAll } from "./all";
import { dhcpFiles } from "./dhcp";
import { FIXTURE } from "./fixtures";
import { PxeGenerateError, pxeFiles } from "./pxe";
import { LAYOUT } from "./snapshot";

// generateAll turns each PXE file into bytes as it is made (not through pxeFiles): the same files.

const OPTS = { busybox: Buffer.from("not really busybox"), exportDir: "/srv/afsboot" };

describe("generateAll", () => {
  it("holds the files of pxeFiles and dhcpFiles, byte for byte, and the overlays, sorted by path", () => {
    const { files, overlays, images } = generateAll(FIXTURE, OPTS);
    const paths = files.map((f) => f.path);
    expect(paths).toEqual([...new Set(paths)].sort());
    const text = new Map(files.map((f) => [f.path, f.bytes.toString("utf8")]));
    const expected = [...pxeFiles(FIXTURE, overlays), ...dhcpFiles(FIXTURE, OPTS)];
    for (const f of expected) expect(text.get(f.path), f.path).toBe(f.content);
    expect(files.filter((f) => f.kind === "overlay").map((f) => f.path)).toEqual(
      [...overlays].map(([key, sha]) => {
        const [label, cell] = key.split("/") as [string, string];
        const [release, version] = label.split("@") as [string, string];
        return LAYOUT.overlay(release, version, cell, sha);
      }),
    );
    expect(files).toHaveLength(expected.length + overlays.size);
    expect(files.find((f) => f.path === LAYOUT.pxelinux(FIXTURE.hosts[0]!.mac))!.kind).toBe("pxelinux");
    expect(files.find((f) => f.path === LAYOUT.ipxeBoot)!.kind).toBe("ipxe");
    expect(files.find((f) => f.path === LAYOUT.grubCfg)!.kind).toBe("grub");
    expect(files.find((f) => f.path === LAYOUT.grub(FIXTURE.hosts[1]!.mac))!.kind).toBe("grub");
    expect(files.find((f) => f.path === LAYOUT.dnsmasqHosts("lab"))!.kind).toBe("dnsmasq");
    expect(images.map((i) => i.name)).toEqual(FIXTURE.versions.flatMap((v) => [v.kernel.name, v.baseInitrd.name]));
  });

  it("fails as pxeFiles does on hosts that share a MAC", () => {
    const twin = { ...FIXTURE.hosts[3]!, name: "twin", mac: FIXTURE.hosts[2]!.mac, ip: "172.16.2.8" };
    const snap = { ...FIXTURE, hosts: [...FIXTURE.hosts, twin] };
    const { overlays } = generateAll(FIXTURE, OPTS);
    expect(() => pxeFiles(snap, overlays)).toThrow(PxeGenerateError);
    expect(() => generateAll(snap, OPTS)).toThrow("ipxe/01-02-00-ac-10-00-65.ipxe would be written twice (hosts r-01, twin share a MAC)");
  });
});
