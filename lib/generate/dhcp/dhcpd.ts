import { BOOT_LOADERS, LAYOUT, httpBase, type DhcpSnapshot, type SnapNetwork } from "../snapshot";
import { DISCOVERY_LEASE_SECONDS, LEASE_SECONDS, commentSafe, fail, resolveDhcpNetwork, type DhcpHost, type DhcpNetwork, type DiscoveryRange } from "./resolve";

// ISC dhcpd (4.4) configuration for one network. The resolution and checks it shares with the Kea
// and dnsmasq generators live in resolve.ts (re-exported here, where they used to be).

export { DhcpGenerateError, LEASE_SECONDS, commentSafe, resolveDhcpNetwork, rootPathOf, type DhcpHost, type DhcpNetwork } from "./resolve";

/** Strings are written bare inside double quotes: the checks above leave no '"' or '\' to escape. */
function str(value: string): string {
  if (!/^[\x21\x23-\x5b\x5d-\x7e]*$/.test(value)) fail(`value ${JSON.stringify(value)} cannot be written as a dhcpd string`);
  return `"${value}"`;
}

/**
 * One host's declaration, exactly as the network's file holds it: indented by four spaces (it sits
 * in its group inside the subnet block), ending with a newline. The file is built from this
 * function, so a host page that shows it shows the very bytes the server reads. What the host boots
 * is its group's (hostGroup): the host itself only says who it is and where its root is.
 */
function dhcpdHostBlock(h: DhcpHost): string {
  return (
    `    host ${h.name} {\n` +
    `      hardware ethernet ${h.mac};\n` +
    `      fixed-address ${h.ip};\n` +
    `      option host-name ${str(h.name)};\n` +
    `      option root-path ${str(h.rootPath)};\n` +
    "    }\n"
  );
}

/**
 * The iPXE script URL of the client asking, LAYOUT.ipxe of its MAC (`ipxe/01-52-54-00-12-34-56.ipxe`)
 * under the network's HTTP base, as a dhcpd expression: one for every host of a group, instead of
 * the boot statements in each host's declaration (a third of the file's size for 10,000 hosts).
 * binary-to-ascii drops leading zeros: each byte is padded back to two hex digits.
 */
function ipxeUrlOfClient(base: string): string {
  const byte = (i: number) => `suffix(concat("0", binary-to-ascii(16, 8, "", substring(hardware, ${i}, 1))), 2)`;
  const mac = [1, 2, 3, 4, 5, 6].map(byte).join(', "-", ');
  const [before, after] = LAYOUT.ipxe("MAC").split("MAC") as [string, string];
  return `= concat(${str(`${base}${before}`)}, ${mac}, ${str(after)})`;
}

/**
 * The hosts that boot alike, as a group: the boot statements once (iPXE gets the client's own
 * script URL, computed from its MAC), then the hosts' declarations. Secure Boot hosts have a group
 * of their own (shim, no answer to UEFI HTTP boot).
 */
function hostGroup(network: DhcpNetwork, hosts: DhcpHost[], secureBoot: boolean): string {
  if (hosts.length === 0) return "";
  let text =
    `\n  # ${hosts.length} host${hosts.length === 1 ? "" : "s"} ${secureBoot ? "with UEFI Secure Boot: shim for UEFI PXE, no answer to UEFI HTTP boot" : "without Secure Boot: iPXE (snponly.efi) for UEFI"}; iPXE then gets the host's own script.\n` +
    groupHead(network, secureBoot);
  // hosts separated by an empty line; one string per host, not an array of lines (10,000 hosts)
  for (const h of hosts) text += `\n${dhcpdHostBlock(h)}`;
  return `${text}${GROUP_END}`;
}

/** A group's opening and its boot statements, up to its first host's declaration. */
function groupHead({ net, httpBootUrl }: Pick<DhcpNetwork, "net" | "httpBootUrl">, secureBoot: boolean): string {
  return "  group {\n" + bootStatements(net, ipxeUrlOfClient(httpBase(net)), secureBoot ? SHIM_LOADERS : ipxeLoaders(httpBootUrl), "    ");
}
const GROUP_END = "  }\n";

