import { LAYOUT, type FleetSnapshot, type SnapHost } from "../snapshot";
import { PxeGenerateError } from "./cmdline";
import { generateGrubCfg, renderGrub } from "./grub";
import { PxeIndex, hostBoot } from "./host";
import { generateIpxeBoot, generateIpxeDefault, renderIpxe } from "./ipxe";
import { generatePxelinuxDefault, renderPxelinux } from "./pxelinux";

export { kernelCmdline, rootSpec, overlayKey, PxeGenerateError } from "./cmdline";
export { generatePxelinux, generatePxelinuxDefault } from "./pxelinux";
export { generateIpxe, generateIpxeBoot, generateIpxeDefault } from "./ipxe";
export { generateGrub, generateGrubCfg } from "./grub";

export interface GeneratedFile {
  path: string; // relative to the export directory
  content: string;
}

const byPath = (a: GeneratedFile, b: GeneratedFile) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/**
 * A host's files in path order: its GRUB config if it boots with Secure Boot, its iPXE script and
 * its pxelinux config. The one code path of both lists.
 */
function hostFiles(index: PxeIndex, host: SnapHost): GeneratedFile[] {
  const boot = hostBoot(index, host); // command line and boot files made and checked once for all
  // pxelinux first: its length check has always run before the iPXE one (same error as before)
  const pxelinux = { path: LAYOUT.pxelinux(host.mac), content: renderPxelinux(boot) };
  const ipxe = { path: LAYOUT.ipxe(host.mac), content: renderIpxe(boot) };
  // hosts without Secure Boot pay nothing more than this test
  if (!host.secureBoot) return [ipxe, pxelinux];
  return [{ path: LAYOUT.grub(host.mac), content: renderGrub(boot, index.cell(host, boot.what)) }, ipxe, pxelinux];
}

/**
 * Every PXE file of the fleet: per host a pxelinux config and an iPXE script (and a GRUB config for
 * a host with Secure Boot), the two defaults for unknown machines, boot.ipxe and grub/grub.cfg.
 * `overlays` maps `${release}@${version}/${cell}` to the sha256 of the overlay initrd built for it.
 * Sorted by path, so the same input gives the same list.
 */
export function pxeFiles(snap: FleetSnapshot, overlays: ReadonlyMap<string, string>): GeneratedFile[] {
  const files: GeneratedFile[] = [];
  eachPxeFile(snap, overlays, (f) => files.push(f));
  return files.sort(byPath);
}

/**
 * The files of pxeFiles, unsorted, handed over one by one as they are made, each with its host
 * (null: a fleet-wide file): generateAll turns each into bytes at once, so that 20,000 strings do
 * not all stay alive (and get copied by the garbage collector) until the end. Throws as pxeFiles
 * does, after every host's files are made.
 */
export function eachPxeFile(snap: FleetSnapshot, overlays: ReadonlyMap<string, string>, emit: (file: GeneratedFile, host: SnapHost | null) => void): void {
  emit({ path: LAYOUT.ipxeBoot, content: generateIpxeBoot(snap) }, null);
  emit({ path: LAYOUT.ipxeDefault, content: generateIpxeDefault(snap, overlays) }, null);
  emit({ path: LAYOUT.pxelinuxDefault, content: generatePxelinuxDefault(snap, overlays) }, null);
  emit({ path: LAYOUT.grubCfg, content: generateGrubCfg() }, null);
  const index = new PxeIndex(snap, overlays);
  // A host's paths are named by its MAC, checked to be in the stored form (hostBoot), in which
  // LAYOUT names a different file for each MAC and never a default's: paths repeat iff MACs do.
  const macs = new Set<string>();
  let twice = false;
  for (const host of snap.hosts) {
    twice ||= macs.has(host.mac);
    macs.add(host.mac);
    for (const f of hostFiles(index, host)) emit(f, host);
  }
  // two hosts with one MAC would silently overwrite each other's config: named as by a sorted scan
  if (twice) {
    const own = (h: SnapHost) => [...(h.secureBoot ? [LAYOUT.grub(h.mac)] : []), LAYOUT.ipxe(h.mac), LAYOUT.pxelinux(h.mac)];
    const sorted = [...snap.hosts.flatMap(own), LAYOUT.ipxeBoot, LAYOUT.ipxeDefault, LAYOUT.pxelinuxDefault, LAYOUT.grubCfg].sort();
    const path = sorted.find((p, i) => p === sorted[i - 1])!;
    const mac = snap.hosts.filter((h) => own(h).includes(path));
    throw new PxeGenerateError(`${path} would be written twice (hosts ${mac.map((h) => h.name).join(", ")} share a MAC)`);
  }
}

/**
 * One host's files as pxeFiles writes them, in path order (its GRUB config if it boots with
 * Secure Boot, its iPXE script, its pxelinux config), e.g. for its page. `overlays` as for
 * pxeFiles; only the host's own entry is needed.
 */
export function hostPxeFiles(snap: FleetSnapshot, hostName: string, overlays: ReadonlyMap<string, string>): GeneratedFile[] {
  const matches = snap.hosts.filter((h) => h.name === hostName);
  if (matches.length === 0) throw new PxeGenerateError(`host ${JSON.stringify(hostName)} is not in the snapshot (its release version may not resolve)`);
  if (matches.length > 1) throw new PxeGenerateError(`host name ${JSON.stringify(hostName)} names ${matches.length} hosts of the snapshot`);
  return hostFiles(new PxeIndex(snap, overlays), matches[0]!);
}
