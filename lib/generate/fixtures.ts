import { createHash } from "node:crypto";
import type { FleetSnapshot } from "./snapshot";

// A varied fleet for golden-file and validator tests: two networks, both AFS client kinds,
// pinned and floating versions, overrides, odd but valid values; node002 and r-02 boot with UEFI
// Secure Boot (deb-12@3 has a signed kernel and modules), one on each network.
export const FIXTURE: FleetSnapshot = {
  networks: [
    {
      name: "lab",
      subnet: "10.0.0.0/24",
      gateway: "10.0.0.1",
      dns: ["10.0.0.1", "10.0.0.2"],
      domain: "lab.example.org",
      bootServer: "10.0.0.1",
      reportUrl: "http://10.0.0.1:3000",
    },
    {
      name: "render",
      subnet: "172.16.0.0/22",
      gateway: "172.16.3.254",
      dns: ["172.16.0.53"],
      domain: null,
      bootServer: "172.16.0.10",
      bootUrl: "http://afsboot.example.org:3000/boot/",
      reportUrl: "https://afsboot.example.org",
    },
  ],
  cells: [
    {
      name: "example.org",
      client: "kafs",
      servers: [
        { name: "afsdb1.example.org", ip: "10.0.0.5" },
        { name: "afsdb2.example.org", ip: "10.0.0.6" },
      ],
      bootRoot: "/afs/example.org/boot",
      cacheMemcache: true,
      cacheBlocks: 65536,
    },
    {
      name: "grand.central.org",
      client: "openafs",
      servers: [{ name: "db.grand.central.org", ip: "172.16.0.20" }],
      bootRoot: "/afs/grand.central.org/boot",
      cacheMemcache: true,
      cacheBlocks: 131072,
    },
  ],
  versions: [
    {
      release: "deb-12",
      version: "3",
      tree: "/afs/example.org/boot/debian/12",
      kernel: { name: "vmlinuz-6.1.0-28-amd64", sha256: "a".repeat(64), size: 8_000_000 },
      baseInitrd: { name: "modules-6.1.0-28.cpio.gz", sha256: "b".repeat(64), size: 2_000_000 },
      modules: ["virtio_pci", "virtio_net", "e1000"],
      readonly: ["bin", "lib", "lib64", "sbin", "usr", "opt"],
      writable: ["etc", "var", "root"],
      tmpfsSize: "512M",
      signedKernel: true,
      signedModules: true,
    },
    {
      release: "rh-7.3",
      version: "1",
      tree: "/afs/grand.central.org/boot/RH/7.3",
      kernel: { name: "vmlinuz-2.4.20-20.7", sha256: "c".repeat(64), size: 1_000_000 },
      baseInitrd: { name: "initrd-2.4.20-20.7.img", sha256: "d".repeat(64), size: 500_000 },
      modules: ["e1000"],
      readonly: ["bin", "lib", "opt", "sbin", "usr", "var/lib/rpm"],
      writable: ["etc", "dev", "var"],
      tmpfsSize: "90M",
    },
  ],
  hosts: [
    {
      name: "node001",
      mac: "52:54:00:12:34:56",
      ip: "10.0.0.11",
      network: "lab",
      cell: "example.org",
      release: "deb-12",
      version: "3",
      tags: ["render"],
      cacheBlocks: null,
      tmpfsSize: null,
      kernelArgs: null,
      nicModule: null,
      reportToken: "tok-node001-AbC_d9",
      machineId: "8a3f6c1d2e4b5a69788796a5b4c3d2e1",
    },
    {
      name: "node002",
      mac: "52:54:00:12:34:57",
      ip: "10.0.0.12",
      network: "lab",
      cell: "example.org",
      release: "deb-12",
      version: "3",
      tags: [],
      cacheBlocks: 32768,
      tmpfsSize: "1G",
      kernelArgs: "console=ttyS0,115200 loglevel=7",
      nicModule: "e1000e",
      reportToken: "tok-node002-xyz",
      machineId: "5e0b2c4d6f8a1b3c5d7e9f0a2b4c6d8e",
      secureBoot: true,
    },
    {
      name: "r-01",
      mac: "02:00:ac:10:00:65",
      ip: "172.16.0.101",
      network: "render",
      cell: "grand.central.org",
      release: "rh-7.3",
      version: "1",
      tags: ["gpu", "render"],
      cacheBlocks: null,
      tmpfsSize: null,
      kernelArgs: null,
      nicModule: null,
      reportToken: "tok-r01",
      machineId: null,
    },
    {
      name: "r-02",
      mac: "02:00:ac:10:00:66",
      ip: "172.16.2.7",
      network: "render",
      cell: "example.org",
      release: "deb-12",
      version: "3",
      tags: [],
      cacheBlocks: null,
      tmpfsSize: "50%",
      kernelArgs: "quiet",
      nicModule: null,
      reportToken: "tok-r02",
      machineId: null,
      secureBoot: true,
    },
  ],
};