/**
 * One host's entry for its host page and download: its declaration in a group of its own, with
 * the boot statements of its group in the file (a valid part of the network's subnet block, so an
 * admin may paste it into a dhcpd.conf of their own). The file holds the same group opening and
 * declaration, with the group's other hosts between them: see dhcpdEntryPublished.
 */
export function dhcpdHostEntry(network: Pick<DhcpNetwork, "net" | "httpBootUrl">, h: DhcpHost): string {
  return `${groupHead(network, h.secureBoot)}\n${dhcpdHostBlock(h)}${GROUP_END}`;
}

/**
 * Whether a dhcpd file (as published) serves a host as its entry (dhcpdHostEntry) says: it holds
 * the host's declaration, inside a group that opens with the entry's boot statements. (The
 * declaration alone is not enough: it stays the same when the host changes groups, its Secure Boot
 * turned on or off.)
 */
export function dhcpdEntryPublished(text: string, entry: string): boolean {
  const split = entry.indexOf("\n    host ");
  if (split < 0 || !entry.endsWith(GROUP_END)) return false;
  const head = entry.slice(0, split + 1);
  const block = entry.slice(split + 1, -GROUP_END.length);
  for (let at = text.indexOf(`\n${block}`); at >= 0; at = text.indexOf(`\n${block}`, at + 1)) {
    const group = text.lastIndexOf("\n  group {\n", at);
    // in a group with those statements, which has not ended before the declaration
    if (group >= 0 && text.startsWith(head, group + 1) && text.indexOf(`\n${GROUP_END}`, group) > at) return true;
  }
  return false;
}

/**
 * What UEFI firmware loads: over TFTP (PXE, arch 7 and 9) and as a URL (HTTP boot, arch 16); null:
 * no answer to HTTP boot.
 */
interface UefiLoaders {
  pxe: string;
  http: string | null;
}
const ipxeLoaders = (httpBootUrl: string): UefiLoaders => ({ pxe: BOOT_LOADERS.efi64, http: httpBootUrl });
/**
 * Secure Boot: shim over firmware PXE, and no answer to UEFI HTTP boot. Over HTTP shim does load
 * GRUB, but Debian's signed GRUB then cannot open its (http,SERVER) prefix and stops at an
 * interactive `grub>` prompt for good (its built-in config is signed: nothing we generate can change
 * it). Without a boot file and option 60 HTTPClient the firmware's HTTP boot attempt fails at once
 * and it goes on to its next boot option, firmware PXE, where the chain works.
 */
const SHIM_LOADERS: UefiLoaders = { pxe: BOOT_LOADERS.shim, http: null };

/** UEFI HTTP boot firmware (RFC 4578 arch 16, vendor class "HTTPClient:Arch:00016:…"). */
const HTTP_CLIENT = 'option afsboot-arch = 00:10 and exists vendor-class-identifier and substring(option vendor-class-identifier, 0, 10) = "HTTPClient"';

/**
 * next-server and the boot file by client: iPXE gets `ipxeFile` (a dhcpd string, or `= expression`); UEFI HTTP boot its loader's URL
 * and option 60 "HTTPClient" (the firmware takes no answer without it; dhcpd sends only options the
 * client asks for, so 60 joins the client's request list), or, for a Secure Boot host, neither
 * (SHIM_LOADERS: the branch stays, empty, so that the client does not fall through to BIOS); UEFI
 * PXE its loader; BIOS PXE undionly.kpxe.
 */
function bootStatements(net: SnapNetwork, ipxeFile: string, uefi: UefiLoaders, indent: string): string {
  const http =
    uefi.http === null
      ? `${indent}  # Secure Boot: no answer to UEFI HTTP boot (its GRUB cannot go on over HTTP), so the firmware goes on to PXE.\n`
      : `${indent}  option vendor-class-identifier "HTTPClient";\n` +
        `${indent}  option dhcp-parameter-request-list = concat(option dhcp-parameter-request-list, 3c);\n` +
        `${indent}  filename ${str(uefi.http)};\n`;
  return (
    `${indent}next-server ${net.bootServer};\n` +
    `${indent}if exists afsboot-ipxe-encap or (exists user-class and option user-class = "iPXE") {\n` +
    `${indent}  filename ${ipxeFile};\n` +
    `${indent}} elsif ${HTTP_CLIENT} {\n` +
    http +
    `${indent}} elsif option afsboot-arch = 00:07 or option afsboot-arch = 00:09 {\n` +
    `${indent}  filename ${str(uefi.pxe)};\n` +
    `${indent}} else {\n` +
    `${indent}  filename ${str(BOOT_LOADERS.bios)};\n` +
    `${indent}}\n`
  );
}

