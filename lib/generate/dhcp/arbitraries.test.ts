import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatIpv4, parseIpv4 } from "../../net/ipv4";
import type { FleetSnapshot, SnapHost, SnapVersion } from "../snapshot";

// Arbitrary valid fleets for the property tests (dhcp.test.ts, daemons.test.ts). A .test.ts file
// only so that it stays within this directory's files; it checks its own arbitraries, too.

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** Valid labels that configs misread when written bare: dnsmasq lease times and keywords, dhcpd keywords. */
const NASTY_NAMES = ["123", "1h", "45s", "7d", "2w", "infinite", "ignore", "host", "subnet", "option", "if", "else", "0x1f", "e5", "ff"];
const PATH_CHARS = "ABCXYZabcxyz0189._+@%=:,-".split("");

const hostname = fc.oneof({ weight: 3, arbitrary: fc.stringMatching(LABEL) }, { weight: 1, arbitrary: fc.constantFrom(...NASTY_NAMES) });
const mac = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 }).map((b) => b.map((x) => x.toString(16).padStart(2, "0")).join(":"));
const dnsName = fc.array(fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/), { minLength: 2, maxLength: 4 }).map((l) => l.join("."));
const segment = fc.array(fc.constantFrom(...PATH_CHARS), { minLength: 1, maxLength: 12 }).map((c) => c.join(""));
const tree = fc.array(segment, { minLength: 1, maxLength: 6 }).map((s) => `/afs/${s.join("/")}`);
const token = fc.stringMatching(/^[A-Za-z0-9_-]{16,43}$/);
/** A DHCP event hook: every character lib/validation/network.ts allows ('.' alone and '..' are fine as parts of a name). */
const hookPath = fc
  .array(
    fc.stringMatching(/^[A-Za-z0-9._+-]{1,20}$/).filter((s) => s !== ".."),
    { minLength: 1, maxLength: 5 },
  )
  .map((s) => `/${s.join("/")}`);

/**
 * A fleet with 1–2 networks (10.x blocks of /16–/28), some with a discovery range at the top of the
 * block (hosts never in it) or a DHCP event hook, and up to `maxHosts` hosts in each, some with
 * UEFI Secure Boot.
 */
export function arbFleet(maxHosts = 8): fc.Arbitrary<FleetSnapshot> {
  const network = fc
    .record({
      block: fc.integer({ min: 0, max: 255 }),
      prefix: fc.integer({ min: 16, max: 28 }),
      bits: fc.integer({ min: 0, max: 2 ** 16 - 1 }),
      domain: fc.option(dnsName, { nil: null }),
      range: fc.option(fc.record({ length: fc.integer({ min: 1, max: 300 }), gap: fc.integer({ min: 0, max: 20 }) }), { nil: null }),
      hook: fc.option(hookPath, { nil: null }),
    })
    .map(({ block, prefix, bits, domain, range, hook }) => {
      const size = 2 ** (32 - prefix);
      const raw = parseIpv4(`10.${block}.0.0`)! + bits;
      const base = raw - (raw % size);
      // above the gateway and boot server (base + 1, base + 2), below the broadcast address
      const last = base + size - 2 - Math.min(range?.gap ?? 0, size - 5);
      const discovery = range && { first: Math.max(base + 3, last - range.length + 1), last };
      return { base, size, prefix, domain, discovery, hook };
    });
  return fc
    .record({
      nets: fc.uniqueArray(network, { minLength: 1, maxLength: 2, selector: (n) => Math.floor(n.base / 65536) }),
      cells: fc.uniqueArray(dnsName, { minLength: 1, maxLength: 2 }),
      trees: fc.uniqueArray(tree, { minLength: 1, maxLength: 3 }),
      hosts: fc.uniqueArray(
        fc.record({ name: hostname, mac, net: fc.nat(), slot: fc.nat(), cell: fc.nat(), tree: fc.nat(), token, secureBoot: fc.boolean() }),
        {
          maxLength: maxHosts * 2,
          selector: (h) => h.name,
        },
      ),
    })
    .map(({ nets, cells, trees, hosts }) => {
      const networks = nets.map((n, i) => ({
        name: `net${i}`,
        subnet: `${formatIpv4(n.base)}/${n.prefix}`,
        gateway: formatIpv4(n.base + 1),
        dns: [formatIpv4(n.base + 1), formatIpv4(n.base + 2)],
        domain: n.domain,
        bootServer: formatIpv4(n.base + 2),
        reportUrl: `http://${formatIpv4(n.base + 2)}:3000`,
        discoveryRange: n.discovery && `${formatIpv4(n.discovery.first)}-${formatIpv4(n.discovery.last)}`,
        dhcpEventHook: n.hook,
      }));
      const versions: SnapVersion[] = trees.map((t, i) => ({
        release: `rel-${i}`,
        version: "1",
        tree: t,
        kernel: { name: "vmlinuz", sha256: "a".repeat(64), size: 1 },
        baseInitrd: { name: "initrd.img", sha256: "b".repeat(64), size: 1 },
        modules: [],
        readonly: ["usr"],
        writable: ["etc"],
        tmpfsSize: "64M",
      }));
      const usedMac = new Set<string>();
      const usedIp = new Set<number>();
      const snapHosts: SnapHost[] = [];
      for (const h of hosts) {
        const n = nets[h.net % nets.length]!;
        const ip = n.base + 1 + (h.slot % (n.size - 2));
        if (usedMac.has(h.mac) || usedIp.has(ip) || (n.discovery && ip >= n.discovery.first && ip <= n.discovery.last)) continue;
        usedMac.add(h.mac);
        usedIp.add(ip);
        const v = versions[h.tree % versions.length]!;
        const base = { tags: [], cacheBlocks: null, tmpfsSize: null, kernelArgs: null, nicModule: null, machineId: null };
        snapHosts.push({
          ...base,
          name: h.name,
          mac: h.mac,
          ip: formatIpv4(ip),
          network: networks[h.net % nets.length]!.name,
          cell: cells[h.cell % cells.length]!,
          release: v.release,
          version: v.version,
          reportToken: h.token,
          secureBoot: h.secureBoot,
        });
      }
      const cellObjs = [...cells]
        .sort()
        .map((c) => ({ name: c, client: "kafs" as const, servers: [], bootRoot: `/afs/${c}/boot`, cacheMemcache: true, cacheBlocks: 65536 }));
      return { networks, cells: cellObjs, versions, hosts: snapHosts.sort((a, b) => (a.name < b.name ? -1 : 1)) };
    });
}

describe("arbFleet", () => {
  it("makes fleets whose hosts lie in their networks, with unique names, MACs and IPs", () => {
    fc.assert(
      fc.property(arbFleet(), (snap) => {
        expect(new Set(snap.hosts.map((h) => h.name)).size).toBe(snap.hosts.length);
        expect(new Set(snap.hosts.map((h) => h.mac)).size).toBe(snap.hosts.length);
        expect(new Set(snap.hosts.map((h) => h.ip)).size).toBe(snap.hosts.length);
        for (const h of snap.hosts) expect(snap.networks.some((n) => n.name === h.network)).toBe(true);
        for (const n of snap.networks.filter((x) => x.discoveryRange)) {
          const [first, last] = n.discoveryRange!.split("-").map((a) => parseIpv4(a)!);
          expect(first).toBeLessThanOrEqual(last!);
          for (const h of snap.hosts) expect(parseIpv4(h.ip)! < first! || parseIpv4(h.ip)! > last!).toBe(true);
        }
      }),
      { numRuns: 50 },
    );
  });
});
