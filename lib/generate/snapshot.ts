import { isIpv4 } from "../net/ipv4";
import { isHostLabel } from "../net/names";

// The input of every generator: a consistent, fully resolved picture of the fleet, loaded by the
// publish layer (lib/publish) in one read. Generators are pure functions of it (no I/O, no clock,
// no randomness): the same snapshot gives the same bytes. Everything that needs I/O or secrets is
// resolved before: host report tokens, the sha256 and size of kernels and base initrds, the
// busybox binary's bytes.

export interface SnapNetwork {
  name: string;
  subnet: string; // 10.0.0.0/24
  gateway: string;
  dns: string[];
  domain: string | null;
  bootServer: string; // next-server (TFTP) and HTTP server of the export directory
  /** HTTP base iPXE fetches boot files from (ends in "/"); absent or null: http://<bootServer>/ */
  bootUrl?: string | null;
  reportUrl: string; // base URL of the console for boot reports, e.g. http://10.0.0.1:3000
  /** Several report URLs in order (the first is reportUrl): hosts try each in turn. Absent or empty: reportUrl alone. */
  reportUrls?: string[];
  /**
   * "START-END" inside the subnet: machines that are not enrolled get a short lease from it and
   * boot the discovery image. Absent or null: only enrolled hosts get an address.
   */
  discoveryRange?: string | null;
  /**
   * Absolute path of the AFSBoot DHCP hook (scripts/hooks/afsboot-dhcp-event) on the DHCP server:
   * the dnsmasq, Kea and ISC dhcpd configs call it on leases. Absent or null: no hook.
   */
  dhcpEventHook?: string | null;
  /**
   * Named boot servers in order (first = primary). Absent or empty: the one server of bootServer
   * and bootUrl. With two or more, each gets its own DHCP configs in failover (dhcpFailover) and
   * iPXE scripts try them in turn.
   */
  bootServers?: SnapBootServer[];
  /** The failover mode with two or more boot servers (default hot-standby). */
  dhcpFailover?: "hot-standby" | "load-balancing" | null;
}

export interface SnapBootServer {
  name: string; // a host label, unique in the network
  address: string; // IPv4: next-server, TFTP, and the HTTP server unless url says otherwise
  /** HTTP base of its boot files (ends in "/"); absent or null: http://<address>/ */
  url?: string | null;
  /** Where its copy of the export directory lives on it (the path its DHCP configs name); absent: the console's. */
  exportDir?: string | null;
}

/** One machine a network's clients boot from: its name (null: the unnamed one), address, HTTP base. */
export interface ServingPoint {
  name: string | null;
  address: string;
  base: string;
  exportDir: string | null;
}

export interface SnapCell {
  name: string;
  client: "kafs" | "openafs";
  servers: { name: string; ip: string }[];
  bootRoot: string;
  cacheMemcache: boolean;
  cacheBlocks: number;
  /** Kerberos realm: /init gets a ticket from the host's keytab and an AFS token before the root mount. Absent: anonymous. */
  realm?: string;
  /** the realm's KDCs (host or host:port), in order; with a realm, at least one */
  kdcs?: string[];
}

/** A file served to booting clients, addressed by its content. */
export interface SnapImage {
  name: string; // file name as the version names it (vmlinuz-6.1.0-28-amd64)
  sha256: string;
  size: number;
}

export interface SnapVersion {
  release: string;
  version: string;
  tree: string; // /afs/example.org/boot/RH/7.3
  kernel: SnapImage;
  baseInitrd: SnapImage;
  modules: string[];
  readonly: string[];
  writable: string[];
  tmpfsSize: string;
  /**
   * The kernel is signed by a key the Secure Boot chain trusts (Debian's, through shim): Secure
   * Boot hosts may boot this version only then. Absent: false.
   */
  signedKernel?: boolean;
  /**
   * Every module the version loads is signed (kAFS and NIC modules from the distribution's kernel
   * package are; a locally built openafs.ko is only after its DKMS MOK key is enrolled): Secure
   * Boot hosts on an OpenAFS cell need it. Absent: false.
   */
  signedModules?: boolean;
}

export interface SnapHost {
  name: string;
  mac: string; // aa:bb:cc:dd:ee:ff
  ip: string;
  network: string;
  cell: string;
  release: string;
  version: string; // resolved: pinned, or the latest active version of the tree
  tags: string[];
  cacheBlocks: number | null;
  tmpfsSize: string | null;
  kernelArgs: string | null;
  nicModule: string | null;
  /** HMAC-derived report token (lib/auth/host-token.ts); it travels in the host's PXE config. */
  reportToken: string;
  /** /etc/machine-id of the booted system (32 lower-case hex digits); null: none stored. */
  machineId: string | null;
  /**
   * UEFI Secure Boot (the host's own setting, else its network's): its firmware loads the
   * Microsoft-signed shim, then Debian's signed GRUB with the host's grub config, then the
   * version's signed kernel. Absent: false (firmware PXE or HTTP boot into iPXE).
   */
  secureBoot?: boolean;
  /**
   * How the host proves who it is to get its secrets (docs/security.md): tpm (credential
   * activation) or port (weaker: its address and a privileged source port). Absent: none.
   */
  identity?: "tpm" | "port";
}

export interface FleetSnapshot {
  networks: SnapNetwork[]; // sorted by name
  cells: SnapCell[]; // sorted by name
  versions: SnapVersion[]; // active versions (and pinned ones), sorted by release, version
  hosts: SnapHost[]; // sorted by name; only hosts whose version resolved
}

