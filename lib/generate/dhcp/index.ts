import { LAYOUT, isReplicated, servingPoints, type DhcpSnapshot } from "../snapshot";
import { replicatedDhcpFiles } from "./failover";
import { dhcpdHostEntry, renderDhcpd } from "./dhcpd";
import { dnsmasqHostLine, renderDnsmasqConf, renderDnsmasqHosts, type DnsmasqOptions } from "./dnsmasq";
import { keaReservation, renderKea, type KeaOptions } from "./kea";
import { fail, resolveDhcpNetwork } from "./resolve";

// DHCP configs for every network, in all three dialects: admins run whichever server they have.

export {
  DhcpGenerateError,
  generateDhcpd,
  resolveDhcpNetwork,
  rootPathOf,
  dhcpdHostEntry,
  dhcpdEntryPublished,
  type DhcpHost,
  type DhcpNetwork,
} from "./dhcpd";
export { DEFAULT_EXPORT_DIR, dnsmasqHostLine, generateDnsmasqConf, generateDnsmasqHosts, type DnsmasqOptions } from "./dnsmasq";
export { DEFAULT_KEA_HOOKS_DIR, generateKea, keaReservation, type KeaOptions } from "./kea";
export { KEA_HA_PORT, discoverySlice, replicatedDhcpFiles } from "./failover";
export { DHCPD_FAILOVER_PORT } from "./dhcpd";

export type DhcpFilesOptions = DnsmasqOptions & KeaOptions;

/**
 * DHCP files made together: those of one network with one boot server, or those of every network
 * with several (a server's Kea file holds all the networks it serves: failover.ts). The publisher
 * regenerates, or keeps, a unit as a whole.
 */
export interface DhcpUnit {
  /** the network's name, or REPLICATED (not a network name: those start with a letter or digit) */
  key: string;
  networks: string[];
}

export const REPLICATED = "(replicated)";

/** The snapshot's units: networks with one boot server by name, then the replicated ones together. */
export function dhcpUnits(snap: Pick<DhcpSnapshot, "networks">): DhcpUnit[] {
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const single = snap.networks.filter((n) => !isReplicated(n)).map((n) => n.name);
  const replicated = snap.networks.filter(isReplicated).map((n) => n.name);
  const units = single.sort(byName).map((name) => ({ key: name, networks: [name] }));
  return replicated.length ? [...units, { key: REPLICATED, networks: replicated.sort(byName) }] : units;
}

/** A unit's files: dhcpd, Kea, dnsmasq conf and hosts of a network with one boot server; per-server files of the replicated ones. */
export function dhcpUnitFiles(snap: DhcpSnapshot, unit: DhcpUnit, opts: DhcpFilesOptions = {}): { path: string; content: string }[] {
  if (unit.key === REPLICATED) return replicatedDhcpFiles(snap, opts);
  const name = unit.key;
  // resolved (and checked) once for its four files
  const network = resolveDhcpNetwork(snap, name);
  // a named boot server fed by delivery holds its copy of the export elsewhere
  const exportDir = servingPoints(network.net)[0]!.exportDir ?? opts.exportDir;
  return [
    { path: LAYOUT.dhcpd(name), content: renderDhcpd(network) },
    { path: LAYOUT.kea(name), content: renderKea(network, opts) },
    { path: LAYOUT.dnsmasqConf(name), content: renderDnsmasqConf(snap, network, { ...opts, exportDir }) },
    { path: LAYOUT.dnsmasqHosts(name), content: renderDnsmasqHosts(network) },
  ];
}

/** Every network's files, unit by unit (dhcpUnits). */
export function dhcpFiles(snap: DhcpSnapshot, opts: DhcpFilesOptions = {}): { path: string; content: string }[] {
  return dhcpUnits(snap).flatMap((unit) => dhcpUnitFiles(snap, unit, opts));
}

export interface HostDhcpEntries {
  /**
   * The `host NAME { ... }` declaration as the dhcpd file holds it (four-space indent, final
   * newline), in a `group` of its own with the boot statements of its group in the file
   * (dhcpdHostEntry; dhcpdEntryPublished says whether a file serves it so).
   */
  dhcpd: string;
  /**
   * The Kea reservation, pretty-printed on its own (JSON.stringify, two-space indent, from column 0,
   * final newline). It parses to the object in the file's reservations, whose lines the file holds
   * indented by ten more spaces (and with a comma after the closing brace unless it is last).
   */
  kea: string;
  /** The host's line of the dnsmasq hosts file, final newline included. */
  dnsmasq: string;
}

/**
 * A host's entries in its network's DHCP files, for showing on its page. Made by the functions the
 * files are made of, after the same resolution and checks: if the network's files cannot be
 * generated, neither can this (same error).
 */
export function hostDhcpEntries(snap: DhcpSnapshot, hostName: string): HostDhcpEntries {
  const matches = snap.hosts.filter((h) => h.name === hostName);
  if (matches.length === 0) fail(`host ${JSON.stringify(hostName)} is not in the snapshot (its release version may not resolve)`);
  if (matches.length > 1) fail(`host name ${JSON.stringify(hostName)} names ${matches.length} hosts of the snapshot`);
  const network = resolveDhcpNetwork(snap, matches[0]!.network);
  const h = network.hosts.find((x) => x.name === hostName)!;
  return {
    dhcpd: dhcpdHostEntry(network, h),
    kea: `${JSON.stringify(keaReservation(h), null, 2)}\n`,
    dnsmasq: dnsmasqHostLine(h),
  };
}
