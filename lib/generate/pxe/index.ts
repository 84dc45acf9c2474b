import { LAYOUT, type FleetSnapshot } from "../snapshot";
import { PxeGenerateError } from "./cmdline";
import { generateIpxe, generateIpxeBoot, generateIpxeDefault } from "./ipxe";
import { generatePxelinux, generatePxelinuxDefault } from "./pxelinux";

export { kernelCmdline, rootSpec, overlayKey, PxeGenerateError } from "./cmdline";
export { generatePxelinux, generatePxelinuxDefault } from "./pxelinux";
export { generateIpxe, generateIpxeBoot, generateIpxeDefault } from "./ipxe";

export interface GeneratedFile {
  path: string; // relative to the export directory
  content: string;
}

/**
 * Every PXE file of the fleet: per host a pxelinux config and an iPXE script, the two defaults for
 * unknown machines and boot.ipxe. `overlays` maps `${release}@${version}/${cell}` to the sha256 of
 * the overlay initrd built for it. Sorted by path, so the same input gives the same list.
 */
export function pxeFiles(snap: FleetSnapshot, overlays: ReadonlyMap<string, string>): GeneratedFile[] {
  const files: GeneratedFile[] = [
    { path: LAYOUT.ipxeBoot, content: generateIpxeBoot(snap) },
    { path: LAYOUT.ipxeDefault, content: generateIpxeDefault(snap, overlays) },
    { path: LAYOUT.pxelinuxDefault, content: generatePxelinuxDefault(snap, overlays) },
  ];
  for (const host of snap.hosts) {
    files.push({ path: LAYOUT.pxelinux(host.mac), content: generatePxelinux(snap, host, overlays) });
    files.push({ path: LAYOUT.ipxe(host.mac), content: generateIpxe(snap, host, overlays) });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // two hosts with one MAC would silently overwrite each other's config
  for (let i = 1; i < files.length; i++) {
    if (files[i]!.path === files[i - 1]!.path) {
      const mac = snap.hosts.filter((h) => LAYOUT.pxelinux(h.mac) === files[i]!.path || LAYOUT.ipxe(h.mac) === files[i]!.path);
      throw new PxeGenerateError(`${files[i]!.path} would be written twice (hosts ${mac.map((h) => h.name).join(", ")} share a MAC)`);
    }
  }
  return files;
}
