// Small formatting shared by the publication pages and the host's boot files.

export { fmtCount, plural } from "@/lib/plural";

/** A moment in UTC, to the second: what the audit log and the API show. */
export const utc = (d: Date) => `${d.toISOString().slice(0, 19).replace("T", " ")} UTC`;

/** 850 ms, 2.4 s, 3 min 5 s. */
export function duration(ms: number): string {
  ms = Math.max(0, ms); // a clock step between start and finish must not show "-3 ms"
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** 512 B, 1.4 KiB, 3.2 MiB. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Hash prefix for tables; the full value goes in a title. */
export const shortSha = (sha: string) => sha.slice(0, 12);
