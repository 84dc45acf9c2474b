import type { HostQuery, HostSort } from "@/lib/data/hosts";

// The hosts table's view (search, filters, sort, page, page size) lives in the URL so a view can
// be linked. Pure helpers, shared by the server page and the client table.

export const SORTS = ["name", "ip", "mac", "cell", "release", "updated"] as const satisfies readonly HostSort[];
export const STATES = ["up", "booting", "failed", "stalled", "never", "pending"] as const;
export const PAGE_SIZES = [25, 50, 100, 200] as const;
export const DEFAULT_PAGE_SIZE = 50;

export type BootStateName = (typeof STATES)[number];

export interface HostParams {
  q?: string;
  cell?: string;
  release?: string;
  network?: string;
  tag?: string;
  state?: BootStateName;
  sort?: HostSort;
  dir?: "asc" | "desc";
  size?: string;
  page?: string;
}

/** The filter keys: changing any of them goes back to page 1 and starts a new selection. */
export const FILTER_KEYS = ["q", "cell", "release", "network", "tag", "state"] as const;

type Raw = Record<string, string | string[] | undefined>;

const one = (v: string | string[] | undefined) => {
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  return s ? s.slice(0, 200) : undefined;
};
const oneOf = <T extends string>(allowed: readonly T[], v: string | undefined): T | undefined =>
  allowed.includes(v as T) ? (v as T) : undefined;

/** Search params as the URL holds them, with anything unknown dropped. */
export function parseHostParams(raw: Raw): HostParams {
  const size = Number(one(raw.size));
  const page = Number(one(raw.page));
  return {
    q: one(raw.q),
    cell: one(raw.cell),
    release: one(raw.release),
    network: one(raw.network),
    tag: one(raw.tag),
    state: oneOf(STATES, one(raw.state)),
    sort: oneOf(SORTS, one(raw.sort)),
    dir: oneOf(["asc", "desc"] as const, one(raw.dir)),
    size: (PAGE_SIZES as readonly number[]).includes(size) ? String(size) : undefined,
    page: Number.isInteger(page) && page > 1 ? String(page) : undefined,
  };
}

export function pageSizeOf(p: HostParams): number {
  return Number(p.size) || DEFAULT_PAGE_SIZE;
}

/** For listHosts / hostNamesMatching. */
export function toHostQuery(p: HostParams): HostQuery {
  return {
    q: p.q,
    cell: p.cell,
    release: p.release,
    network: p.network,
    tag: p.tag,
    state: p.state,
    sort: p.sort,
    dir: p.dir,
    page: Number(p.page) || 1,
    pageSize: pageSizeOf(p),
  };
}

export function hasFilters(p: HostParams): boolean {
  return FILTER_KEYS.some((k) => !!p[k]);
}

/** Plain string record of the set params (for links and hidden inputs). */
export function paramRecord(p: HostParams): Record<string, string> {
  return Object.fromEntries(Object.entries(p).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""));
}

export function hostsHref(p: HostParams, change: Partial<Record<keyof HostParams, string | undefined>> = {}): string {
  const qs = new URLSearchParams(paramRecord({ ...p, ...change } as HostParams));
  const s = qs.toString();
  return s ? `/hosts?${s}` : "/hosts";
}

/** The link of a sortable column header: first click ascending, a second click flips. */
export function sortHref(p: HostParams, sort: HostSort): string {
  const current = p.sort ?? "name";
  const dir = current === sort && (p.dir ?? "asc") === "asc" ? "desc" : "asc";
  return hostsHref(p, { sort, dir, page: undefined });
}
