import { LAYOUT, type FleetSnapshot } from "@/lib/generate/snapshot";

// UEFI Secure Boot: what a host's boot chain is, and what it needs of the release version it
// boots. Pure: the data layer checks every change against it (a host, its network's default, the
// version its release hands it, its cell's AFS client), publishing checks the snapshot again, and
// the host page explains the chain with it.

/** The Secure Boot setting a host boots with: its own, else its network's default. */
export const effectiveSecureBoot = (own: boolean | null | undefined, network: boolean): boolean => own ?? network;

export interface SignedVersion {
  release: string;
  version: string;
  signedKernel: boolean;
  signedModules: boolean;
}

/**
 * Why a Secure Boot host cannot boot this version from this cell, or null. shim only starts a
 * kernel signed by a key it trusts, and that kernel (lockdown) only loads signed modules: the
 * distribution's kAFS and NIC modules are, a locally built openafs.ko only once its DKMS MOK key
 * is enrolled.
 */
export function secureBootProblem(version: SignedVersion, cell: { name: string; client: string }): string | null {
  const v = `release ${version.release} version ${version.version}`;
  if (!version.signedKernel)
    return `Secure Boot needs a signed kernel: ${v} has no kernel marked signed (a version is marked while it is a draft: make a new version with \"Signed kernel\" and activate it), or turn Secure Boot off for this host`;
  if (cell.client === "openafs" && !version.signedModules) {
    return `Secure Boot needs signed modules on OpenAFS cell ${cell.name}: the openafs module must be signed: enrol the DKMS MOK key and boot a version marked \"Signed modules\" (${v} is not), or turn Secure Boot off for this host`;
  }
  return null;
}

export interface SecureBootViolation {
  host: string;
  message: string;
}

/** How many violations a refusal names one by one; the rest are counted. */
const NAMED = 3;

/** One refusal for a change that would leave hosts unable to boot: the first host's problem in full, the others by name. */
export function violationsMessage(lead: string, violations: SecureBootViolation[]): string {
  const [first, ...rest] = violations;
  if (!first) return lead;
  const named = rest.slice(0, NAMED).map((v) => v.host);
  const more = rest.length > NAMED ? ` and ${rest.length - NAMED} more` : "";
  const others = rest.length ? ` (also ${named.join(", ")}${more})` : "";
  return `${lead}: host ${first.host}: ${first.message}${others}`;
}

/** The Secure Boot hosts of a snapshot whose version or cell break the rule (publishing refuses them). */
export function snapshotViolations(snap: FleetSnapshot): SecureBootViolation[] {
  const versions = new Map(snap.versions.map((v) => [`${v.release}@${v.version}`, v]));
  const cells = new Map(snap.cells.map((c) => [c.name, c]));
  return snap.hosts.flatMap((h) => {
    if (!h.secureBoot) return [];
    const v = versions.get(`${h.release}@${h.version}`);
    const cell = cells.get(h.cell);
    if (!v || !cell) return [];
    const message = secureBootProblem(
      { release: v.release, version: v.version, signedKernel: v.signedKernel ?? false, signedModules: v.signedModules ?? false },
      cell,
    );
    return message ? [{ host: h.name, message }] : [];
  });
}

/** The boot chain a host takes, in plain words (the host page). */
export function bootChain(h: { mac: string; secureBoot: boolean }): string {
  if (h.secureBoot) return `UEFI Secure Boot: shim → GRUB (${LAYOUT.grub(h.mac)}) → signed kernel`;
  return `PXE/UEFI: iPXE (${LAYOUT.ipxeBoot} → ${LAYOUT.ipxe(h.mac)}) → kernel`;
}

/** Where a host's Secure Boot setting comes from, in plain words. */
export function secureBootSource(h: { secureBoot: boolean | null; network: string; networkSecureBoot: boolean }): string {
  const state = (on: boolean) => (on ? "on" : "off");
  if (h.secureBoot === null) return `${state(h.networkSecureBoot)}, inherited from network ${h.network}`;
  return `${state(h.secureBoot)}, the host's own setting (network ${h.network}: ${state(h.networkSecureBoot)})`;
}
