import { cidrContains, formatIpv4, formatIpv4Range, parseCidr, parseIpv4, parseIpv4Range, rangeContains, type Ipv4Range } from "../../net/ipv4";
import { MAX_HOOK_PATH, hookPathProblem } from "../../net/hook-path";
import { isDnsName, isHostLabel } from "../../net/names";
import { BOOT_LOADERS, LAYOUT, httpBase, type DhcpSnapshot, type DhcpSnapHost, type DhcpSnapVersion, type SnapNetwork } from "../snapshot";

// The resolution and checks that the dhcpd, Kea and dnsmasq generators share. Every value is
// asserted before it is written: the snapshot is validated at the edge already, but a quote,
// newline, '#' or ',' in a DHCP config silently ends a string, starts a comment or splits an
// option, and a generator bug must fail the publish loudly instead.

export class DhcpGenerateError extends Error {
  override name = "DhcpGenerateError";
}

export function fail(message: string): never {
  throw new DhcpGenerateError(message);
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
/** The safe path characters of lib/validation/paths.ts: nothing a config parser treats specially but ','. */
const TREE = /^\/afs\/[A-Za-z0-9._+@%=:,/-]+$/;
/** DHCP options carry at most 255 bytes; longer ones would be split (RFC 3396), which clients mishandle. */
const MAX_OPTION = 255;
/** The BOOTP `file` field is 128 bytes including the NUL. */
export const MAX_FILE = 127;

/** Seconds: fixed addresses never move, and long leases keep renewals low at 10,000 hosts. */
export const LEASE_SECONDS = 43200;

/**
 * Seconds of a discovery lease: long enough for firmware, iPXE and the discovery initrd to boot and
 * report (each renews or asks again), short enough that a range of a few addresses serves a rack
 * of new machines powered on together.
 */
export const DISCOVERY_LEASE_SECONDS = 600;

export interface DhcpHost {
  name: string;
  mac: string;
  ip: string;
  /** Option 17, `afs:<cell>:<tree>`: the same root spec the kernel command line carries. */
  rootPath: string;
  /**
   * UEFI Secure Boot: its UEFI firmware PXE gets shim (which loads GRUB) instead of iPXE, and its
   * UEFI HTTP boot gets no answer (no boot file, no option 60), so that the firmware moves on to PXE.
   */
  secureBoot: boolean;
}

/**
 * The URL UEFI HTTP boot clients (architecture 16, vendor class HTTPClient) get in the boot file
 * field: iPXE (snponly.efi) from an HTTP base (a plain URL ending in "/"), checked to fit the field.
 * Only hosts without Secure Boot get it: a Secure Boot host gets no answer to HTTP boot (see
 * bootStatements in dhcpd.ts).
 */
export function httpBootUrl(what: string, base: string): string {
  const url = `${base}${BOOT_LOADERS.efi64}`;
  if (url.length > MAX_FILE) fail(`${what}: HTTP boot URL ${url} is longer than the DHCP file field (${MAX_FILE})`);
  return url;
}

/** The dynamic range machines that are not enrolled lease from (first and last address, inclusive). */
export interface DiscoveryRange {
  first: string;
  last: string;
}

export interface DhcpNetwork {
  net: SnapNetwork;
  address: string;
  netmask: string;
  prefix: number;
  hosts: DhcpHost[];
  /** null: only enrolled hosts get an address. */
  discovery: DiscoveryRange | null;
  /** The DHCP event hook's path on the DHCP server (dnsmasq, Kea and dhcpd call it on leases); null: none. */
  eventHook: string | null;
  /** The UEFI HTTP boot URL (iPXE) from the network's (or the serving boot server's) HTTP base. */
  httpBootUrl: string;
}

type RootPath = { ok: true; value: string } | { ok: false; reason: string };

/** Option 17 for a cell and a release tree, or why it cannot be written into a config. */
export function rootPathOf(cell: string, tree: string): RootPath {
  if (!isDnsName(cell)) return { ok: false, reason: `cell ${JSON.stringify(cell)} is not a DNS name` };
  if (!TREE.test(tree)) return { ok: false, reason: `tree ${JSON.stringify(tree)} is not a path under /afs/ of safe characters` };
  const value = `afs:${cell}:${tree}`;
  if (value.length > MAX_OPTION) return { ok: false, reason: `root path ${value} is ${value.length} bytes, more than a DHCP option holds (${MAX_OPTION})` };
  return { ok: true, value };
}

/** Plain text for a `#` comment line. */
export const commentSafe = (text: string) => text.replace(/[^\x20-\x7e]/g, "?");

const UNIQUE = ["name", "mac", "ip"] as const;
const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function ipv4(what: string, text: string): number {
  return parseIpv4(text) ?? fail(`${what}: ${JSON.stringify(text)} is not an IPv4 address`);
}

/**
 * One network and its hosts, checked and in a fixed order (by host name). Each call checks
 * everything again (nothing is cached across calls, so a changed snapshot can never be served
 * stale results): callers that write several files of a network resolve it once and pass it on.
 */
export function resolveDhcpNetwork(snap: DhcpSnapshot, networkName: string): DhcpNetwork {
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
  const range = discoveryRangeOf(what, net, cidr);
  const eventHook = eventHookOf(what, net);

  const versions = new Map(snap.versions.map((v) => [`${v.release}@${v.version}`, v]));
  const cells = new Set(snap.cells.map((c) => c.name));
  // A root path depends on the (cell, version) only: checked once per pair, the failure still
  // reported for each host that uses it.
  const roots = new Map<DhcpSnapVersion, Map<string, RootPath>>();
  const rootOf = (cell: string, version: DhcpSnapVersion) => {
    let byCell = roots.get(version);
    if (!byCell) roots.set(version, (byCell = new Map()));
    let root = byCell.get(cell);
    if (!root) byCell.set(cell, (root = rootPathOf(cell, version.tree)));
    return root;
  };
  const base = httpBase(net);
  const http = httpBootUrl(what, base);
  const seen = { name: new Set<string>(), mac: new Set<string>(), ip: new Set<string>() };
  /** The host's entry, or what is wrong with it (the message is prefixed only on failure). */
  const check = (h: DhcpSnapHost): DhcpHost | string => {
    if (!isHostLabel(h.name)) return "the name is not an RFC 1123 label (a-z, 0-9, '-')";
    if (!MAC.test(h.mac)) return `MAC ${JSON.stringify(h.mac)} is not in the stored form aa:bb:cc:dd:ee:ff`;
    const ip = parseIpv4(h.ip);
    if (ip === null) return `IP: ${JSON.stringify(h.ip)} is not an IPv4 address`;
    if (!cidrContains(cidr, ip) || ip === cidr.first || ip === cidr.last) return `IP ${h.ip} is not a host address of ${net.subnet}`;
    // a pool address handed to a machine that is not enrolled would clash with the host's
    if (range && rangeContains(range, ip)) return `IP ${h.ip} lies in the discovery range ${net.discoveryRange}`;
    if (!cells.has(h.cell)) return `cell ${JSON.stringify(h.cell)} is not in the snapshot`;
    const version = versions.get(`${h.release}@${h.version}`);
    if (!version) return `release version ${h.release}@${h.version} is not in the snapshot`;
    const root = rootOf(h.cell, version);
    if (!root.ok) return root.reason;
    const ipxeUrl = `${base}${LAYOUT.ipxe(h.mac)}`;
    if (ipxeUrl.length > MAX_FILE) return `iPXE URL ${ipxeUrl} is longer than the DHCP file field (${MAX_FILE})`;
    for (const key of UNIQUE) {
      if (seen[key].has(h[key])) return `another host of the network has the same ${key === "name" ? "name" : key.toUpperCase()} ${h[key]}`;
      seen[key].add(h[key]);
    }
    return { name: h.name, mac: h.mac, ip: h.ip, rootPath: root.value, secureBoot: h.secureBoot === true };
  };
  const hosts = snap.hosts
    .filter((h) => h.network === net.name)
    .sort(byName)
    .map((h) => {
      const entry = check(h);
      // the prefix made only on failure: a JSON.stringify per host otherwise
      return typeof entry === "string" ? fail(`${what}: host ${JSON.stringify(h.name)}: ${entry}`) : entry;
    });
  const netmask = formatIpv4(2 ** 32 - 2 ** (32 - cidr.prefix));
  const discovery = range && { first: formatIpv4(range.first), last: formatIpv4(range.last) };
  return { net, address: formatIpv4(cidr.network), netmask, prefix: cidr.prefix, hosts, discovery, eventHook, httpBootUrl: http };
}

/** The network's DHCP event hook, checked like the edge checks it (lib/validation/network.ts), or null. */
function eventHookOf(what: string, net: SnapNetwork): string | null {
  const hook = net.dhcpEventHook;
  if (hook == null) return null;
  if (hook.length > MAX_HOOK_PATH || hookPathProblem(hook)) {
    fail(`${what}: DHCP event hook ${JSON.stringify(hook)} is not an absolute path of a file (letters, digits and . _ / + -)`);
  }
  return hook;
}

/** The network's discovery range, checked like the edge checks it (lib/validation/network.ts), or null. */
function discoveryRangeOf(what: string, net: SnapNetwork, cidr: { first: number; last: number }): Ipv4Range | null {
  if (net.discoveryRange == null) return null;
  const parsed = parseIpv4Range(net.discoveryRange);
  if (!parsed.ok || formatIpv4Range(parsed.range) !== net.discoveryRange)
    fail(`${what}: discovery range ${JSON.stringify(net.discoveryRange)} is not in the form START-END`);
  const range = parsed.range;
  const text = net.discoveryRange;
  if (range.first > range.last) fail(`${what}: discovery range ${text} starts after it ends`);
  if (range.first <= cidr.first || range.last >= cidr.last) fail(`${what}: discovery range ${text} is not inside the host addresses of ${net.subnet}`);
  for (const [role, ip] of [["gateway", net.gateway], ["boot server", net.bootServer], ...net.dns.map((d) => ["DNS server", d])] as const) {
    if (rangeContains(range, parseIpv4(ip)!)) fail(`${what}: discovery range ${text} includes the ${role} ${ip}`);
  }
  return range;
}
