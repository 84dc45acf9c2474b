// Counts and times as the bulk enrollment pages (CSV, ranges) show them.

const count = new Intl.NumberFormat("en-US");
export const fmt = (n: number) => count.format(n);
export const plural = (n: number, one: string, many = `${one}s`) => `${fmt(n)} ${n === 1 ? one : many}`;
export const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
