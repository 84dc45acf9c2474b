import { z } from "zod";

// The hosts list's query, one definition for its three doors: GET /api/v1/hosts (strict: a bad
// value is a 422), the hosts page's URL (lenient: a stale or hand-edited link shows what it can,
// and the view lives in the URL so it can be linked), and "select all N matching" (the bulk bar
// sends the page's URL back). Pure: shared by the server page and the client table.

export const HOST_SORTS = ["name", "ip", "mac", "cell", "release", "updated"] as const;
export type HostSort = (typeof HOST_SORTS)[number];
/** Filters by boot state; "pending": a reboot is pending (booted something else than assigned). */
export const HOST_STATES = ["up", "booting", "failed", "stalled", "never", "pending"] as const;
export type HostState = (typeof HOST_STATES)[number];
/**
 * Filters by TPM identity (#18): "mismatch", a different TPM booted as the host (it got nothing);
 * "awaiting", a TPM waits for an admin's approval (enrolment "approve").
 */
export const HOST_IDENTITY_FILTERS = ["mismatch", "awaiting"] as const;
export type HostIdentityFilter = (typeof HOST_IDENTITY_FILTERS)[number];
/** The page sizes the hosts page offers; the API takes any size up to MAX_HOST_PAGE_SIZE. */
export const HOST_PAGE_SIZES = [25, 50, 100, 200] as const;
export const DEFAULT_HOST_PAGE_SIZE = 50;
export const MAX_HOST_PAGE_SIZE = 500;

const filters = {
  q: z.string().max(200),
  cell: z.string().max(253),
  release: z.string().max(100),
  network: z.string().max(100),
  tag: z.string().max(40),
  state: z.enum(HOST_STATES),
  identity: z.enum(HOST_IDENTITY_FILTERS),
  sort: z.enum(HOST_SORTS),
  dir: z.enum(["asc", "desc"]),
};

/** GET /api/v1/hosts, and what listHosts / hostNamesMatching take. */
export const hostQuery = z
  .object({
    ...filters,
    page: z.coerce.number().int().min(1).max(1_000_000),
    pageSize: z.coerce.number().int().min(1).max(MAX_HOST_PAGE_SIZE),
  })
  .partial();
export type HostQuery = z.output<typeof hostQuery>;

// ---------------------------------------------------------------- the hosts page's URL

const first = (v: unknown) => {
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === "string" ? s.trim().slice(0, 200) || undefined : undefined;
};
/** A URL parameter: its first value, trimmed; anything the schema refuses is dropped. */
const lenient = <T extends z.ZodTypeAny>(schema: T) => z.preprocess(first, schema.optional().catch(undefined));

/** The hosts page's search params (`size` one of HOST_PAGE_SIZES, `page` from 2 on, both as text). */
export const hostParams = z.object({
  q: lenient(filters.q),
  cell: lenient(filters.cell),
  release: lenient(filters.release),
  network: lenient(filters.network),
  tag: lenient(filters.tag),
  state: lenient(filters.state),
  identity: lenient(filters.identity),
  sort: lenient(filters.sort),
  dir: lenient(filters.dir),
  size: lenient(
    z.coerce
      .number()
      .refine((n) => (HOST_PAGE_SIZES as readonly number[]).includes(n))
      .transform(String),
  ),
  page: lenient(z.coerce.number().int().min(2).transform(String)),
});
export type HostParams = Partial<z.output<typeof hostParams>>;

/** The filter keys: changing any of them goes back to page 1 and starts a new selection. */
export const FILTER_KEYS = ["q", "cell", "release", "network", "tag", "state", "identity"] as const;

/** Search params as the URL holds them, with anything unknown dropped. */
export function parseHostParams(raw: Record<string, string | string[] | undefined>): HostParams {
  return hostParams.parse(raw);
}

export function pageSizeOf(p: HostParams): number {
  return Number(p.size) || DEFAULT_HOST_PAGE_SIZE;
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
    identity: p.identity,
    sort: p.sort,
    dir: p.dir,
    page: Number(p.page) || 1,
    pageSize: pageSizeOf(p),
  };
}

export function hasFilters(p: HostParams): boolean {
  return FILTER_KEYS.some((k) => !!p[k]);
}

/** Plain string record of the set params, in the URL's order (for links and hidden inputs). */
export function paramRecord(p: HostParams): Record<string, string> {
  return Object.fromEntries(hostParams.keyof().options.flatMap((k) => (p[k] ? [[k, p[k]]] : [])));
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
