import { dhcpFiles } from "./dhcp";
import { generateOverlay } from "./initrd/overlay";
import { eachPxeFile } from "./pxe";
import { LAYOUT, type FleetSnapshot, type SnapVersion } from "./snapshot";

// Every generated file of a publication, from one snapshot: overlays first (their sha256 names
// them and goes into the PXE configs), then PXE and DHCP. Kernels and base initrds are copied by
// the publisher (their bytes are not in the snapshot), so they are listed apart. Pure.

export interface PublishedFile {
  path: string;
  kind: "dhcpd" | "kea" | "dnsmasq" | "pxelinux" | "ipxe" | "grub" | "overlay";
  bytes: Buffer;
}

/** Which loader a generated PXE file (pxeFiles) is for. */
const pxeKind = (path: string): PublishedFile["kind"] => (path.startsWith("pxelinux.cfg/") ? "pxelinux" : path.startsWith("grub/") ? "grub" : "ipxe");

/** Which daemon a generated DHCP file (LAYOUT.dhcpd/kea/dnsmasq*) is for. */
export const dhcpKind = (path: string): PublishedFile["kind"] => (path.includes("dnsmasq") ? "dnsmasq" : path.includes("kea") ? "kea" : "dhcpd");

export function generateAll(snap: FleetSnapshot, opts: { busybox: Buffer; exportDir: string; keaHooksDir?: string }) {
  const overlays = new Map<string, string>();
  const files: PublishedFile[] = [];
  // one overlay per (version, cell) that some host boots
  const pairs = [...new Set(snap.hosts.map((h) => `${h.release}@${h.version}/${h.cell}`))].sort();
  const versions = new Map<string, SnapVersion>();
  for (const v of snap.versions) if (!versions.has(`${v.release}@${v.version}`)) versions.set(`${v.release}@${v.version}`, v);
  for (const key of pairs) {
    const [label, cellName] = key.split("/") as [string, string];
    const version = versions.get(label)!;
    const cell = snap.cells.find((c) => c.name === cellName)!;
    const built = generateOverlay(version, cell, { busybox: opts.busybox });
    overlays.set(key, built.sha256);
    files.push({ path: LAYOUT.overlay(version.release, version.version, cell.name, built.sha256), kind: "overlay", bytes: built.bytes });
  }
  // bytes at once: the 20,000 strings of 10,000 hosts die young instead of piling up
  eachPxeFile(snap, overlays, (f) => {
    files.push({ path: f.path, kind: pxeKind(f.path), bytes: Buffer.from(f.content) });
  });
  for (const f of dhcpFiles(snap, { exportDir: opts.exportDir, keaHooksDir: opts.keaHooksDir })) {
    files.push({ path: f.path, kind: dhcpKind(f.path), bytes: Buffer.from(f.content) });
  }
  // the kernels and base initrds the PXE configs name: copied content-addressed by the publisher
  const booted = new Map<string, Set<string>>();
  for (const h of snap.hosts) (booted.get(h.release) ?? booted.set(h.release, new Set()).get(h.release)!).add(h.version);
  const images = snap.versions
    .filter((v) => booted.get(v.release)?.has(v.version))
    .flatMap((v) => [
      { version: v, image: v.kernel },
      { version: v, image: v.baseInitrd },
    ])
    .map(({ version, image }) => ({ path: LAYOUT.image(image), sha256: image.sha256, release: version.release, name: image.name }));
  return { files: files.sort((a, b) => (a.path < b.path ? -1 : 1)), overlays, images };
}
