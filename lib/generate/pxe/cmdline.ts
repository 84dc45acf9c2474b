import { LAYOUT, type FleetSnapshot, type SnapHost, type SnapImage, type SnapNetwork, type SnapVersion } from "../snapshot";

// The kernel command line and the boot files it goes with: the contract between the PXE configs
// and the generated /init. Snapshot values are validated at the edge already; everything is
// asserted again here because a bad byte in a pxelinux APPEND line or an iPXE `kernel` line
// (newline, quote, `#`, `${`, `;`, `||`) silently breaks or rewrites a boot config. A generator
// bug must fail the publish loudly instead.

/** One kernel argument: the characters host kernelArgs may use, minus space (the separator). */
const ARG = /^[A-Za-z0-9._,:=/+@%-]+$/;
/** Files fetched by TFTP/HTTP: no ',' (pxelinux INITRD list), '%' (URL escapes), ':' ("host::file"). */
const FILE = /^[A-Za-z0-9._+@-]+(\/[A-Za-z0-9._+@-]+)*$/;
const SHA256 = /^[0-9a-f]{64}$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
/** systemd's machine-id(5): 32 lower-case hex digits, not all zero. */
const MACHINE_ID = /^(?!0{32})[0-9a-f]{32}$/;
/** x86 COMMAND_LINE_SIZE is 2048 bytes including the NUL; loaders add their own arguments. */
export const MAX_CMDLINE = 2047;

/**
 * Always first, so a host's kernelArgs (last) can override them: console=tty0 keeps the local
 * screen; panic=60 reboots a host whose /init died (diskless hosts retry rather than hang).
 * No root= and no rdinit=: the initramfs /init runs by default and mounts the root itself.
 */
export const FIXED_ARGS = ["console=tty0", "panic=60"] as const;
const FIXED = FIXED_ARGS.join(" ");

/** Keys this generator or the boot loaders set: a host's extra arguments may not repeat them. */
const RESERVED = new Set(
  ["root", "report", "token", "host", "overlay", "release", "nic", "cache", "tmpfs", "discover", "machineid", "bootserver", "identity"]
    .map((k) => `afsboot.${k}`)
    .concat(["initrd", "BOOT_IMAGE", "BOOTIF"]),
);

export class PxeGenerateError extends Error {
  override name = "PxeGenerateError";
}

function fail(message: string): never {
  throw new PxeGenerateError(message);
}

function arg(what: string, key: string, value: string): string {
  if (!ARG.test(value))
    fail(
      `${what}: ${key} value ${JSON.stringify(value)} has a character a kernel command line cannot carry (allowed: letters, digits and . _ , : = / + @ % -)`,
    );
  return `${key}=${value}`;
}

/** Words that went through assertCmdline (the type says so, so that the check cannot be skipped). */
export type CheckedCmdline = string & { readonly __checked: unique symbol };

function assertLength(what: string, length: number): void {
  if (length > MAX_CMDLINE) fail(`${what}: kernel command line is ${length} bytes, more than the kernel's ${MAX_CMDLINE}`);
}

/** ARG words separated by single spaces: the same test as every word of line.split(" "), in one pass. */
const LINE = /^[A-Za-z0-9._,:=/+@%-]+(?: [A-Za-z0-9._,:=/+@%-]+)*$/;

/** Final check of a complete command line, after loaders' own arguments are added. */
export function assertCmdline(what: string, line: string): CheckedCmdline {
  assertCmdlineWords(what, line);
  assertLength(what, line.length);
  return line as CheckedCmdline;
}

/** The words of a part of a command line (see assertLoaderCmdline): the length is checked on the whole. */
export function assertCmdlineWords(what: string, words: string): CheckedCmdline {
  if (!LINE.test(words)) {
    const bad = words.split(" ").find((a) => !ARG.test(a))!;
    fail(`${what}: kernel argument ${JSON.stringify(bad)} is empty or has an unsafe character`);
  }
  return words as CheckedCmdline;
}

