import { createHash } from "node:crypto";
import { DISCOVERY_FIXTURE, FAILOVER_FIXTURE, FIXTURE, HOOK_FIXTURE } from "../fixtures";
import type { DHCP_HOST_FIELDS, DhcpSnapHost, DhcpSnapshot } from "../snapshot";
import { dhcpFiles, dhcpUnits, type DhcpFilesOptions, type DhcpUnit } from "./index";

// A digest of everything a DHCP unit's files are made of (dhcpUnitFiles): its networks, their
// hosts' DHCP fields, every cell's name and version's tree, the options, and the generators
// themselves. Equal digests, equal bytes: the publisher of a rollout wave keeps a network's DHCP
// files whose digest is the published one instead of regenerating 3,000 host entries to find them
// unchanged. Pure, like the generators it stands for.

type HostRow = Record<(typeof DHCP_HOST_FIELDS)[number], unknown>;

/**
 * The DHCP fields of a host, in a fixed order (a field added to DHCP_HOST_FIELDS must be added
 * here: typed so). Its version stands as its tree: the generators look the version up for its
 * tree alone (option 17, resolve.ts), so a rollout wave, which moves hosts between versions of one
 * tree, leaves the digest (and the bytes) as they were.
 */
const hostRow = (h: DhcpSnapHost, trees: Map<string, string>): HostRow => ({
  name: h.name,
  mac: h.mac,
  ip: h.ip,
  network: h.network,
  cell: h.cell,
  release: h.release,
  version: trees.get(`${h.release}@${h.version}`) ?? { missing: h.version }, // (the generators refuse it)
  secureBoot: h.secureBoot === true, // absent is false to the generators
});

/** JSON with object keys sorted and absent values left out, so equal values give equal text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonical(v))).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

let fingerprint: string | undefined;

/**
 * The generators' own part of every digest: their output for the fixture fleets (plain, with
 * discovery ranges, DHCP hooks, replicated boot servers). A console upgraded to generators that write other
 * bytes for them gets other digests, so nothing kept under the old ones is taken for current. A
 * change that shows on no fixture is not seen: a full publish (which keeps nothing) mends it.
 */
export function dhcpGeneratorFingerprint(): string {
  if (fingerprint) return fingerprint;
  const hash = createHash("sha256");
  for (const snap of [FIXTURE, DISCOVERY_FIXTURE, HOOK_FIXTURE, FAILOVER_FIXTURE])
    for (const f of dhcpFiles(snap, { exportDir: "/srv/afsboot" })) hash.update(`${f.path}\n${f.content}\n`);
  return (fingerprint = hash.digest("hex"));
}

/** The digest of a unit's inputs (see above), hosts in the snapshot's order (by name, as loaded). */
export function dhcpInputsDigest(snap: DhcpSnapshot, unit: DhcpUnit, opts: DhcpFilesOptions): string {
  const nets = new Set(unit.networks);
  const hash = createHash("sha256");
  hash.update(`afsboot dhcp inputs 1\n${dhcpGeneratorFingerprint()}\n`);
  hash.update(`${canonical({ exportDir: opts.exportDir, keaHooksDir: opts.keaHooksDir, unit })}\n`);
  hash.update(`${canonical(snap.networks.filter((n) => nets.has(n.name)))}\n`);
  hash.update(`${canonical(snap.cells.map((c) => c.name))}\n`);
  hash.update(`${canonical(snap.versions.map((v) => [v.release, v.version, v.tree]))}\n`);
  // one line per host: 10,000 hosts digest in a few milliseconds
  // the last of equal labels, as resolve.ts finds it
  const trees = new Map(snap.versions.map((v) => [`${v.release}@${v.version}`, v.tree]));
  for (const h of snap.hosts) if (nets.has(h.network)) hash.update(`${JSON.stringify(Object.values(hostRow(h, trees)))}\n`);
  return hash.digest("hex");
}

/** Each unit's digest, by unit key. */
export function dhcpInputsDigests(snap: DhcpSnapshot, opts: DhcpFilesOptions): Map<string, string> {
  return new Map(dhcpUnits(snap).map((u) => [u.key, dhcpInputsDigest(snap, u, opts)]));
}
