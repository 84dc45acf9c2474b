import { LAYOUT, type FleetSnapshot, type SnapHost } from "../snapshot";
import { PxeGenerateError } from "./cmdline";
import { PxeIndex, hostBoot } from "./host";
import { generateIpxeBoot, generateIpxeDefault, renderIpxe } from "./ipxe";
import { generatePxelinuxDefault, renderPxelinux } from "./pxelinux";

export { kernelCmdline, rootSpec, overlayKey, PxeGenerateError } from "./cmdline";
export { generatePxelinux, generatePxelinuxDefault } from "./pxelinux";
export { generateIpxe, generateIpxeBoot, generateIpxeDefault } from "./ipxe";

export interface GeneratedFile {
  path: string; // relative to the export directory
  content: string;
}

const byPath = (a: GeneratedFile, b: GeneratedFile) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** A host's two files, in path order (iPXE script, pxelinux config): the one code path of both lists. */
function hostFiles(index: PxeIndex, host: SnapHost): [GeneratedFile, GeneratedFile] {
  const boot = hostBoot(index, host); // command line and boot files made and checked once for both
  // pxelinux first: its length check has always run before the iPXE one (same error as before)
  const pxelinux = { path: LAYOUT.pxelinux(host.mac), content: renderPxelinux(boot) };
  return [{ path: LAYOUT.ipxe(host.mac), content: renderIpxe(boot) }, pxelinux];
}

/**
 * Every PXE file of the fleet: per host a pxelinux config and an iPXE script, the two defaults for
 * unknown machines and boot.ipxe. `overlays` maps `${release}@${version}/${cell}` to the sha256 of
 * the overlay initrd built for it. Sorted by path, so the same input gives the same list.
 */
export function pxeFiles(snap: FleetSnapshot, overlays: ReadonlyMap<string, string>): GeneratedFile[] {
  const files: GeneratedFile[] = [];
  eachPxeFile(snap, overlays, (f) => files.push(f));
  return files.sort(byPath);
}

/**
 * The files of pxeFiles, unsorted, handed over one by one as they are made: generateAll turns each
 * into bytes at once, so that 20,000 strings do not all stay alive (and get copied by the garbage
 * collector) until the end. Throws as pxeFiles does, after every host's files are made.
 */
export function eachPxeFile(snap: FleetSnapshot, overlays: ReadonlyMap<string, string>, emit: (file: GeneratedFile) => void): void {
  emit({ path: LAYOUT.ipxeBoot, content: generateIpxeBoot(snap) });
  emit({ path: LAYOUT.ipxeDefault, content: generateIpxeDefault(snap, overlays) });
  emit({ path: LAYOUT.pxelinuxDefault, content: generatePxelinuxDefault(snap, overlays) });
  const index = new PxeIndex(snap, overlays);
  // A host's paths are named by its MAC, checked to be in the stored form (hostBoot), in which
  // LAYOUT names a different file for each MAC and never a default's: paths repeat iff MACs do.
  const macs = new Set<string>();
  let twice = false;
  for (const host of snap.hosts) {
    const [ipxe, pxelinux] = hostFiles(index, host);
    twice ||= macs.has(host.mac);
    macs.add(host.mac);
    emit(ipxe);
    emit(pxelinux);
  }
  // two hosts with one MAC would silently overwrite each other's config: named as by a sorted scan
  if (twice) {
    const sorted = [
      ...snap.hosts.flatMap((h) => [LAYOUT.ipxe(h.mac), LAYOUT.pxelinux(h.mac)]),
      LAYOUT.ipxeBoot,
      LAYOUT.ipxeDefault,
      LAYOUT.pxelinuxDefault,
    ].sort();
    const path = sorted.find((p, i) => p === sorted[i - 1])!;
    const mac = snap.hosts.filter((h) => LAYOUT.pxelinux(h.mac) === path || LAYOUT.ipxe(h.mac) === path);
    throw new PxeGenerateError(`${path} would be written twice (hosts ${mac.map((h) => h.name).join(", ")} share a MAC)`);
  }
}

/**
 * One host's files as pxeFiles writes them (its iPXE script, then its pxelinux config: path
 * order), e.g. for its page. `overlays` as for pxeFiles; only the host's own entry is needed.
 */
export function hostPxeFiles(snap: FleetSnapshot, hostName: string, overlays: ReadonlyMap<string, string>): GeneratedFile[] {
  const matches = snap.hosts.filter((h) => h.name === hostName);
  if (matches.length === 0) throw new PxeGenerateError(`host ${JSON.stringify(hostName)} is not in the snapshot (its release version may not resolve)`);
  if (matches.length > 1) throw new PxeGenerateError(`host name ${JSON.stringify(hostName)} names ${matches.length} hosts of the snapshot`);
  return hostFiles(new PxeIndex(snap, overlays), matches[0]!);
}
