import { servingPoints, type FleetSnapshot, type ServingPoint, type SnapCell, type SnapHost, type SnapNetwork, type SnapVersion } from "../snapshot";
import { assertMac, bootFiles, hostCmdline, overlaySha, PxeGenerateError, type BootFiles, type CheckedCmdline } from "./cmdline";

// What a host's two boot configs (pxelinux, iPXE) are made of, made and checked once per host and
// shared by both. Versions and networks are found by Map rather than a find() per host, and the
// boot files of a (release version, cell), the same for all its hosts, are checked once. Checks
// run in the order the configs always ran them, and only successes are remembered, so a bad
// snapshot fails with the same error as before. A PxeIndex lives for one call of a generator:
// nothing outlives it, so a changed snapshot is never served from a stale index.

export interface HostBoot {
  what: string;
  host: SnapHost;
  version: SnapVersion;
  /** HTTP base of the host's network (iPXE fetches over HTTP): its first boot server's. */
  base: string;
  /** The network's boot servers in order (one: the unnamed one); iPXE tries each in turn. */
  servers: ServingPoint[];
  files: BootFiles;
  cmdline: CheckedCmdline;
}

/** What a (release version, cell) gives all its hosts, filled in as its first host gets there. */
interface Pair {
  sha?: string;
  files?: BootFiles;
}

function fail(message: string): never {
  throw new PxeGenerateError(message);
}

export class PxeIndex {
  // the first of equal keys wins, as find() would have it
  private readonly versions = new Map<string, Map<string, SnapVersion>>();
  private readonly networks = new Map<string, { network: SnapNetwork; base: string; servers: ServingPoint[] }>();
  private readonly pairs = new Map<SnapVersion, Map<string, Pair>>();
  private readonly cells = new Map<string, SnapCell>();

  constructor(
    readonly snap: FleetSnapshot,
    readonly overlays: ReadonlyMap<string, string>,
  ) {
    for (const v of snap.versions) {
      let byVersion = this.versions.get(v.release);
      if (!byVersion) this.versions.set(v.release, (byVersion = new Map()));
      if (!byVersion.has(v.version)) byVersion.set(v.version, v);
    }
    for (const c of snap.cells) if (!this.cells.has(c.name)) this.cells.set(c.name, c);
    for (const n of snap.networks) {
      if (this.networks.has(n.name)) continue;
      const servers = servingPoints(n);
      this.networks.set(n.name, { network: n, base: servers[0]!.base, servers });
    }
  }

  version(host: SnapHost, what: string): SnapVersion {
    return this.versions.get(host.release)?.get(host.version) ?? fail(`${what}: release version ${host.release}@${host.version} is not in the snapshot`);
  }

  network(host: SnapHost, what: string): { network: SnapNetwork; base: string; servers: ServingPoint[] } {
    return this.networks.get(host.network) ?? fail(`${what}: network ${host.network} is not in the snapshot`);
  }

  cell(host: SnapHost, what: string): SnapCell {
    return this.cells.get(host.cell) ?? fail(`${what}: cell ${host.cell} is not in the snapshot`);
  }

  /** overlaySha of a (version, cell). */
  overlaySha(version: SnapVersion, cell: string, what: string): string {
    const known = this.pair(version, cell);
    return (known.sha ??= overlaySha(this.overlays, version.release, version.version, cell, what));
  }

  /** bootFiles of a (version, cell) with its overlay. */
  bootFiles(version: SnapVersion, cell: string, what: string): BootFiles {
    return (this.pair(version, cell).files ??= bootFiles(version, cell, this.overlaySha(version, cell, what), what));
  }

  private pair(version: SnapVersion, cell: string): Pair {
    let byCell = this.pairs.get(version);
    if (!byCell) this.pairs.set(version, (byCell = new Map()));
    let pair = byCell.get(cell);
    if (!pair) byCell.set(cell, (pair = {}));
    return pair;
  }
}

export function hostBoot(index: PxeIndex, host: SnapHost): HostBoot {
  const what = `host ${host.name}`;
  assertMac(what, host.mac);
  const version = index.version(host, what);
  const sha = index.overlaySha(version, host.cell, what);
  const { network, base, servers } = index.network(host, what);
  const cmdline = hostCmdline(what, host, version, network, sha);
  return { what, host, version, base, servers, files: index.bootFiles(version, host.cell, what), cmdline };
}
