// Counts and times as the bulk enrollment pages (CSV, ranges) show them.

export { fmtCount as fmt, plural } from "@/lib/plural";
export const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