/**
 * The line a loader passes to the kernel: its own arguments and the command line (in whatever
 * order: same words, same length). Both parts went through the word check already (their type
 * says so), so this is assertCmdline on the whole line without testing every word of every host
 * once more per loader: only the length of the whole is left to check.
 */
export function assertLoaderCmdline(what: string, loaderArgs: CheckedCmdline, cmdline: CheckedCmdline): void {
  assertLength(what, loaderArgs.length + 1 + cmdline.length);
}

/**
 * assertLoaderCmdline for a loader word that is not one of our kernel arguments and only counts by
 * its length: GRUB's BOOT_IMAGE=(tftp,ADDRESS)/path, whose parentheses no kernel argument may hold.
 */
export function assertLoaderLength(what: string, loaderLength: number, cmdline: CheckedCmdline): void {
  assertLength(what, loaderLength + 1 + cmdline.length);
}

export function assertFile(what: string, path: string): string {
  if (!FILE.test(path) || path.split("/").some((s) => s === "." || s === "..")) {
    fail(`${what}: file ${JSON.stringify(path)} cannot be named in a PXE config (allowed: letters, digits and . _ + @ - in / separated names)`);
  }
  return path;
}

export function assertMac(what: string, mac: string): string {
  if (!MAC.test(mac)) fail(`${what}: MAC ${JSON.stringify(mac)} is not in the stored form aa:bb:cc:dd:ee:ff`);
  return mac;
}

/** afsboot.report's value: the report URLs in order, joined by commas (/init tries each in turn). */
const reportList = (n: SnapNetwork) => (n.reportUrls?.length ? n.reportUrls.join(",") : n.reportUrl);

export const rootSpec = (host: SnapHost, version: SnapVersion) => `afs:${host.cell}:${version.tree}`;
export const overlayKey = (release: string, version: string, cell: string) => `${release}@${version}/${cell}`;

export function hostVersion(snap: FleetSnapshot, host: SnapHost): SnapVersion {
  return (
    snap.versions.find((v) => v.release === host.release && v.version === host.version) ??
    fail(`host ${host.name}: release version ${host.release}@${host.version} is not in the snapshot`)
  );
}

export function hostNetwork(snap: FleetSnapshot, host: SnapHost): SnapNetwork {
  return snap.networks.find((n) => n.name === host.network) ?? fail(`host ${host.name}: network ${host.network} is not in the snapshot`);
}

export function overlaySha(overlays: ReadonlyMap<string, string>, release: string, version: string, cell: string, what: string): string {
  const key = overlayKey(release, version, cell);
  const sha = overlays.get(key) ?? fail(`${what}: no overlay initrd was built for ${key}`);
  if (!SHA256.test(sha)) fail(`${what}: overlay sha256 of ${key} is not 64 lower-case hex digits: ${JSON.stringify(sha)}`);
  return sha;
}

export interface BootFiles {
  kernel: string;
  base: string;
  overlay: string;
}

/** Export-relative paths of the kernel and of the two initrds, base first (the overlay's files win). */
export function bootFiles(version: SnapVersion, cell: string, sha: string, what: string): BootFiles {
  const image = (img: SnapImage, role: string) => {
    if (!SHA256.test(img.sha256)) fail(`${what}: ${role} ${img.name} has no valid sha256`);
    return assertFile(`${what} (${role})`, LAYOUT.image(img));
  };
  return {
    kernel: image(version.kernel, "kernel"),
    base: image(version.baseInitrd, "base initrd"),
    overlay: assertFile(`${what} (overlay)`, LAYOUT.overlay(version.release, version.version, cell, sha)),
  };
}

/**
 * The host's command line, in a fixed order: fixed args, the afsboot.* contract with /init, then
 * the host's extra kernelArgs (runs of spaces collapsed to one: the kernel splits on them).
 */
export function kernelCmdline(snap: FleetSnapshot, host: SnapHost, overlaySha256: string): CheckedCmdline {
  return hostCmdline(`host ${host.name}`, host, hostVersion(snap, host), hostNetwork(snap, host), overlaySha256);
}

