import { LAYOUT, isReplicated, servingPoints, type FleetSnapshot } from "../snapshot";
import { replicatedDhcpFiles } from "./failover";
import { dhcpdHostBlock, renderDhcpd } from "./dhcpd";
import { dnsmasqHostLine, renderDnsmasqConf, renderDnsmasqHosts, type DnsmasqOptions } from "./dnsmasq";
import { keaReservation, renderKea, type KeaOptions } from "./kea";
import { fail, resolveDhcpNetwork } from "./resolve";

// DHCP configs for every network, in all three dialects: admins run whichever server they have.

export { DhcpGenerateError, generateDhcpd, resolveDhcpNetwork, rootPathOf, dhcpdHostBlock, type DhcpHost, type DhcpNetwork } from "./dhcpd";
export { DEFAULT_EXPORT_DIR, dnsmasqHostLine, generateDnsmasqConf, generateDnsmasqHosts, type DnsmasqOptions } from "./dnsmasq";
export { DEFAULT_KEA_HOOKS_DIR, generateKea, keaReservation, type KeaOptions } from "./kea";
export { KEA_HA_PORT, discoverySlice, replicatedDhcpFiles } from "./failover";
export { DHCPD_FAILOVER_PORT } from "./dhcpd";

export type DhcpFilesOptions = DnsmasqOptions & KeaOptions;

/**
 * Every network's files, networks by name: dhcpd, Kea, dnsmasq conf and hosts of a network with
 * one boot server; per-server files of a network with several (failover.ts).
 */
export function dhcpFiles(snap: FleetSnapshot, opts: DhcpFilesOptions = {}): { path: string; content: string }[] {
  const single = snap.networks.filter((n) => !isReplicated(n));
  const names = single.map((n) => n.name).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const files = names.flatMap((name) => {
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
  });
  return single.length === snap.networks.length ? files : [...files, ...replicatedDhcpFiles(snap, opts)];
}

export interface HostDhcpEntries {
  /** The `host NAME { ... }` declaration as the dhcpd file holds it: two-space indent, final newline. */
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
export function hostDhcpEntries(snap: FleetSnapshot, hostName: string): HostDhcpEntries {
  const matches = snap.hosts.filter((h) => h.name === hostName);
  if (matches.length === 0) fail(`host ${JSON.stringify(hostName)} is not in the snapshot (its release version may not resolve)`);
  if (matches.length > 1) fail(`host name ${JSON.stringify(hostName)} names ${matches.length} hosts of the snapshot`);
  const network = resolveDhcpNetwork(snap, matches[0]!.network);
  const h = network.hosts.find((x) => x.name === hostName)!;
  return {
    dhcpd: dhcpdHostBlock(network, h),
    kea: `${JSON.stringify(keaReservation(h), null, 2)}\n`,
    dnsmasq: dnsmasqHostLine(h),
  };
}
