import { formatIpv4, parseIpv4 } from "../../net/ipv4";
import { LAYOUT, isReplicated, servingPoints, type DhcpSnapshot, type ServingPoint, type SnapNetwork } from "../snapshot";
import { renderDhcpd, type DhcpdFailover } from "./dhcpd";
import { renderDnsmasqConf, renderDnsmasqHosts, type DnsmasqOptions } from "./dnsmasq";
import { renderKeaConfig, type KeaHa, type KeaOptions } from "./kea";
import { MAX_FILE, commentSafe, fail, httpBootUrl, resolveDhcpNetwork, type DhcpNetwork, type DiscoveryRange } from "./resolve";

// DHCP for a network with two or more boot servers: each server gets its own configs, which hand
// out the same reserved addresses but name that server as next-server and HTTP boot server (a
// client that got its lease from a server boots from it), and the daemons' own failover covers
// what must not be handed out twice:
//
// - Kea: the High Availability hook (libdhcp_ha.so with libdhcp_lease_cmds.so), hot-standby or
//   load-balancing. It is set per server process (Kea 2.2 runs one relationship), so a server's
//   file (dhcp/<server>/kea-dhcp4.json) holds every network it serves, and those networks must
//   name the same boot servers in the same order. The first server is the primary, the second the
//   standby (hot-standby) or secondary (load-balancing), any further one a backup.
// - ISC dhcpd: a `failover peer` for the discovery pool between the first two servers (reserved
//   addresses need none); a third server serves the reservations only.
// - dnsmasq has no failover: every server has the same reservations (one shared hosts file), and
//   the discovery range is split into one slice per server, so no address is handed out twice.
//   A discovering machine may get another address from another server: harmless, it only reports.

/** The port of the Kea HA hook's own HTTP listener on every peer. */
export const KEA_HA_PORT = 8647;

/** The network as one of its boot servers serves it: that server is its only boot server. */
function servedBy(network: DhcpNetwork, point: ServingPoint, discovery: DiscoveryRange | null): DhcpNetwork {
  const net: SnapNetwork = {
    ...network.net,
    bootServer: point.address,
    bootUrl: point.base,
    bootServers: undefined,
    dhcpFailover: undefined,
    discoveryRange: discovery ? `${discovery.first}-${discovery.last}` : null,
  };
  // each host's iPXE script URL (dhcpd makes it from the MAC) under this server's base must still fit
  for (const h of network.hosts) {
    const ipxeUrl = `${point.base}${LAYOUT.ipxe(h.mac)}`;
    if (ipxeUrl.length > MAX_FILE)
      fail(`network ${net.name}: host ${JSON.stringify(h.name)}: iPXE URL ${ipxeUrl} is longer than the DHCP file field (${MAX_FILE})`);
  }
  return { ...network, net, discovery, httpBootUrl: httpBootUrl(`network ${net.name}: boot server ${point.name}`, point.base) };
}

/** Slice `i` of `n` of a range (as even as it divides), or null when the range has fewer addresses than servers. */
export function discoverySlice(range: DiscoveryRange, i: number, n: number): DiscoveryRange | null {
  const first = parseIpv4(range.first)!;
  const size = parseIpv4(range.last)! - first + 1;
  const start = first + Math.floor((size * i) / n);
  const end = first + Math.floor((size * (i + 1)) / n) - 1;
  return end < start ? null : { first: formatIpv4(start), last: formatIpv4(end) };
}

const mode = (net: SnapNetwork) => net.dhcpFailover ?? "hot-standby";

