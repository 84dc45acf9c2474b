import { describe, expect, it } from "vitest";
import { FAILOVER_FIXTURE, FIXTURE, HOOK_FIXTURE } from "../fixtures";
import { DHCP_HOST_FIELDS, type DhcpSnapshot, type FleetSnapshot, type SnapHost } from "../snapshot";
import { dhcpFiles, dhcpUnitFiles, dhcpUnits } from "./index";
import { dhcpInputsDigest, dhcpInputsDigests } from "./inputs";

// The digest of a DHCP unit's inputs stands for its files' bytes: equal whenever the bytes are
// (a rollout wave moving hosts between versions of one tree, a token rotation, an override), and
// different whenever what goes into them differs.

const opts = { exportDir: "/srv/afsboot" };
/** The DHCP generators' input alone: what lib/data/dhcp-snapshot.ts loads. */
const dhcpOnly = (snap: FleetSnapshot): DhcpSnapshot => ({
  networks: snap.networks,
  cells: snap.cells.map((c) => ({ name: c.name })),
  versions: snap.versions.map((v) => ({ release: v.release, version: v.version, tree: v.tree })),
  hosts: snap.hosts.map((h) => Object.fromEntries(DHCP_HOST_FIELDS.map((f) => [f, h[f]])) as Pick<SnapHost, (typeof DHCP_HOST_FIELDS)[number]>),
});
const mixed: FleetSnapshot = {
  ...FIXTURE,
  networks: [...FIXTURE.networks, ...FAILOVER_FIXTURE.networks],
  hosts: [...FIXTURE.hosts, ...FAILOVER_FIXTURE.hosts].sort((a, b) => (a.name < b.name ? -1 : 1)),
};
const withHost = (snap: FleetSnapshot, name: string, over: Partial<SnapHost>): FleetSnapshot => ({
  ...snap,
  hosts: snap.hosts.map((h) => (h.name === name ? { ...h, ...over } : h)),
});
const digests = (snap: DhcpSnapshot, o = opts) => Object.fromEntries(dhcpInputsDigests(snap, o));
const first = FIXTURE.hosts[0]!;

describe("DHCP units and the digest of their inputs", () => {
  it("the units' files are dhcpFiles, unit by unit; the DHCP fields alone give the same files and digests", () => {
    for (const snap of [FIXTURE, HOOK_FIXTURE, FAILOVER_FIXTURE, mixed]) {
      expect(dhcpUnits(snap).flatMap((u) => dhcpUnitFiles(snap, u, opts))).toEqual(dhcpFiles(snap, opts));
      expect(dhcpFiles(dhcpOnly(snap), opts)).toEqual(dhcpFiles(snap, opts));
      expect(digests(dhcpOnly(snap))).toEqual(digests(snap));
    }
    expect(dhcpUnits(mixed).map((u) => u.key)).toEqual(["lab", "render", "(replicated)"]);
  });

  it("is unchanged by what no DHCP file holds: another version of the same tree, tokens, overrides, kernels", () => {
    const other = {
      ...FIXTURE.versions.find((v) => v.release === first.release)!,
      version: "99",
      modules: ["igb"],
      kernel: { name: "vmlinuz-x", sha256: "c".repeat(64), size: 1 },
    };
    const moved = withHost({ ...FIXTURE, versions: [...FIXTURE.versions, other] }, first.name, {
      version: "99",
      reportToken: "t".repeat(43),
      kernelArgs: "quiet",
      cacheBlocks: 1,
      tags: ["x"],
      machineId: "0".repeat(32),
    });
    const before = { ...FIXTURE, versions: [...FIXTURE.versions, other] };
    expect(dhcpFiles(moved, opts)).toEqual(dhcpFiles(before, opts));
    expect(digests(moved)).toEqual(digests(before));
  });

  it("changes, for that unit alone, with what the files hold: a host's address, MAC, name, cell, release tree, Secure Boot; the network; the options", () => {
    const base = digests(FIXTURE);
    const unitOf = first.network;
    const changes: [string, FleetSnapshot, typeof opts & { keaHooksDir?: string }][] = [
      ["ip", withHost(FIXTURE, first.name, { ip: "10.0.0.200" }), opts],
      ["mac", withHost(FIXTURE, first.name, { mac: "52:54:00:ff:ff:ff" }), opts],
      ["name", withHost(FIXTURE, first.name, { name: "zz-renamed" }), opts],
      ["secure boot", withHost(FIXTURE, first.name, { secureBoot: !first.secureBoot }), opts],
      [
        "tree",
        {
          ...FIXTURE,
          versions: FIXTURE.versions.map((v) => (v.release === first.release && v.version === first.version ? { ...v, tree: `${v.tree}-new` } : v)),
        },
        opts,
      ],
      ["network", { ...FIXTURE, networks: FIXTURE.networks.map((n) => (n.name === unitOf ? { ...n, gateway: "10.0.0.254" } : n)) }, opts],
      ["export dir", FIXTURE, { exportDir: "/srv/other" }],
      ["Kea hooks", FIXTURE, { ...opts, keaHooksDir: "/opt/kea/hooks" }],
    ];
    for (const [what, snap, o] of changes) {
      const d = digests(snap, o);
      expect(d[unitOf], what).not.toBe(base[unitOf]);
      // (Kea's hooks directory shows only in a network with a DHCP hook: a digest may differ where bytes do not, never the reverse)
      if (what !== "Kea hooks")
        expect(dhcpUnitFiles(snap, { key: unitOf, networks: [unitOf] }, o), what).not.toEqual(
          dhcpUnitFiles(FIXTURE, { key: unitOf, networks: [unitOf] }, opts),
        );
      if (what !== "tree" && what !== "export dir" && what !== "Kea hooks")
        for (const k of Object.keys(base).filter((k) => k !== unitOf)) expect(d[k], what).toBe(base[k]);
    }
    const cell = FIXTURE.cells.find((c) => c.name !== first.cell)!.name;
    expect(dhcpInputsDigest(withHost(FIXTURE, first.name, { cell }), { key: unitOf, networks: [unitOf] }, opts)).not.toBe(base[unitOf]);
  });
});
