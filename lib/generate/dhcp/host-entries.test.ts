import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FIXTURE } from "../fixtures";
import { LAYOUT, type FleetSnapshot } from "../snapshot";
import { arbFleet } from "./arbitraries.test";
import { DhcpGenerateError, dhcpFiles, dhcpdEntryPublished, generateDhcpd, generateDnsmasqHosts, generateKea, hostDhcpEntries } from "./index";

// A host's entries (for its page) against the files the network publishes: the same text, since
// the files are made of the same per-host functions.

const OPTS = { exportDir: "/srv/afsboot" };
type Reservation = { hostname: string };

/** Every host's fragments checked against its network's files, the files against all fragments. */
function checkFleet(snap: FleetSnapshot) {
  const files = new Map(dhcpFiles(snap, OPTS).map((f) => [f.path, f.content]));
  for (const net of snap.networks) {
    const dhcpd = files.get(LAYOUT.dhcpd(net.name))!;
    const kea = files.get(LAYOUT.kea(net.name))!;
    const hostsFile = files.get(LAYOUT.dnsmasqHosts(net.name))!;
    const reservations = JSON.parse(kea).Dhcp4.subnet4[0].reservations as Reservation[];
    const names = snap.hosts
      .filter((h) => h.network === net.name)
      .map((h) => h.name)
      .sort();
    const entries = names.map((name) => ({ name, ...hostDhcpEntries(snap, name) }));
    for (const e of entries) {
      // its declaration, in a group of its own with its group's boot statements, as the file holds them
      expect(e.dhcpd).toMatch(new RegExp(`^ {2}group \\{\\n[^]*\\n\\n {4}host ${e.name} \\{\\n[^]*\\n {4}\\}\\n {2}\\}\\n$`));
      expect(dhcpdEntryPublished(dhcpd, e.dhcpd)).toBe(true);
      expect(JSON.parse(e.kea)).toEqual(reservations.find((r) => r.hostname === e.name));
      // and printed the same: the file's lines, ten spaces further in
      expect(kea).toContain(
        e.kea
          .trimEnd()
          .split("\n")
          .map((l) => `          ${l}`)
          .join("\n"),
      );
      expect(hostsFile.split("\n")).toContain(e.dnsmasq.slice(0, -1));
      expect(e.dnsmasq).toMatch(/^[^\n]+\n$/);
    }
    // the host parts of the file are these fragments and nothing else, in host-name order within
    // their group (the hosts without Secure Boot, then those with), the groups closing the subnet
    const secure = new Set(snap.hosts.filter((h) => h.secureBoot).map((h) => h.name));
    const declared = [...dhcpd.matchAll(/^ {4}host [^]*?^ {4}\}\n/gm)].map((m) => m[0]);
    const declaration = (entry: string) => entry.slice(entry.indexOf("\n    host ") + 1, -"  }\n".length);
    expect(declared).toEqual([...entries.filter((e) => !secure.has(e.name)), ...entries.filter((e) => secure.has(e.name))].map((e) => declaration(e.dhcpd)));
    if (entries.length) expect(dhcpd.endsWith("    }\n  }\n}\n")).toBe(true);
    expect(reservations.map((r) => JSON.stringify(r, null, 2) + "\n")).toEqual(entries.map((e) => e.kea));
    expect(hostsFile.slice(hostsFile.indexOf("\n") + 1)).toBe(entries.map((e) => e.dnsmasq).join(""));
  }
}

describe("hostDhcpEntries", () => {
  it("gives each FIXTURE host's entries exactly as its network's files hold them", () => {
    checkFleet(FIXTURE);
    const e = hostDhcpEntries(FIXTURE, "r-01");
    expect(e.dhcpd.startsWith("  group {\n    next-server 172.16.0.10;\n")).toBe(true);
    expect(e.dhcpd).toContain(
      '\n\n    host r-01 {\n      hardware ethernet 02:00:ac:10:00:65;\n      fixed-address 172.16.0.101;\n      option host-name "r-01";\n',
    );
    expect(dhcpdEntryPublished(generateDhcpd(FIXTURE, "render"), e.dhcpd)).toBe(true);
    expect(JSON.parse(e.kea)).toEqual(JSON.parse(generateKea(FIXTURE, "render")).Dhcp4.subnet4[0].reservations[0]);
    expect(e.dnsmasq).toMatch(/^02:00:ac:10:00:65,id:\*,set:root-[0-9a-f]{16},172\.16\.0\.101,"r-01"\n$/);
    expect(generateDnsmasqHosts(FIXTURE, "render")).toContain(`\n${e.dnsmasq}`);
  });

  it("a dhcpd file serves a host's entry only with the host in a group of its boot statements", () => {
    const sb = FIXTURE.hosts.find((h) => h.secureBoot)!;
    const file = generateDhcpd(FIXTURE, sb.network);
    const entry = hostDhcpEntries(FIXTURE, sb.name).dhcpd;
    expect(dhcpdEntryPublished(file, entry)).toBe(true);
    // Secure Boot turned off: the same declaration, in the other group; the file published before does not serve it
    const off: FleetSnapshot = { ...FIXTURE, hosts: FIXTURE.hosts.map((h) => (h.name === sb.name ? { ...h, secureBoot: false } : h)) };
    const offEntry = hostDhcpEntries(off, sb.name).dhcpd;
    expect(offEntry.slice(offEntry.indexOf("\n    host "))).toBe(entry.slice(entry.indexOf("\n    host ")));
    expect(dhcpdEntryPublished(file, offEntry)).toBe(false);
    expect(dhcpdEntryPublished(generateDhcpd(off, sb.network), offEntry)).toBe(true);
    expect(dhcpdEntryPublished(generateDhcpd(off, sb.network), entry)).toBe(false);
    // nor a file without the host, nor one where its declaration comes after its group ended
    const other = FIXTURE.hosts.find((h) => h.network === sb.network && h.name !== sb.name && !h.secureBoot);
    if (other) expect(dhcpdEntryPublished(file.replace(/\n {2}group \{\n[^]*?\n {2}\}\n/, ""), hostDhcpEntries(FIXTURE, other.name).dhcpd)).toBe(false);
    expect(dhcpdEntryPublished(`${file}\n${entry.slice(entry.indexOf("\n    host ") + 1, -4)}`, offEntry)).toBe(false);
    expect(dhcpdEntryPublished(file, "not an entry")).toBe(false);
  });

  it("holds for arbitrary fleets (property)", () => {
    fc.assert(fc.property(arbFleet(), checkFleet), { numRuns: 100 });
  });

  it("throws a clear error for an unknown host, and the network's own error for a bad one", () => {
    expect(() => hostDhcpEntries(FIXTURE, "nope")).toThrow(DhcpGenerateError);
    expect(() => hostDhcpEntries(FIXTURE, "nope")).toThrow('host "nope" is not in the snapshot');
    const bad = structuredClone(FIXTURE);
    bad.hosts[1]!.ip = bad.hosts[0]!.ip; // node002 takes node001's address
    expect(() => hostDhcpEntries(bad, "node001")).toThrow(/network lab: host "node002": another host of the network has the same IP 10\.0\.0\.11/);
    const twins = { ...FIXTURE, hosts: [...FIXTURE.hosts, { ...FIXTURE.hosts[2]!, network: "lab", ip: "10.0.0.99", mac: "52:54:00:00:00:99" }] };
    expect(() => hostDhcpEntries(twins, "r-01")).toThrow(/names 2 hosts/);
  });
});