/**
 * The discovery pool: only clients without a host declaration may lease from it (a pool with a
 * permit list serves nobody else), for a short time. iPXE gets boot.ipxe, which finds no script for
 * the MAC and chains ipxe/default.ipxe, the discovery boot.
 */
function discoveryPool({ net, httpBootUrl }: DhcpNetwork, range: DiscoveryRange, failover: DhcpdFailover | null): string {
  return (
    `  # Discovery range: machines that are not enrolled lease from it for ${DISCOVERY_LEASE_SECONDS / 60} minutes and boot\n` +
    "  # the discovery image, which reports them (Hosts > Unknown hosts) and powers them off.\n" +
    "  pool {\n" +
    // dhcpd refuses dynamic BOOTP in a failover pool (it cannot be handed over)
    (failover ? `    failover peer ${str(failover.name)};\n    deny dynamic bootp clients;\n` : "") +
    `    range ${range.first} ${range.last};\n` +
    "    allow unknown-clients;\n" +
    `    default-lease-time ${DISCOVERY_LEASE_SECONDS};\n` +
    `    max-lease-time ${DISCOVERY_LEASE_SECONDS};\n` +
    bootStatements(net, str(`${httpBase(net)}${LAYOUT.ipxeBoot}`), ipxeLoaders(httpBootUrl), "    ") +
    "  }\n"
  );
}

/**
 * The DHCP event hook for dhcpd: `on commit`, only for boot firmware (iPXE as the host blocks tell
 * it, PXE ROMs by their vendor class), as `HOOK dhcpd-commit MAC IP FIRMWARE`. dhcpd waits for the
 * program: the hook returns at once and reports in the background. binary-to-ascii drops leading
 * zeros (52:54:0:12:34:56); the hook pads the MAC again.
 */
function onCommitHook(hook: string): string[] {
  const call = (firmware: string) =>
    `      execute(${str(hook)}, "dhcpd-commit", binary-to-ascii(16, 8, ":", substring(hardware, 1, 6)), binary-to-ascii(10, 8, ".", leased-address), ${str(firmware)});`;
  return [
    "  # The AFSBoot DHCP hook reports leases to boot firmware as the dhcp stage (it reads",
    "  # /etc/afsboot/dhcp-event.conf). An operating system renewing its lease is not a boot.",
    "  on commit {",
    '    if exists afsboot-ipxe-encap or (exists user-class and option user-class = "iPXE") {',
    call("iPXE"),
    '    } elsif exists vendor-class-identifier and substring(option vendor-class-identifier, 0, 9) = "PXEClient" {',
    call("PXE"),
    '    } elsif exists vendor-class-identifier and substring(option vendor-class-identifier, 0, 10) = "HTTPClient" {',
    call("HTTP"),
    "    }",
    "  }",
    "",
  ];
}

/**
 * dhcpd's failover for a network's pool (fixed addresses need none: both servers hold the same
 * host declarations). Exactly two peers; the primary's `split` says how it shares the pool: 255,
 * it answers every client while it is up (hot standby); 128, each answers half (load balancing).
 */
export interface DhcpdFailover {
  name: string;
  role: "primary" | "secondary";
  address: string;
  peerAddress: string;
  mode: "hot-standby" | "load-balancing";
}

/** The port of dhcpd's failover protocol (IANA "dhcp-failover 2"), on both peers. */
export const DHCPD_FAILOVER_PORT = 647;

