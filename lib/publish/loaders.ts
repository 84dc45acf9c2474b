import fs from "node:fs";
import path from "node:path";
import { BOOT_LOADERS } from "@/lib/generate/snapshot";
import { sha256Cached } from "./file-cache";

// The boot programs firmware loads before any config of ours: copied by every publish to the
// export root (the TFTP root, and the HTTP root of UEFI HTTP boot) from Debian's packages, under
// the names the generated DHCP configs give them. They are found at their Debian paths below each
// of AFSBOOT_LOADER_ROOTS ("/" by default: the console machine's own packages; the lab points it
// at packages it unpacked). A loader that is not installed is not published, except the two that
// Secure Boot hosts cannot boot without (see missingForSecureBoot).

export interface LoaderSource {
  /** name at the export root */
  name: string;
  /** the Debian package that ships it, for messages */
  pkg: string;
  /** path inside a root */
  rel: string;
}

export const LOADER_SOURCES: readonly LoaderSource[] = [
  { name: BOOT_LOADERS.bios, pkg: "ipxe", rel: "usr/lib/ipxe/undionly.kpxe" },
  { name: BOOT_LOADERS.efi64, pkg: "ipxe", rel: "usr/lib/ipxe/snponly.efi" },
  { name: BOOT_LOADERS.pxelinux, pkg: "pxelinux", rel: "usr/lib/PXELINUX/pxelinux.0" },
  { name: "ldlinux.c32", pkg: "syslinux-common", rel: "usr/lib/syslinux/modules/bios/ldlinux.c32" },
  // Microsoft-signed shim; it loads grubx64.efi from beside itself
  { name: BOOT_LOADERS.shim, pkg: "shim-signed", rel: "usr/lib/shim/shimx64.efi.signed" },
  // Debian-signed GRUB network image (prefix /grub: it reads LAYOUT.grubCfg)
  { name: BOOT_LOADERS.grub, pkg: "grub-efi-amd64-signed", rel: "usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed" },
];

export interface FoundLoader {
  name: string;
  source: string;
  sha256: string;
  size: number;
}

/** The loaders found below the roots (the first root that has one wins), in LOADER_SOURCES order. */
export function findLoaders(roots: readonly string[]): FoundLoader[] {
  const found: FoundLoader[] = [];
  for (const l of LOADER_SOURCES) {
    for (const root of roots) {
      const source = path.join(root, l.rel);
      try {
        // a symlink (Debian's alternatives) is followed; only a regular file counts
        if (!fs.statSync(source).isFile()) continue;
        // hashed once per file identity (inode, size, mtime), as kernels and base initrds are
        found.push({ name: l.name, source, ...sha256Cached(source) });
      } catch {
        continue;
      }
      break;
    }
  }
  return found;
}

/**
 * What Secure Boot hosts would lack: shim and the signed GRUB. Null when both are there (or no
 * host needs them); else a message for the admin that says what to install.
 */
export function missingForSecureBoot(found: readonly FoundLoader[], secureBootHosts: readonly string[], roots: readonly string[]): string | null {
  if (secureBootHosts.length === 0) return null;
  const have = new Set(found.map((f) => f.name));
  const missing = LOADER_SOURCES.filter((l) => (l.name === BOOT_LOADERS.shim || l.name === BOOT_LOADERS.grub) && !have.has(l.name));
  if (missing.length === 0) return null;
  const hosts = secureBootHosts.length > 3 ? `${secureBootHosts.slice(0, 3).join(", ")} and ${secureBootHosts.length - 3} more` : secureBootHosts.join(", ");
  return (
    `Secure Boot hosts (${hosts}) boot through ${missing.map((m) => m.name).join(" and ")}, which ${missing.length === 1 ? "is" : "are"} not installed: ` +
    `install ${missing.map((m) => m.pkg).join(" and ")} on the console's machine (looked for ${missing.map((m) => roots.map((r) => path.join(r, m.rel)).join(", ")).join("; ")}; ` +
    "AFSBOOT_LOADER_ROOTS lists where to look)"
  );
}
