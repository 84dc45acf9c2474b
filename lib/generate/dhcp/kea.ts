import { hooksDirProblem } from "../../net/hook-path";
import { parseIpv4 } from "../../net/ipv4";
import { BOOT_LOADERS, LAYOUT, httpBase, type DhcpSnapshot } from "../snapshot";
import { DISCOVERY_LEASE_SECONDS, DhcpGenerateError, LEASE_SECONDS, resolveDhcpNetwork, type DhcpHost, type DhcpNetwork } from "./resolve";

// kea-dhcp4 configuration for one network. Measured with kea-dhcp4 2.2 (facts behind the shape):
//
// - Fixed fields (next-server, boot-file-name) of a reservation, and of classes a reservation
//   assigns, beat those of classes assigned by test. A per-host class carrying the iPXE URL would
//   therefore reach the firmware PXE stage too, which cannot fetch an http:// file. A class per
//   host that tests the MAC works, but Kea evaluates every class for every packet: 10,000 of them
//   cost 8.5 ms of CPU per packet against 0.4 ms without, minutes of queueing in a boot storm.
//   So iPXE clients get boot.ipxe, which chains the host's own script (ipxe/01-<mac>.ipxe, by the
//   MAC iPXE booted from), from a class of the subnet's; firmware clients get the loader from an
//   arch class. Arch classes exclude iPXE clients, so no two classes ever compete. The subnet
//   itself names no boot file, so that a client no class gives one (a Secure Boot host's UEFI HTTP
//   boot, below) gets none.
// - String option data is split at unescaped commas and silently truncated to the first part
//   (`kea-dhcp4 -t` accepts it): commas in the root path are written as "\,".
// - With match-client-id (the default), a client that presents another client identifier than
//   the one holding its lease (firmware PXE, iPXE and the initrd's udhcpc differ) finds its
//   reserved address "in use" and, with no pool, gets nothing. Leases follow the MAC instead.
// - A discovery range is a pool guarded by the built-in class UNKNOWN (no reservation for the
//   client), so an enrolled host never takes a pool address. Pools in 2.2 have no lifetime of their
//   own: the short lease comes from a class that tests UNKNOWN (Kea evaluates such classes after
//   the reservation lookup), whose valid-lifetime beats the subnet's.
// - UEFI loaders depend on the host (shim for Secure Boot, iPXE otherwise) and, for HTTP boot, on
//   the network (a URL from its HTTP base), so they cannot come from classes assigned by test on
//   arrival: those know neither. The arch classes only mark the firmware; the loader comes from
//   classes each subnet requires (require-client-classes, evaluated after the reservation is found
//   and its client-classes assigned), in the subnet's order, the first boot file found winning: a
//   Secure Boot host's reservation assigns afsboot-secure-boot, which the shim class tests before
//   the iPXE one. A few classes per subnet, evaluated once a lease is chosen: no per-host class.
// - UEFI HTTP boot (arch 16) takes only an answer with option 60 "HTTPClient": always-send, whether
//   the client asks for it or not. It comes with the URL from the subnet's HTTP boot class, which
//   a Secure Boot host is no member of: it gets neither (see urlClasses).

export interface KeaOptions {
  /** Directory of Kea's hook libraries on the DHCP server, where libdhcp_run_script.so lies. */
  keaHooksDir?: string;
}

/**
 * Kea's hook libraries in Debian and Ubuntu (amd64, package kea-common). Elsewhere the data layer
 * passes AFSBOOT_KEA_HOOKS_DIR (e.g. /usr/lib64/kea/hooks on RHEL, /usr/local/lib/kea/hooks when
 * built from source).
 */
export const DEFAULT_KEA_HOOKS_DIR = "/usr/lib/x86_64-linux-gnu/kea/hooks";

/** Kea reads commas in option data as value separators. */
const optionString = (value: string) => value.replace(/,/g, "\\,");

/**
 * Kea subnet ids must be unique in a server and stable (leases refer to them): derived from the
 * subnet's address, so adding or renaming networks changes no id and subnets of several files can
 * be merged into one server. 0 means "assign one" and 2^32-1 is out of range, hence the +1.
 */
function subnetId(address: string): number {
  const id = parseIpv4(address)! + 1;
  if (id > 4294967294) throw new DhcpGenerateError(`subnet ${address} cannot be given a Kea subnet id`);
  return id;
}

