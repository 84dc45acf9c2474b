import { formatIpv4, parseIpv4 } from "@/lib/net/ipv4";

// Ranges for enrolling many hosts at once: node[001-120] with a starting IP that increments.

export interface RangeError {
  ok: false;
  reason: string;
}

const PATTERN = /^([a-z0-9-]*)\[(\d+)-(\d+)\]([a-z0-9-]*)$/;
export const MAX_RANGE = 10_000;

/** Expands node[001-120] (zero padding kept from the first bound) into hostnames. */
export function expandHostRange(pattern: string): { ok: true; names: string[] } | RangeError {
  const m = PATTERN.exec(pattern.trim());
  if (!m) return { ok: false, reason: "use a pattern like node[001-120]" };
  const [, prefix, fromText, toText, suffix] = m as unknown as [string, string, string, string, string];
  const from = Number(fromText);
  const to = Number(toText);
  if (to < from) return { ok: false, reason: `the range ends before it starts (${from} > ${to})` };
  if (to - from + 1 > MAX_RANGE) return { ok: false, reason: `at most ${MAX_RANGE} hosts at once` };
  const width = fromText.length > 1 && fromText.startsWith("0") ? fromText.length : 0;
  const names: string[] = [];
  for (let i = from; i <= to; i++) names.push(`${prefix}${String(i).padStart(width, "0")}${suffix}`);
  return { ok: true, names };
}

/** count consecutive IPv4 addresses from `start`. */
export function ipSequence(start: string, count: number): { ok: true; ips: string[] } | RangeError {
  const first = parseIpv4(start);
  if (first === null) return { ok: false, reason: `${start} is not an IPv4 address` };
  if (first + count - 1 > 2 ** 32 - 1) return { ok: false, reason: "the addresses run past 255.255.255.255" };
  return { ok: true, ips: Array.from({ length: count }, (_, i) => formatIpv4(first + i)) };
}

/** MACs pasted as a list: one per line, or separated by commas/spaces. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}
