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
 * One host's declaration, exactly as the network's file holds it: indented by two spaces (it sits
 * inside the subnet block), ending with a newline. The file is built from this function, so a
 * host page that shows it shows the very bytes the server reads.
 */
export function dhcpdHostBlock({ net, httpBootUrl }: Pick<DhcpNetwork, "net" | "httpBootUrl">, h: DhcpHost): string {
  return (
    `  host ${h.name} {\n` +
    `    hardware ethernet ${h.mac};\n` +
    `    fixed-address ${h.ip};\n` +
    `    option host-name ${str(h.name)};\n` +
    `    option root-path ${str(h.rootPath)};\n` +
    // Inside the host: its script URL is its own, and only the matched host's statements run.
    bootStatements(net, h.ipxeUrl, h.secureBoot ? SHIM_LOADERS : ipxeLoaders(httpBootUrl), "    ") +
    "  }\n"
  );
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
 * next-server and the boot file by client: iPXE gets `ipxeUrl`; UEFI HTTP boot its loader's URL
 * and option 60 "HTTPClient" (the firmware takes no answer without it; dhcpd sends only options the
 * client asks for, so 60 joins the client's request list), or, for a Secure Boot host, neither
 * (SHIM_LOADERS: the branch stays, empty, so that the client does not fall through to BIOS); UEFI
 * PXE its loader; BIOS PXE undionly.kpxe.
 */
function bootStatements(net: SnapNetwork, ipxeUrl: string, uefi: UefiLoaders, indent: string): string {
  const http =
    uefi.http === null
      ? `${indent}  # Secure Boot: no answer to UEFI HTTP boot (its GRUB cannot go on over HTTP), so the firmware goes on to PXE.\n`
      : `${indent}  option vendor-class-identifier "HTTPClient";\n` +
        `${indent}  option dhcp-parameter-request-list = concat(option dhcp-parameter-request-list, 3c);\n` +
        `${indent}  filename ${str(uefi.http)};\n`;
  return (
    `${indent}next-server ${net.bootServer};\n` +
    `${indent}if exists afsboot-ipxe-encap or (exists user-class and option user-class = "iPXE") {\n` +
    `${indent}  filename ${str(ipxeUrl)};\n` +
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
    bootStatements(net, `${httpBase(net)}${LAYOUT.ipxeBoot}`, ipxeLoaders(httpBootUrl), "    ") +
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
  // hosts separated by an empty line; one string per host, not an array of lines (10,000 hosts)
  let body = "";
  for (const h of hosts) body += `\n${dhcpdHostBlock(network, h)}`;
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