/** kernelCmdline with the host's version and network looked up already. */
export function hostCmdline(what: string, host: SnapHost, version: SnapVersion, network: SnapNetwork, overlaySha256: string): CheckedCmdline {
  if (!SHA256.test(overlaySha256)) fail(`${what}: overlay sha256 is not 64 lower-case hex digits`);
  if (!host.reportToken) fail(`${what}: no report token`);
  // one string rather than an array of arguments joined: this runs for every host
  let line =
    `${FIXED} ${arg(what, "afsboot.root", rootSpec(host, version))} ${arg(what, "afsboot.report", reportList(network))}` +
    ` ${arg(what, "afsboot.token", host.reportToken)} ${arg(what, "afsboot.host", host.name)} ${arg(what, "afsboot.overlay", overlaySha256)}` +
    ` ${arg(what, "afsboot.release", `${version.release}@${version.version}`)}` +
    // which NIC to bring up in /init (the one the host is enrolled with), as pxelinux's IPAPPEND 2 spells it
    ` ${arg(what, "BOOTIF", `01-${host.mac.replace(/:/g, "-")}`)}`;
  if (host.nicModule !== null) line += ` ${arg(what, "afsboot.nic", host.nicModule)}`;
  if (host.cacheBlocks !== null) {
    if (!Number.isSafeInteger(host.cacheBlocks) || host.cacheBlocks <= 0) fail(`${what}: cache blocks ${host.cacheBlocks} is not a positive integer`);
    line += ` ${arg(what, "afsboot.cache", String(host.cacheBlocks))}`;
  }
  if (host.tmpfsSize !== null) line += ` ${arg(what, "afsboot.tmpfs", host.tmpfsSize)}`;
  if (host.machineId !== null) {
    if (!MACHINE_ID.test(host.machineId)) fail(`${what}: machine id ${JSON.stringify(host.machineId)} is not 32 lower-case hex digits`);
    line += ` afsboot.machineid=${host.machineId}`;
  }
  if (host.identity) line += ` afsboot.identity=${host.identity === "tpm" ? "tpm" : "port"}`;
  for (const extra of host.kernelArgs ? host.kernelArgs.split(/ +/).filter(Boolean) : []) {
    const key = extra.split("=", 1)[0]!;
    if (RESERVED.has(key)) fail(`${what}: extra kernel argument ${JSON.stringify(extra)} would override ${key}, which AFSBoot sets itself`);
    if (!ARG.test(extra)) fail(`${what}: extra kernel argument ${JSON.stringify(extra)} has a character a kernel command line cannot carry`);
    line += ` ${extra}`;
  }
  return assertCmdline(what, line);
}

/**
 * Unknown machines (pxelinux.cfg/default, ipxe/default.ipxe) boot far enough to report and no
 * further. Policy: the first release version of the snapshot (sorted by release, version) that has
 * an overlay, for the first cell (sorted by name) it was built for, reporting to the first network
 * (sorted by name): one default file serves every network, and the console cannot know which one
 * an unknown machine sits on. Its command line has no root and no token: /init sees
 * afsboot.discover=1, reports the MAC and halts. null: nothing to boot, the defaults hand the
 * machine back to its firmware.
 */
export function discoveryBoot(snap: FleetSnapshot, overlays: ReadonlyMap<string, string>) {
  const network = snap.networks[0];
  if (!network) return null;
  for (const version of snap.versions) {
    for (const cell of snap.cells) {
      if (!overlays.has(overlayKey(version.release, version.version, cell.name))) continue;
      const what = `discovery boot (${overlayKey(version.release, version.version, cell.name)})`;
      const sha = overlaySha(overlays, version.release, version.version, cell.name, what);
      const cmdline = [
        ...FIXED_ARGS,
        "afsboot.discover=1",
        arg(what, "afsboot.report", reportList(network)),
        arg(what, "afsboot.overlay", sha),
        arg(what, "afsboot.release", `${version.release}@${version.version}`),
      ].join(" ");
      return { label: `${version.release}@${version.version}`, files: bootFiles(version, cell.name, sha, what), cmdline: assertCmdline(what, cmdline) };
    }
  }
  return null;
}