/** Classes identical in every network's file, so that files can be merged. */
const IPXE = "afsboot-ipxe";
const EFI64 = "afsboot-efi64";
const HTTP = "afsboot-http";
const SECURE_BOOT = "afsboot-secure-boot";
const SHIM = "afsboot-shim";
const SNPONLY = "afsboot-snponly";
const CLASSES = [
  // iPXE sends user-class "iPXE" (raw, not RFC 3004) and its own option 175.
  { name: IPXE, test: "option[77].hex == 'iPXE' or option[175].exists" },
  // x86-64 UEFI PXE and HTTP boot: their loaders come from the classes the subnets require
  { name: EFI64, test: `not member('${IPXE}') and (option[93].hex == 0x0007 or option[93].hex == 0x0009)` },
  { name: HTTP, test: `not member('${IPXE}') and option[93].hex == 0x0010 and substring(option[60].hex,0,10) == 'HTTPClient'` },
  { name: "afsboot-bios", test: `not member('${IPXE}') and not member('${EFI64}') and not member('${HTTP}')`, "boot-file-name": BOOT_LOADERS.bios },
  // assigned by the reservations of hosts with UEFI Secure Boot
  { name: SECURE_BOOT },
  { name: SHIM, "only-if-required": true, test: `member('${EFI64}') and member('${SECURE_BOOT}')`, "boot-file-name": BOOT_LOADERS.shim },
  { name: SNPONLY, "only-if-required": true, test: `member('${EFI64}')`, "boot-file-name": BOOT_LOADERS.efi64 },
];
/** A subnet's boot classes whose files are URLs: they name its (or its boot server's) HTTP base. */
const ipxeBoot = (network: string) => `afsboot-ipxe-boot-${network}`;
const httpSnponly = (network: string) => `afsboot-http-snponly-${network}`;
function urlClasses({ net, httpBootUrl }: DhcpNetwork) {
  return [
    { name: ipxeBoot(net.name), "only-if-required": true, test: `member('${IPXE}')`, "boot-file-name": `${httpBase(net)}${LAYOUT.ipxeBoot}` },
    // UEFI HTTP boot: iPXE's URL and option 60, but not for a Secure Boot host, which gets neither.
    // Over HTTP shim loads GRUB, but Debian's signed GRUB cannot open its (http,SERVER) prefix and
    // stops at an interactive `grub>` prompt for good (its built-in config is signed). With no
    // answer its firmware's HTTP boot fails at once and it goes on to firmware PXE, which works.
    {
      name: httpSnponly(net.name),
      "only-if-required": true,
      test: `member('${HTTP}') and not member('${SECURE_BOOT}')`,
      "boot-file-name": httpBootUrl,
      "option-data": [{ name: "vendor-class-identifier", data: "HTTPClient", "always-send": true }],
    },
  ];
}
/** Only in files of networks with a discovery range (the files of the others stay as they were). */
const DISCOVERY_CLASS = {
  name: "afsboot-discovery",
  test: "member('UNKNOWN')",
  "valid-lifetime": DISCOVERY_LEASE_SECONDS,
  "min-valid-lifetime": DISCOVERY_LEASE_SECONDS,
  "max-valid-lifetime": DISCOVERY_LEASE_SECONDS,
};

/**
 * One host's reservation, the very object the network's file holds (the file is built from it).
 * Key order is part of the output: the file is written by JSON.stringify.
 */
export function keaReservation(h: DhcpHost) {
  return {
    "hw-address": h.mac,
    "ip-address": h.ip,
    hostname: h.name,
    "option-data": [{ name: "root-path", data: optionString(h.rootPath) }],
    ...(h.secureBoot ? { "client-classes": [SECURE_BOOT] } : {}),
  };
}

export function generateKea(snap: DhcpSnapshot, networkName: string, opts: KeaOptions = {}): string {
  return renderKea(resolveDhcpNetwork(snap, networkName), opts);
}

/** The Kea file of a resolved network (see generateKea). */
export function renderKea(network: DhcpNetwork, opts: KeaOptions = {}): string {
  const { net, hosts, discovery, eventHook } = network;
  const comment = [
    `Kea DHCPv4 configuration for network ${net.name} (${net.subnet}), ${hosts.length} host${hosts.length === 1 ? "" : "s"}.`,
    "Generated by AFSBoot from its database: do not edit, the next publish rewrites it.",
    discovery
      ? `Enrolled hosts get their reserved address. Machines that are not enrolled get a ${DISCOVERY_LEASE_SECONDS}-second lease from the discovery pool ${discovery.first} - ${discovery.last} (class UNKNOWN) and boot the discovery image.`
      : "Only enrolled hosts get an address: the subnet has no pool.",
    ...(eventHook
      ? [`Boot events go to the AFSBoot DHCP hook ${eventHook} (through the run_script hook library), which reports leases to boot firmware as the dhcp stage.`]
      : []),
    "To apply a change, send kea-dhcp4 SIGHUP: it re-reads this file.",
  ].join(" ");
  return renderKeaConfig(comment, [network], opts, null);
}

/** Kea's HA hook for one server of a relationship (see failover.ts). */
export interface KeaHa {
  thisServer: string;
  mode: "hot-standby" | "load-balancing";
  peers: { name: string; url: string; role: "primary" | "secondary" | "standby" | "backup" }[];
  /** 0: take over as soon as the partner stops answering (see failover.ts). */
  maxUnackedClients: number;
}

