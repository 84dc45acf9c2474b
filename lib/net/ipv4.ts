// Pure IPv4 helpers: parsing, CIDR arithmetic and sortable keys. No dependencies.

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Parses dotted-quad IPv4 (no leading zeros, no shorthand) to an unsigned number, or null. */
export function parseIpv4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return null;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function isIpv4(text: string): boolean {
  return parseIpv4(text) !== null;
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** Zero-padded form (010.000.000.011) that sorts lexicographically like the address. */
export function ipv4Key(text: string): string {
  const n = parseIpv4(text);
  if (n === null) throw new Error(`not an IPv4 address: ${text}`);
  return formatIpv4(n)
    .split(".")
    .map((o) => o.padStart(3, "0"))
    .join(".");
}

export interface Cidr {
  network: number;
  prefix: number;
  /** First and last address of the block, network and broadcast included. */
  first: number;
  last: number;
}

export type CidrResult = { ok: true; cidr: Cidr } | { ok: false; reason: string };

/** Parses a.b.c.d/len. Host bits must be zero (10.0.0.0/24, not 10.0.0.5/24). */
export function parseCidr(text: string): CidrResult {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text.trim());
  if (!m) return { ok: false, reason: "use the form 10.0.0.0/24" };
  const addr = parseIpv4(m[1]!);
  const prefix = Number(m[2]);
  if (addr === null) return { ok: false, reason: `${m[1]} is not an IPv4 address` };
  if (prefix > 32) return { ok: false, reason: "the prefix length must be between 0 and 32" };
  const size = 2 ** (32 - prefix);
  const network = addr - (addr % size);
  if (network !== addr) {
    return { ok: false, reason: `host bits are set: did you mean ${formatIpv4(network)}/${prefix}?` };
  }
  return { ok: true, cidr: { network, prefix, first: network, last: network + size - 1 } };
}

export function cidrContains(cidr: Cidr, ip: number): boolean {
  return ip >= cidr.first && ip <= cidr.last;
}

/** Usable host addresses: without network and broadcast for prefixes up to /30. */
export function usableRange(cidr: Cidr): { first: number; last: number } {
  if (cidr.prefix >= 31) return { first: cidr.first, last: cidr.last };
  return { first: cidr.first + 1, last: cidr.last - 1 };
}

/**
 * An address to show as an example of the subnet's (a form's placeholder): the 11th after the
 * network address, as 10.0.0.11 is of 10.0.0.0/24, or the last usable one of a smaller subnet.
 * Null for text that is not a subnet.
 */
export function exampleAddress(subnet: string): string | null {
  const parsed = parseCidr(subnet);
  if (!parsed.ok) return null;
  return formatIpv4(Math.min(parsed.cidr.network + 11, usableRange(parsed.cidr).last));
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefix}`;
}

/** An inclusive range of addresses, first ≤ last not implied: callers check the order. */
export interface Ipv4Range {
  first: number;
  last: number;
}

export type Ipv4RangeResult = { ok: true; range: Ipv4Range } | { ok: false; reason: string };

/** Parses "START-END" (spaces around the dash allowed): two dotted-quad addresses, inclusive. */
export function parseIpv4Range(text: string): Ipv4RangeResult {
  const m = /^\s*([^\s-]+)\s*-\s*([^\s-]+)\s*$/.exec(text);
  const first = m ? parseIpv4(m[1]!) : null;
  const last = m ? parseIpv4(m[2]!) : null;
  if (first === null || last === null) return { ok: false, reason: "use two IPv4 addresses like 10.0.0.200-10.0.0.220" };
  return { ok: true, range: { first, last } };
}

export function formatIpv4Range(range: Ipv4Range): string {
  return `${formatIpv4(range.first)}-${formatIpv4(range.last)}`;
}

export function rangeContains(range: Ipv4Range, ip: number): boolean {
  return ip >= range.first && ip <= range.last;
}