/** The DHCP files of every network with two or more boot servers (networks and servers by name). */
export function replicatedDhcpFiles(snap: DhcpSnapshot, opts: DnsmasqOptions & KeaOptions): { path: string; content: string }[] {
  const files: { path: string; content: string }[] = [];
  const kea = new Map<string, { net: SnapNetwork; points: ServingPoint[]; network: DhcpNetwork }[]>();
  const nets = snap.networks.filter(isReplicated).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const net of nets) {
    const network = resolveDhcpNetwork(snap, net.name);
    const points = servingPoints(net);
    // one hosts file, the same reservations on every server
    files.push({ path: LAYOUT.dnsmasqHosts(net.name), content: renderDnsmasqHosts(network) });
    points.forEach((point, i) => {
      const name = point.name!;
      const pair = i < 2 ? points[1 - i]! : null;
      // dhcpd: the pool in failover between the first two; a further server serves reservations only
      const dhcpd = servedBy(network, point, pair ? network.discovery : null);
      const failover: DhcpdFailover | null =
        pair && network.discovery
          ? { name: `afsboot-${net.name}`, role: i === 0 ? "primary" : "secondary", address: point.address, peerAddress: pair.address, mode: mode(net) }
          : null;
      files.push({ path: LAYOUT.serverDhcpd(name, net.name), content: renderDhcpd(dhcpd, failover) });
      const slice = network.discovery && discoverySlice(network.discovery, i, points.length);
      files.push({
        path: LAYOUT.serverDnsmasqConf(name, net.name),
        content: renderDnsmasqConf(snap, servedBy(network, point, slice), { ...opts, exportDir: point.exportDir ?? opts.exportDir }),
      });
      const entry = { net, points, network: servedBy(network, point, network.discovery) };
      (kea.get(name) ?? kea.set(name, []).get(name)!).push(entry);
    });
  }
  for (const [server, entries] of [...kea].sort(([a], [b]) => (a < b ? -1 : 1))) {
    files.push({ path: LAYOUT.serverKea(server), content: renderKeaServer(server, entries, opts) });
  }
  return files;
}

function renderKeaServer(server: string, entries: { net: SnapNetwork; points: ServingPoint[]; network: DhcpNetwork }[], opts: KeaOptions): string {
  const first = entries[0]!;
  const names = first.points.map((p) => p.name!);
  for (const e of entries.slice(1)) {
    const other = e.points.map((p) => p.name!);
    if (other.join(",") !== names.join(",")) {
      fail(
        `boot server ${server} serves networks ${first.net.name} (boot servers ${names.join(", ")}) and ${e.net.name} (${other.join(", ")}): ` +
          "Kea runs one HA relationship per server, so networks one server serves must list the same boot servers in the same order",
      );
    }
    if (mode(e.net) !== mode(first.net)) {
      fail(
        `boot server ${server} serves networks ${first.net.name} (${mode(first.net)}) and ${e.net.name} (${mode(e.net)}): one Kea HA relationship has one mode`,
      );
    }
  }
  const m = mode(first.net);
  const ha: KeaHa = {
    thisServer: server,
    mode: m,
    peers: first.points.map((p, i) => ({
      name: p.name!,
      url: `http://${p.address}:${KEA_HA_PORT}/`,
      role: i === 0 ? "primary" : i === 1 ? (m === "hot-standby" ? "standby" : "secondary") : "backup",
    })),
    // Take over as soon as the partner stops answering (max-response-delay). Kea's default (10)
    // waits for eleven clients to go unanswered first: a boot network with few machines booting
    // would never fail over. Both serving at once (only if the peers lose each other but not the
    // clients) is harmless for reserved addresses; a discovery address might be handed out twice,
    // to machines that only report themselves and power off.
    maxUnackedClients: 0,
  };
  const role = ha.peers.find((p) => p.name === server)!.role;
  const hosts = entries.reduce((sum, e) => sum + e.network.hosts.length, 0);
  const comment = [
    `Kea DHCPv4 configuration for boot server ${server}: ${entries.map((e) => `network ${e.net.name} (${e.net.subnet})`).join(", ")}, ${hosts} host${hosts === 1 ? "" : "s"}.`,
    "Generated by AFSBoot from its database: do not edit, the next publish rewrites it.",
    `High availability (${m}): this server is the ${role} of ${ha.peers.map((p) => `${p.name} (${p.role})`).join(", ")}; the peers talk over HTTP on port ${KEA_HA_PORT}.`,
    `Clients that get a lease here boot from this server (next-server ${entries.map((e) => e.network.net.bootServer).join(", ")}).`,
    "A partner that stops answering is taken over after max-response-delay (10 s), without waiting for unanswered clients (max-unacked-clients 0).",
    "To apply a change, send kea-dhcp4 SIGHUP: it re-reads this file.",
  ]
    .map(commentSafe)
    .join(" ");
  return renderKeaConfig(
    comment,
    entries.map((e) => e.network),
    opts,
    ha,
  );
}
