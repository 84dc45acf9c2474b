// Counts in words, one way everywhere (pages, messages, the CLI): "1 host", "1,204 hosts".

const count = new Intl.NumberFormat("en-US");

/** 1204 → "1,204" */
export const fmtCount = (n: number) => count.format(n);

/** "n thing" / "n things". */
export const plural = (n: number, one: string, many = `${one}s`) => `${count.format(n)} ${n === 1 ? one : many}`;

/** "1 host" / "12 hosts" */
export const hostCount = (n: number) => plural(n, "host");