function failoverPeer(f: DhcpdFailover): string[] {
  return [
    `# Failover of the discovery pool with ${f.peerAddress} (this server is the ${f.role}, ${f.mode}).`,
    `failover peer ${str(f.name)} {`,
    `  ${f.role};`,
    `  address ${f.address};`,
    `  port ${DHCPD_FAILOVER_PORT};`,
    `  peer address ${f.peerAddress};`,
    `  peer port ${DHCPD_FAILOVER_PORT};`,
    "  max-response-delay 30;",
    "  max-unacked-updates 10;",
    "  load balance max seconds 3;",
    // mclt and split are the primary's to say
    ...(f.role === "primary" ? ["  mclt 600;", `  split ${f.mode === "hot-standby" ? 255 : 128};`] : []),
    "}",
    "",
  ];
}

/** dhcpd.conf of a resolved network (see generateDhcpd); `failover` only for a network with a discovery range. */
export function renderDhcpd(network: DhcpNetwork, failover: DhcpdFailover | null = null): string {
  const { net, address, netmask, hosts, discovery, eventHook } = network;
  const head = [
    `# ISC dhcpd configuration for network ${commentSafe(net.name)} (${net.subnet}), ${hosts.length} host${hosts.length === 1 ? "" : "s"}.`,
    "# Generated by AFSBoot from its database: do not edit, the next publish rewrites it.",
    "# Include it from dhcpd.conf; files of several networks may be included together. To apply",
    ...(discovery
      ? [
          "# a change, restart dhcpd: it has no reload; fixed-address hosts keep no lease state, and",
          "# discovery leases survive in its lease file.",
          `# Enrolled hosts get their fixed address. Machines that are not enrolled get a short lease`,
          `# from the discovery range ${discovery.first}-${discovery.last} (the pool below) and boot the discovery image.`,
          "# Not authoritative, so another server may serve machines this file does not.",
        ]
      : [
          "# a change, restart dhcpd: it has no reload, and fixed-address hosts keep no lease state.",
          "# Only enrolled hosts get an address: the subnet has no pool, so machines that are not",
          "# enrolled get no lease from this file. Not authoritative, so another server may serve them.",
        ]),
    "",
    "# Client architecture (RFC 4578): 0 BIOS, 7 and 9 x86-64 UEFI, 16 x86-64 UEFI HTTP boot (which",
    '# also sends vendor class "HTTPClient" and wants it back, with a URL as its boot file). Hosts',
    "# with UEFI Secure Boot get shim (shimx64.efi, which loads GRUB) where the others get iPXE, and",
    "# no answer to UEFI HTTP boot (no file, no option 60: Debian's signed GRUB cannot go on over HTTP",
    "# and stops at its prompt), so that their firmware goes on to PXE.",
    "# Own names, so that an `arch` or `pxe-system-type` defined elsewhere does not clash.",
    "option afsboot-arch code 93 = unsigned integer 16;",
    '# iPXE sends its own option 175 (and user-class "iPXE"): such a client gets its script URL.',
    "option afsboot-ipxe-encap code 175 = string;",
    "",
    ...(failover && discovery ? failoverPeer(failover) : []),
    `subnet ${address} netmask ${netmask} {`,
    `  option routers ${net.gateway};`,
    ...(net.dns.length ? [`  option domain-name-servers ${net.dns.join(", ")};`] : []),
    ...(net.domain ? [`  option domain-name ${str(net.domain)};`] : []),
    `  default-lease-time ${LEASE_SECONDS};`,
    `  max-lease-time ${LEASE_SECONDS};`,
    "",
    ...(eventHook ? onCommitHook(eventHook) : []),
  ].join("\n");
  const pool = discovery ? `\n${discoveryPool(network, discovery, failover)}` : "";
  const body =
    hostGroup(
      network,
      hosts.filter((h) => !h.secureBoot),
      false,
    ) +
    hostGroup(
      network,
      hosts.filter((h) => h.secureBoot),
      true,
    );
  return `${head}${pool}${body}}\n`;
}

/**
 * dhcpd.conf for one network: option definitions, the subnet with its options, and one host
 * declaration per host. Meant to be included from the server's dhcpd.conf; the files of several
 * networks can be included together (identical option definitions may repeat).
 */
export function generateDhcpd(snap: DhcpSnapshot, networkName: string): string {
  return renderDhcpd(resolveDhcpNetwork(snap, networkName));
}