/** What of a host the DHCP generators read: nothing else of it reaches a DHCP config. */
export const DHCP_HOST_FIELDS = ["name", "mac", "ip", "network", "cell", "release", "version", "secureBoot"] as const satisfies readonly (keyof SnapHost)[];
export type DhcpSnapHost = Pick<SnapHost, (typeof DHCP_HOST_FIELDS)[number]>;
/** What of a release version the DHCP generators read (the tree: option 17's root path). */
export type DhcpSnapVersion = Pick<SnapVersion, "release" | "version" | "tree">;

/**
 * The DHCP generators' input: the fleet snapshot less what only PXE configs and overlays need
 * (tokens, overrides, kernels, cell servers). A FleetSnapshot is one; the publisher also loads it
 * alone, for the networks of a publication of some hosts (lib/data/dhcp-inputs.ts), and digests it.
 */
export interface DhcpSnapshot {
  networks: SnapNetwork[];
  cells: Pick<SnapCell, "name">[];
  versions: DhcpSnapVersion[];
  hosts: DhcpSnapHost[];
}

/** Where generated and copied files live in the export directory (see docs/export-layout.md). */
export const LAYOUT = {
  dhcpd: (network: string) => `dhcp/dhcpd-${network}.conf`,
  kea: (network: string) => `dhcp/kea-dhcp4-${network}.json`,
  dnsmasqConf: (network: string) => `dhcp/dnsmasq-${network}.conf`,
  dnsmasqHosts: (network: string) => `dhcp/dnsmasq-${network}.hosts`,
  pxelinux: (mac: string) => `pxelinux.cfg/01-${mac.replace(/:/g, "-")}`,
  pxelinuxDefault: "pxelinux.cfg/default",
  ipxe: (mac: string) => `ipxe/01-${mac.replace(/:/g, "-")}.ipxe`,
  ipxeBoot: "boot.ipxe",
  ipxeDefault: "ipxe/default.ipxe",
  /** What Debian's signed GRUB network image loads (its prefix is /grub): chains the host's own file by MAC. */
  grubCfg: "grub/grub.cfg",
  /** A Secure Boot host's GRUB config. */
  grub: (mac: string) => `grub/01-${mac.replace(/:/g, "-")}.cfg`,
  /** A boot server's own DHCP configs, when its network has several boot servers. */
  serverDhcpd: (server: string, network: string) => `dhcp/${server}/dhcpd-${network}.conf`,
  serverDnsmasqConf: (server: string, network: string) => `dhcp/${server}/dnsmasq-${network}.conf`,
  /** Kea's HA hook is set per server process, so one file per server holds all its networks. */
  serverKea: (server: string) => `dhcp/${server}/kea-dhcp4.json`,
  image: (img: SnapImage) => `images/${img.sha256}/${img.name}`,
  overlay: (release: string, version: string, cell: string, sha256: string) => `overlays/${release}-${version}-${cell}-${sha256.slice(0, 16)}.cpio.gz`,
} as const;

/**
 * Boot firmware files at the export root, copied by publish from Debian's packages: ipxe
 * (undionly.kpxe, snponly.efi), pxelinux, shim-signed (shimx64.efi) and grub-efi-amd64-signed
 * (grubnetx64.efi.signed, served as grubx64.efi: the name shim loads from beside itself).
 */
export const BOOT_LOADERS = { bios: "undionly.kpxe", efi64: "snponly.efi", pxelinux: "pxelinux.0", shim: "shimx64.efi", grub: "grubx64.efi" } as const;

/** The HTTP base a network's clients fetch boot files from: the export directory served at "/". */
export class SnapshotError extends Error {
  override name = "SnapshotGenerateError";
}

const PLAIN_BASE = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/([A-Za-z0-9._-]+\/)*$/;

function plainBase(what: string, url: string): string {
  // it goes into iPXE scripts and DHCP file fields: plain URL characters only (checked at the edge too)
  if (!PLAIN_BASE.test(url)) throw new SnapshotError(`${what} ${JSON.stringify(url)} is not a plain http(s) base URL ending in /`);
  return url;
}

/** The HTTP base of a network's (first) boot server. */
export const httpBase = (n: SnapNetwork): string => servingPoints(n)[0]!.base;

/**
 * The machines a network's clients boot from, in order: its named boot servers, or the one
 * unnamed server of bootServer and bootUrl. Every value is checked (it reaches configs and scripts).
 */
export function servingPoints(n: SnapNetwork): ServingPoint[] {
  if (!n.bootServers?.length) {
    return [
      {
        name: null,
        address: n.bootServer,
        base: n.bootUrl == null ? `http://${n.bootServer}/` : plainBase(`network ${n.name}: boot files URL`, n.bootUrl),
        exportDir: null,
      },
    ];
  }
  return n.bootServers.map((b) => {
    const what = `network ${n.name}: boot server ${JSON.stringify(b.name)}`;
    if (!isHostLabel(b.name)) throw new SnapshotError(`${what}: the name is not a host label (a-z, 0-9, '-')`);
    if (!isIpv4(b.address)) throw new SnapshotError(`${what}: address ${JSON.stringify(b.address)} is not an IPv4 address`);
    return {
      name: b.name,
      address: b.address,
      base: b.url == null ? `http://${b.address}/` : plainBase(`${what}: HTTP URL`, b.url),
      exportDir: b.exportDir ?? null,
    };
  });
}

/** A network whose clients boot from two or more boot servers (DHCP per server, in failover). */
export const isReplicated = (n: SnapNetwork): boolean => (n.bootServers?.length ?? 0) >= 2;
