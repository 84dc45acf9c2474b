import "server-only";
import type { Tx } from "@/lib/db";
import { cidrContains, formatIpv4, ipv4Key, parseCidr, parseIpv4, parseIpv4Range, rangeContains, type Cidr, type Ipv4Range } from "@/lib/net/ipv4";
import type { HostInput } from "@/lib/validation/host";
import { effectiveSecureBoot, secureBootProblem } from "@/lib/boot/secure-boot";
import { latestActive } from "@/lib/boot/latest-version";
import { bmcProblem, effectiveBmc, type BmcColumns } from "@/lib/power/target";
import { ipmiPasswordProblem } from "@/lib/validation/bmc";
import { NETWORK_BMC_SELECT } from "./bmc-secret";

// Checks a batch of validated host inputs against the database and against each other, and
// resolves names to ids. Used by every way of enrolling or changing hosts (form, CSV, ranges,
// fleet file, API), so all of them refuse the same things with the same words.

export interface RowProblem {
  row: number; // index in the batch
  field: string;
  message: string;
}

export interface ResolvedHost {
  input: HostInput;
  networkId: string;
  cellId: string;
  releaseId: string;
  pinnedVersionId: string | null;
  ipKey: string;
}

interface ContextVersion {
  id: string;
  version: string;
  status: string;
  activatedAt: Date | null;
  signedKernel: boolean;
  signedModules: boolean;
}

export interface Context {
  networks: { id: string; name: string; cidr: Cidr; gateway: number; bootServer: string; discoveryRange: { text: string; range: Ipv4Range } | null; secureBoot: boolean; bmc: BmcColumns }[];
  cells: Map<string, { id: string; client: string }>;
  releases: Map<string, { id: string; tree: string; versions: Map<string, ContextVersion>; latest: ContextVersion | null }>;
  /** existing hosts by name, mac and ip → host name */
  byName: Map<string, { id: string }>;
  byMac: Map<string, string>;
  byIp: Map<string, string>;
}

export async function loadContext(tx: Tx): Promise<Context> {
  const [networks, cells, releases, hosts] = await Promise.all([
    tx.network.findMany({ select: { id: true, name: true, subnet: true, gateway: true, bootServer: true, discoveryRange: true, secureBoot: true, ...NETWORK_BMC_SELECT } }),
    tx.cell.findMany({ select: { id: true, name: true, client: true } }),
    tx.release.findMany({
      select: { id: true, name: true, tree: true, versions: { select: { id: true, version: true, status: true, activatedAt: true, signedKernel: true, signedModules: true } } },
    }),
    tx.host.findMany({ select: { id: true, name: true, mac: true, ip: true } }),
  ]);
  return {
    networks: networks.flatMap((n) => {
      const c = parseCidr(n.subnet);
      if (!c.ok) return [];
      const r = n.discoveryRange === null ? null : parseIpv4Range(n.discoveryRange);
      const discoveryRange = r?.ok ? { text: n.discoveryRange!, range: r.range } : null;
      const { bmcDriver, bmcUser, bmcPassword, bmcInsecure, bmcCommand } = n;
      const bmc = { bmcDriver, bmcUser, bmcPassword, bmcInsecure, bmcCommand };
      return [{ id: n.id, name: n.name, cidr: c.cidr, gateway: parseIpv4(n.gateway)!, bootServer: n.bootServer, discoveryRange, secureBoot: n.secureBoot, bmc }];
    }),
    cells: new Map(cells.map((c) => [c.name, { id: c.id, client: c.client }])),
    releases: new Map(releases.map((r) => [r.name, { id: r.id, tree: r.tree, versions: new Map(r.versions.map((v) => [v.version, v])), latest: latestActive(r.versions) }])),
    byName: new Map(hosts.map((h) => [h.name, { id: h.id }])),
    byMac: new Map(hosts.map((h) => [h.mac, h.name])),
    byIp: new Map(hosts.map((h) => [h.ip, h.name])),
  };
}

/** The network an address belongs to, or why it cannot be a host's address. */
export function networkFor(ctx: Context, ip: string): { id: string; secureBoot: boolean; bmc: BmcColumns } | { problem: string } {
  const n = parseIpv4(ip)!;
  const net = ctx.networks.find((x) => cidrContains(x.cidr, n));
  if (!net) return { problem: `IP ${ip} lies outside every network: add the network first` };
  if (net.cidr.prefix < 31 && (n === net.cidr.first || n === net.cidr.last)) {
    return { problem: `IP ${ip} is the ${n === net.cidr.first ? "network" : "broadcast"} address of ${net.name}` };
  }
  if (n === net.gateway) return { problem: `IP ${ip} is the gateway of network ${net.name}` };
  if (ip === net.bootServer) return { problem: `IP ${ip} is the boot server of network ${net.name}` };
  // any network's range: networks may overlap, and a range's addresses go to machines that are not enrolled
  const ranged = ctx.networks.find((x) => x.discoveryRange && rangeContains(x.discoveryRange.range, n));
  if (ranged) return { problem: inDiscoveryRange(ip, ranged.discoveryRange!.text, ranged.name) };
  return { id: net.id, secureBoot: net.secureBoot, bmc: net.bmc };
}

const inDiscoveryRange = (ip: string, range: string, network: string) =>
  `IP ${ip} lies in the discovery range ${range} of network ${network}, kept for machines that are not enrolled: choose an address outside it`;

/**
 * Enrolled hosts whose address lies in a discovery range ("START-END", validated), in address
 * order: normally none, at most the range's size.
 */
