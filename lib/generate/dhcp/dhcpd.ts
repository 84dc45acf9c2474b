import { cidrContains, formatIpv4, parseCidr, parseIpv4 } from "../../net/ipv4";
import { isDnsName, isHostLabel } from "../../net/names";
import { BOOT_LOADERS, LAYOUT, httpBase, type FleetSnapshot, type SnapNetwork } from "../snapshot";

// ISC dhcpd (4.4) configuration for one network, plus the resolution and checks that the Kea and
// dnsmasq generators share (resolveDhcpNetwork). Every value is asserted before it is written:
// the snapshot is validated at the edge already, but a quote, newline, '#' or ',' in a DHCP config
// silently ends a string, starts a comment or splits an option, and a generator bug must fail the
// publish loudly instead.

export class DhcpGenerateError extends Error {
  override name = "DhcpGenerateError";
}

function fail(message: string): never {
  throw new DhcpGenerateError(message);
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
/** The safe path characters of lib/validation/paths.ts: nothing a config parser treats specially but ','. */
const TREE = /^\/afs\/[A-Za-z0-9._+@%=:,/-]+$/;
/** DHCP options carry at most 255 bytes; longer ones would be split (RFC 3396), which clients mishandle. */
const MAX_OPTION = 255;
/** The BOOTP `file` field is 128 bytes including the NUL. */
const MAX_FILE = 127;

export interface DhcpHost {
  name: string;
  mac: string;
  ip: string;
  /** Option 17, `afs:<cell>:<tree>`: the same root spec the kernel command line carries. */
  rootPath: string;
  /** The host's own iPXE script, for clients that already run iPXE. */
  ipxeUrl: string;
}

export interface DhcpNetwork {
  net: SnapNetwork;
  address: string;
  netmask: string;
  prefix: number;
  hosts: DhcpHost[];
}

/** Option 17 for a cell and a release tree, or why it cannot be written into a config. */
export function rootPathOf(cell: string, tree: string): { ok: true; value: string } | { ok: false; reason: string } {
  if (!isDnsName(cell)) return { ok: false, reason: `cell ${JSON.stringify(cell)} is not a DNS name` };
  if (!TREE.test(tree)) return { ok: false, reason: `tree ${JSON.stringify(tree)} is not a path under /afs/ of safe characters` };
  const value = `afs:${cell}:${tree}`;
  if (value.length > MAX_OPTION) return { ok: false, reason: `root path ${value} is ${value.length} bytes, more than a DHCP option holds (${MAX_OPTION})` };
  return { ok: true, value };
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function ipv4(what: string, text: string): number {
  return parseIpv4(text) ?? fail(`${what}: ${JSON.stringify(text)} is not an IPv4 address`);
}

/** One network and its hosts, checked and in a fixed order (by host name). */
export function resolveDhcpNetwork(snap: FleetSnapshot, networkName: string): DhcpNetwork {
  const net = snap.networks.find((n) => n.name === networkName) ?? fail(`network ${JSON.stringify(networkName)} is not in the snapshot`);
  const what = `network ${net.name}`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(net.name)) fail(`${what}: the name cannot appear in a file name or a dnsmasq tag`);
  const parsed = parseCidr(net.subnet);
  if (!parsed.ok) fail(`${what}: subnet ${JSON.stringify(net.subnet)}: ${parsed.reason}`);
  const cidr = parsed.cidr;
  if (cidr.prefix > 30) fail(`${what}: subnet ${net.subnet} has no room for hosts (at most /30)`);
  if (!cidrContains(cidr, ipv4(`${what}: gateway`, net.gateway))) fail(`${what}: gateway ${net.gateway} lies outside ${net.subnet}`);
  ipv4(`${what}: boot server`, net.bootServer);
  for (const d of net.dns) ipv4(`${what}: DNS server`, d);
  if (net.domain !== null && !isDnsName(net.domain)) fail(`${what}: domain ${JSON.stringify(net.domain)} is not a DNS name`);

  const versions = new Map(snap.versions.map((v) => [`${v.release}@${v.version}`, v]));
  const cells = new Set(snap.cells.map((c) => c.name));
  const seen = { name: new Set<string>(), mac: new Set<string>(), ip: new Set<string>() };
  const hosts = snap.hosts
    .filter((h) => h.network === net.name)
    .sort(byName)
    .map((h): DhcpHost => {
      const w = `${what}: host ${JSON.stringify(h.name)}`;
      if (!isHostLabel(h.name)) fail(`${w}: the name is not an RFC 1123 label (a-z, 0-9, '-')`);
      if (!MAC.test(h.mac)) fail(`${w}: MAC ${JSON.stringify(h.mac)} is not in the stored form aa:bb:cc:dd:ee:ff`);
      const ip = ipv4(`${w}: IP`, h.ip);
      if (!cidrContains(cidr, ip) || ip === cidr.first || ip === cidr.last) fail(`${w}: IP ${h.ip} is not a host address of ${net.subnet}`);
      if (!cells.has(h.cell)) fail(`${w}: cell ${JSON.stringify(h.cell)} is not in the snapshot`);
      const version = versions.get(`${h.release}@${h.version}`) ?? fail(`${w}: release version ${h.release}@${h.version} is not in the snapshot`);
      const root = rootPathOf(h.cell, version.tree);
      if (!root.ok) fail(`${w}: ${root.reason}`);
      const rootPath = root.value;
      const ipxeUrl = `${httpBase(net)}${LAYOUT.ipxe(h.mac)}`;
      if (ipxeUrl.length > MAX_FILE) fail(`${w}: iPXE URL ${ipxeUrl} is longer than the DHCP file field (${MAX_FILE})`);
      for (const key of ["name", "mac", "ip"] as const) {
        if (seen[key].has(h[key])) fail(`${w}: another host of the network has the same ${key === "name" ? "name" : key.toUpperCase()} ${h[key]}`);
        seen[key].add(h[key]);
      }
      return { name: h.name, mac: h.mac, ip: h.ip, rootPath, ipxeUrl };
    });
  const netmask = formatIpv4(2 ** 32 - 2 ** (32 - cidr.prefix));
  return { net, address: formatIpv4(cidr.network), netmask, prefix: cidr.prefix, hosts };
}

/** Plain text for a `#` comment line. */
export const commentSafe = (text: string) => text.replace(/[^\x20-\x7e]/g, "?");

/** Strings are written bare inside double quotes: the checks above leave no '"' or '\' to escape. */
function str(value: string): string {
  if (!/^[\x21\x23-\x5b\x5d-\x7e]*$/.test(value)) fail(`value ${JSON.stringify(value)} cannot be written as a dhcpd string`);
  return `"${value}"`;
}

/** Seconds: fixed addresses never move, and long leases keep renewals low at 10,000 hosts. */
export const LEASE_SECONDS = 43200;

/**
 * dhcpd.conf for one network: option definitions, the subnet with its options, and one host
 * declaration per host. Meant to be included from the server's dhcpd.conf; the files of several
 * networks can be included together (identical option definitions may repeat).
 */
export function generateDhcpd(snap: FleetSnapshot, networkName: string): string {
  const { net, address, netmask, hosts } = resolveDhcpNetwork(snap, networkName);
  const sub: string[] = [
    `  option routers ${net.gateway};`,
    ...(net.dns.length ? [`  option domain-name-servers ${net.dns.join(", ")};`] : []),
    ...(net.domain ? [`  option domain-name ${str(net.domain)};`] : []),
    `  default-lease-time ${LEASE_SECONDS};`,
    `  max-lease-time ${LEASE_SECONDS};`,
  ];
  const hostBlocks = hosts.flatMap((h) => [
    "",
    `  host ${h.name} {`,
    `    hardware ethernet ${h.mac};`,
    `    fixed-address ${h.ip};`,
    `    option host-name ${str(h.name)};`,
    `    option root-path ${str(h.rootPath)};`,
    `    next-server ${net.bootServer};`,
    // Inside the host: its script URL is its own, and only the matched host's statements run.
    "    if exists afsboot-ipxe-encap or (exists user-class and option user-class = \"iPXE\") {",
    `      filename ${str(h.ipxeUrl)};`,
    "    } elsif option afsboot-arch = 00:07 or option afsboot-arch = 00:09 {",
    `      filename ${str(BOOT_LOADERS.efi64)};`,
    "    } else {",
    `      filename ${str(BOOT_LOADERS.bios)};`,
    "    }",
    "  }",
  ]);
  return [
    `# ISC dhcpd configuration for network ${commentSafe(net.name)} (${net.subnet}), ${hosts.length} host${hosts.length === 1 ? "" : "s"}.`,
    "# Generated by AFSBoot from its database: do not edit, the next publish rewrites it.",
    "# Include it from dhcpd.conf; files of several networks may be included together. To apply",
    "# a change, restart dhcpd: it has no reload, and fixed-address hosts keep no lease state.",
    "# Only enrolled hosts get an address: the subnet has no pool, so machines that are not",
    "# enrolled get no lease from this file. Not authoritative, so another server may serve them.",
    "",
    "# Client architecture (RFC 4578): 0 BIOS, 7 and 9 x86-64 UEFI. Own names, so that an",
    "# `arch` or `pxe-system-type` defined elsewhere does not clash.",
    "option afsboot-arch code 93 = unsigned integer 16;",
    "# iPXE sends its own option 175 (and user-class \"iPXE\"): such a client gets its script URL.",
    "option afsboot-ipxe-encap code 175 = string;",
    "",
    `subnet ${address} netmask ${netmask} {`,
    ...sub,
    ...hostBlocks,
    "}",
    "",
  ].join("\n");
}