/**
 * FIXTURE with a discovery range on each network (networks renamed, so that their golden files sit
 * beside FIXTURE's): lab's at the top of its /24, render's a whole inner /24 of its /22 (.0 and
 * .255 of it are host addresses there), served from the boot files URL.
 */
export const DISCOVERY_FIXTURE: FleetSnapshot = {
  ...FIXTURE,
  networks: [
    { ...FIXTURE.networks[0]!, name: "lab-discovery", discoveryRange: "10.0.0.200-10.0.0.220" },
    { ...FIXTURE.networks[1]!, name: "render-discovery", discoveryRange: "172.16.1.0-172.16.1.255" },
  ],
  hosts: FIXTURE.hosts.map((h) => ({ ...h, network: `${h.network}-discovery` })),
};

/**
 * FIXTURE with the DHCP event hook on each network (networks renamed, like DISCOVERY_FIXTURE's):
 * lab's alone, render's together with a discovery range.
 */
export const HOOK_FIXTURE: FleetSnapshot = {
  ...FIXTURE,
  networks: [
    { ...FIXTURE.networks[0]!, name: "lab-hook", dhcpEventHook: "/usr/local/sbin/afsboot-dhcp-event" },
    { ...FIXTURE.networks[1]!, name: "render-hook", discoveryRange: "172.16.1.0-172.16.1.255", dhcpEventHook: "/opt/afsboot/bin/afsboot-dhcp-event" },
  ],
  hosts: FIXTURE.hosts.map((h) => ({ ...h, network: `${h.network}-hook` })),
};

/**
 * FIXTURE with two boot servers per network (networks renamed, like DISCOVERY_FIXTURE's): lab's in
 * hot standby with a discovery range and the DHCP hook, each server fed by delivery; render's in
 * load balancing with three servers (the third a backup) and a discovery range, its boot files
 * from a URL per server.
 */
export const FAILOVER_FIXTURE: FleetSnapshot = {
  ...FIXTURE,
  networks: [
    {
      ...FIXTURE.networks[0]!,
      name: "lab-ha",
      bootServer: "10.0.0.2",
      discoveryRange: "10.0.0.200-10.0.0.220",
      dhcpEventHook: "/usr/local/sbin/afsboot-dhcp-event",
      bootServers: [
        { name: "boot1", address: "10.0.0.2", exportDir: "/srv/afsboot/current" },
        { name: "boot2", address: "10.0.0.3", exportDir: "/srv/afsboot/current" },
      ],
      dhcpFailover: "hot-standby",
    },
    {
      ...FIXTURE.networks[1]!,
      name: "render-ha",
      bootUrl: null,
      discoveryRange: "172.16.1.0-172.16.1.255",
      bootServers: [
        { name: "rboot1", address: "172.16.0.10", url: "http://rboot1.example.org/export/" },
        { name: "rboot2", address: "172.16.0.11", url: "http://rboot2.example.org/export/" },
        { name: "rboot3", address: "172.16.0.12" },
      ],
      dhcpFailover: "load-balancing",
    },
  ],
  hosts: FIXTURE.hosts.map((h) => ({ ...h, network: `${h.network}-ha` })),
};

/** An overlay sha256 for each (release version, cell) a snapshot's hosts boot, made from its key. */
export function overlaysFor(snap: FleetSnapshot): Map<string, string> {
  const m = new Map<string, string>();
  for (const h of snap.hosts) {
    const key = `${h.release}@${h.version}/${h.cell}`;
    m.set(key, createHash("sha256").update(key).digest("hex"));
  }
  return m;
}