export async function hostsInDiscoveryRange(tx: Tx, range: string): Promise<{ name: string; ip: string }[]> {
  const r = parseIpv4Range(range);
  if (!r.ok) return [];
  return tx.host.findMany({
    where: { ipKey: { gte: ipv4Key(formatIpv4(r.range.first)), lte: ipv4Key(formatIpv4(r.range.last)) } },
    select: { name: true, ip: true },
    orderBy: { ipKey: "asc" },
  });
}

/** Why a discovery range cannot be saved while these hosts hold addresses in it. */
export function rangeHoldsHosts(range: string, hosts: { name: string; ip: string }[]): string {
  const named = hosts.slice(0, 3).map((h) => `${h.name} (${h.ip})`).join(", ");
  const more = hosts.length > 3 ? ` and ${hosts.length - 3} more` : "";
  const one = hosts.length === 1;
  return `Discovery range ${range} holds the address of enrolled host${one ? "" : "s"} ${named}${more}: move ${one ? "it" : "them"} out of the range, or choose another range`;
}

/**
 * Resolves a batch. `replacing` names hosts that this batch updates (by their current name): their
 * own name, MAC and IP do not count as taken.
 */
export function resolveHosts(ctx: Context, inputs: HostInput[], replacing: (string | null)[] = []) {
  const problems: RowProblem[] = [];
  const resolved: ResolvedHost[] = [];
  const seen = { name: new Map<string, number>(), mac: new Map<string, number>(), ip: new Map<string, number>() };
  inputs.forEach((input, row) => {
    const own = replacing[row] ?? null;
    const bad = (field: string, message: string) => problems.push({ row, field, message });
    const before = problems.length;
    for (const field of ["name", "mac", "ip"] as const) {
      const value = input[field];
      const first = seen[field].get(value);
      if (first !== undefined) bad(field, `${field === "name" ? "Hostname" : field.toUpperCase()} ${value} appears twice in this batch (also row ${first + 1})`);
      else seen[field].set(value, row);
    }
    const takenName = ctx.byName.has(input.name) && input.name !== own;
    if (takenName) bad("name", `Hostname ${input.name} is already used by another host`);
    const macOwner = ctx.byMac.get(input.mac);
    if (macOwner !== undefined && macOwner !== own) bad("mac", `MAC ${input.mac} is already used by host ${macOwner}`);
    const ipOwner = ctx.byIp.get(input.ip);
    if (ipOwner !== undefined && ipOwner !== own) bad("ip", `IP ${input.ip} is already used by host ${ipOwner}`);
    const net = networkFor(ctx, input.ip);
    if ("problem" in net) bad("ip", net.problem);
    const cell = ctx.cells.get(input.cell);
    const cellId = cell?.id;
    if (!cellId) bad("cell", `Cell ${input.cell} does not exist`);
    const release = ctx.releases.get(input.release.release);
    let pinned: ContextVersion | null = null;
    if (!release) bad("release", `Release ${input.release.release} does not exist`);
    // the host's AFS client mounts the tree from its own cell (the overlay is built for that cell)
    else if (cellId && !treeInCell(release.tree, input.cell)) bad("release", `Release ${input.release.release} lives in ${release.tree}, outside cell ${input.cell}: choose a release in /afs/${input.cell}/ or another cell`);
    else if (input.release.version !== null) {
      const v = release.versions.get(input.release.version);
      if (!v) bad("release", `Version ${input.release.release}@${input.release.version} does not exist`);
      else if (v.status === "retired") bad("release", `Version ${input.release.release}@${input.release.version} is retired`);
      else if (v.status === "draft") bad("release", `Version ${input.release.release}@${input.release.version} is a draft: activate it first`);
      else pinned = v;
    }
    if (problems.length === before && cell && release && !("problem" in net)) {
      // the version it boots (none yet: activating one is checked then)
      const version = pinned ?? release.latest;
      const problem = version && effectiveSecureBoot(input.secureBoot, net.secureBoot) ? secureBootProblem({ release: input.release.release, ...version }, { name: input.cell, client: cell.client }) : null;
      const bmc = hostBmcProblem(input, net.bmc);
      if (problem) bad("secureBoot", problem);
      else if (bmc) bad(`bmc.${bmc.field}`, bmc.message);
      else resolved.push({ input, networkId: net.id, cellId: cell.id, releaseId: release.id, pinnedVersionId: pinned?.id ?? null, ipKey: ipv4Key(input.ip) });
    }
  });
  return { problems, resolved };
}

/** Why a host's own BMC settings cannot work with its network's defaults (none of its own: no problem). */
function hostBmcProblem(input: HostInput, network: BmcColumns) {
  const b = input.bmc;
  if (!b) return null;
  if (b.driver === null && b.address === null && b.command === null && b.user === null && !b.password && b.insecure === null) return null;
  // the password's presence does not change what is checked: a stand-in keeps the shapes apart
  const eff = effectiveBmc({ bmcDriver: b.driver, bmcAddress: b.address, bmcUser: b.user, bmcPassword: null, bmcInsecure: b.insecure, bmcCommand: b.command }, network);
  if (!eff) return { field: "driver", message: "Choose a BMC driver (ipmi, redfish or command): the host's network has no default" };
  const password = eff.driver === "ipmi" ? ipmiPasswordProblem(b.password) : null;
  return password ? { field: "password", message: password } : bmcProblem(eff);
}

/** A release tree the hosts of a cell can boot: under /afs/<cell>/ (or its read-write path /afs/.<cell>/). */
export const treeInCell = (tree: string, cell: string) => tree.startsWith(`/afs/${cell}/`) || tree.startsWith(`/afs/.${cell}/`);
