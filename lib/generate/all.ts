import { dhcpFiles } from "./dhcp";
import { generateOverlay } from "./initrd/overlay";
import { eachPxeFile } from "./pxe";
import { LAYOUT, type FleetSnapshot, type SnapHost, type SnapVersion } from "./snapshot";

// Every generated file of a publication, from one snapshot: overlays first (their sha256 names
// them and goes into the PXE configs), then PXE and DHCP. Kernels and base initrds are copied by
// the publisher (their bytes are not in the snapshot), so they are listed apart. Pure.

export interface PublishedFile {
  path: string;
  kind: "dhcpd" | "kea" | "dnsmasq" | "pxelinux" | "ipxe" | "grub" | "overlay";
  bytes: Buffer;
  /** the host whose file it is (generateBootFiles' per-host PXE files) */
  host?: SnapHost;
}

/** Which loader a generated PXE file (pxeFiles) is for. */
const pxeKind = (path: string): PublishedFile["kind"] => (path.startsWith("pxelinux.cfg/") ? "pxelinux" : path.startsWith("grub/") ? "grub" : "ipxe");

/** Which daemon a generated DHCP file (LAYOUT.dhcpd/kea/dnsmasq*) is for. */
export const dhcpKind = (path: string): PublishedFile["kind"] => (path.includes("dnsmasq") ? "dnsmasq" : path.includes("kea") ? "kea" : "dhcpd");

export function generateAll(snap: FleetSnapshot, opts: { busybox: Buffer; exportDir: string; keaHooksDir?: string }) {
  const { files, overlays } = generateBootFiles(snap, opts);
  for (const f of dhcpFiles(snap, { exportDir: opts.exportDir, keaHooksDir: opts.keaHooksDir })) {
    files.push({ path: f.path, kind: dhcpKind(f.path), bytes: Buffer.from(f.content) });
  }
  return { files: files.sort((a, b) => (a.path < b.path ? -1 : 1)), overlays, images: bootImages(snap) };
}

/**
 * What generateAll makes but the DHCP configs and the images to copy (bootImages), unsorted: the
 * overlays and the PXE files. Alone for a publication of some hosts, whose networks' DHCP files are made (or kept) as
 * a whole apart: `pairs` then names every (release@version/cell) the fleet boots, so that the
 * overlays, images and defaults are the fleet's while the snapshot holds those hosts only.
 * `overlay`: generateOverlay or a memo of it (it is pure). `onFile`: told of each file as it is
 * made (a publisher writes them meanwhile). `encode`: how a text file becomes bytes (UTF-8; a
 * publisher's encoder puts them where its writer reads them).
 */
export function generateBootFiles(
  snap: FleetSnapshot,
  opts: { busybox: Buffer; pairs?: string[]; overlay?: typeof generateOverlay; onFile?: (f: PublishedFile) => void; encode?: (text: string) => Buffer },
) {
  const encode = opts.encode ?? ((text: string) => Buffer.from(text));
  const overlay = opts.overlay ?? generateOverlay;
  const overlays = new Map<string, string>();
  const files: PublishedFile[] = [];
  const onFile = opts.onFile;
  const add = onFile
    ? (f: PublishedFile) => {
        files.push(f);
        onFile(f);
      }
    : (f: PublishedFile) => files.push(f);
  // one overlay per (version, cell) that some host boots
  const pairs = [...new Set(opts.pairs ?? snap.hosts.map((h) => `${h.release}@${h.version}/${h.cell}`))].sort();
  const versions = new Map<string, SnapVersion>();
  for (const v of snap.versions) if (!versions.has(`${v.release}@${v.version}`)) versions.set(`${v.release}@${v.version}`, v);
  for (const key of pairs) {
    const [label, cellName] = key.split("/") as [string, string];
    const version = versions.get(label)!;
    const cell = snap.cells.find((c) => c.name === cellName)!;
    const built = overlay(version, cell, { busybox: opts.busybox });
    overlays.set(key, built.sha256);
    add({ path: LAYOUT.overlay(version.release, version.version, cell.name, built.sha256), kind: "overlay", bytes: built.bytes });
  }
  // bytes at once: the 20,000 strings of 10,000 hosts die young instead of piling up
  eachPxeFile(snap, overlays, (f, host) => {
    add(host ? { path: f.path, kind: pxeKind(f.path), bytes: encode(f.content), host } : { path: f.path, kind: pxeKind(f.path), bytes: encode(f.content) });
  });
  return { files, overlays };
}

/**
 * The kernels and base initrds the PXE configs name, of the (release@version/cell) `pairs` some
 * host boots (by default the snapshot's hosts'): copied content-addressed by the publisher.
 */
export function bootImages(snap: FleetSnapshot, pairs?: string[]) {
  const booted = new Set((pairs ?? snap.hosts.map((h) => `${h.release}@${h.version}/${h.cell}`)).map((key) => key.split("/")[0]!));
  return snap.versions
    .filter((v) => booted.has(`${v.release}@${v.version}`))
    .flatMap((v) => [
      { version: v, image: v.kernel },
      { version: v, image: v.baseInitrd },
    ])
    .map(({ version, image }) => ({ path: LAYOUT.image(image), sha256: image.sha256, release: version.release, name: image.name }));
}