/** A directory of Kea's hook libraries, checked. */
function hooksDir(opts: KeaOptions): string {
  const dir = (opts.keaHooksDir ?? DEFAULT_KEA_HOOKS_DIR).replace(/(.)\/+$/, "$1");
  if (hooksDirProblem(dir)) {
    throw new DhcpGenerateError(`Kea hooks directory ${JSON.stringify(dir)} must be an absolute path of letters, digits and . _ + / -`);
  }
  return dir === "/" ? "" : dir;
}

function keaSubnet({ net, address, prefix, hosts, discovery }: DhcpNetwork) {
  const optionData = [
    { name: "routers", data: net.gateway },
    ...(net.dns.length ? [{ name: "domain-name-servers", data: net.dns.join(", ") }] : []),
    ...(net.domain ? [{ name: "domain-name", data: net.domain }] : []),
  ];
  return {
    id: subnetId(address),
    comment: `network ${net.name}`,
    subnet: `${address}/${prefix}`,
    "next-server": net.bootServer,
    // No boot-file-name: every client gets its boot file from a class (see above). In this order:
    // the first boot file found wins, shim before iPXE.
    "require-client-classes": [SHIM, SNPONLY, httpSnponly(net.name), ipxeBoot(net.name)],
    "option-data": optionData,
    ...(discovery ? { pools: [{ pool: `${discovery.first} - ${discovery.last}`, "client-class": "UNKNOWN" }] } : {}),
    reservations: hosts.map(keaReservation),
  };
}

/**
 * A complete kea-dhcp4 configuration serving `networks` (one subnet each), with the HA hook when
 * `ha` is given. Networks served together must agree on their DHCP event hook: one process loads one.
 */
export function renderKeaConfig(comment: string, networks: DhcpNetwork[], opts: KeaOptions, ha: KeaHa | null): string {
  const discovery = networks.some((n) => n.discovery);
  const hooks = [...new Set(networks.map((n) => n.eventHook).filter((h): h is string => h !== null))];
  if (hooks.length > 1)
    throw new DhcpGenerateError(
      `networks ${networks.map((n) => n.net.name).join(", ")} are served by one Kea but name different DHCP event hooks (${hooks.join(", ")})`,
    );
  const eventHook = hooks[0];
  const dir = ha || eventHook ? hooksDir(opts) : "";
  const libraries = [
    // Asynchronous: Kea does not wait for the script, which reports in the background anyway.
    ...(eventHook ? [{ library: `${dir}/libdhcp_run_script.so`, parameters: { name: eventHook, sync: false } }] : []),
    ...(ha
      ? [
          // the HA hook sends leases to its partner through lease_cmds
          { library: `${dir}/libdhcp_lease_cmds.so` },
          {
            library: `${dir}/libdhcp_ha.so`,
            parameters: {
              "high-availability": [
                {
                  "this-server-name": ha.thisServer,
                  mode: ha.mode,
                  "heartbeat-delay": 3000,
                  "max-response-delay": 10000,
                  "max-ack-delay": 5000,
                  "max-unacked-clients": ha.maxUnackedClients,
                  // the peers talk through the hook's own HTTP listener: no kea-ctrl-agent needed
                  "multi-threading": { "enable-multi-threading": true, "http-dedicated-listener": true, "http-listener-threads": 2, "http-client-threads": 2 },
                  peers: ha.peers.map((p) => ({ name: p.name, url: p.url, role: p.role, "auto-failover": true })),
                },
              ],
            },
          },
        ]
      : []),
  ];
  const config = {
    Dhcp4: {
      comment,
      // "*" so that the file validates anywhere; narrow it on the server if it has several links.
      "interfaces-config": { interfaces: ["*"] },
      // Without a pool every address is reserved: a lost lease is handed out again the same, nothing
      // to keep. Pool leases are kept (Kea's default lease file), so that a restart does not hand
      // out an address a discovering machine still holds.
      "lease-database": discovery ? { type: "memfile", persist: true, "lfc-interval": 3600 } : { type: "memfile", persist: false },
      "match-client-id": false,
      authoritative: false,
      "valid-lifetime": LEASE_SECONDS,
      "client-classes": [...CLASSES, ...networks.flatMap(urlClasses), ...(discovery ? [DISCOVERY_CLASS] : [])],
      // the HA hook's dedicated listener needs the server's multi-threading
      ...(ha ? { "multi-threading": { "enable-multi-threading": true, "thread-pool-size": 4, "packet-queue-size": 64 } } : {}),
      ...(libraries.length ? { "hooks-libraries": libraries } : {}),
      subnet4: networks.map(keaSubnet),
    },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
