import { LAYOUT, type FleetSnapshot } from "../snapshot";
import { generateDhcpd } from "./dhcpd";
import { generateDnsmasqConf, generateDnsmasqHosts, type DnsmasqOptions } from "./dnsmasq";
import { generateKea } from "./kea";

// DHCP configs for every network, in all three dialects: admins run whichever server they have.

export { DhcpGenerateError, generateDhcpd, resolveDhcpNetwork, type DhcpHost, type DhcpNetwork } from "./dhcpd";
export { DEFAULT_EXPORT_DIR, generateDnsmasqConf, generateDnsmasqHosts, type DnsmasqOptions } from "./dnsmasq";
export { generateKea } from "./kea";

export type DhcpFilesOptions = DnsmasqOptions;

/** Every network's files, networks by name, each as dhcpd, Kea, dnsmasq conf, dnsmasq hosts. */
export function dhcpFiles(snap: FleetSnapshot, opts: DhcpFilesOptions = {}): { path: string; content: string }[] {
  const names = snap.networks.map((n) => n.name).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.flatMap((name) => [
    { path: LAYOUT.dhcpd(name), content: generateDhcpd(snap, name) },
    { path: LAYOUT.kea(name), content: generateKea(snap, name) },
    { path: LAYOUT.dnsmasqConf(name), content: generateDnsmasqConf(snap, name, opts) },
    { path: LAYOUT.dnsmasqHosts(name), content: generateDnsmasqHosts(snap, name) },
  ]);
}
