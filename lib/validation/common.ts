import { z } from "zod";
import { isIpv4 } from "@/lib/net/ipv4";
import { isDnsName } from "@/lib/net/names";

// Building blocks shared by the entity schemas (forms, server actions, API routes and the CLI).

export const ROLES = ["admin", "operator", "viewer"] as const;
export type RoleName = (typeof ROLES)[number];
export const roleSchema = z.enum(ROLES, { error: "choose admin, operator or viewer" });

/** Trimmed, required, bounded text. */
export const text = (label: string, max = 200) =>
  z
    .string({ error: `${label} is required` })
    .trim()
    .min(1, `${label} is required`)
    .max(max, `${label} must be at most ${max} characters`);

export const optionalText = (label: string, max = 2000) =>
  z
    .string()
    .trim()
    .max(max, `${label} must be at most ${max} characters`)
    .optional()
    .transform((v) => v ?? "");

export const ipv4 = (label: string) => text(label, 15).refine(isIpv4, { message: `${label} must be an IPv4 address like 10.0.0.1` });

export const dnsName = (label: string) =>
  text(label, 253)
    .transform((v) => v.toLowerCase())
    .refine((v) => isDnsName(v), {
      message: `${label} must be a DNS-style name like example.org (letters, digits, '-', dot-separated)`,
    });

/** A short identifier: network names, release names, token names. */
export const slug = (label: string, max = 63) =>
  text(label, max).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
    message: `${label} may use letters, digits, '.', '_' and '-', starting with a letter or digit`,
  });

/** Optimistic concurrency: the revision the editor saw. */
export const revision = z.coerce.number({ error: "revision is missing" }).int().positive();

/** Comma-, space- or newline-separated list in a form, or an array from JSON. */
export function list<T extends z.ZodTypeAny>(item: T) {
  return z.preprocess(
    (v) =>
      typeof v === "string"
        ? v
            .split(/[\s,]+/)
            .map((s) => s.trim())
            .filter(Boolean)
        : v,
    z.array(item),
  );
}

/** Checkbox in a form ("on" / absent) or a boolean from JSON. */
export const checkbox = z.preprocess((v) => v === true || v === "on" || v === "true" || v === "1", z.boolean());

const FORM_BOOLEANS: Record<string, boolean> = { on: true, true: true, off: false, false: false };
const formBoolean = (v: unknown) => (typeof v === "string" && v in FORM_BOOLEANS ? FORM_BOOLEANS[v] : v);

/**
 * A yes/no setting: a form's checkbox ("on", or absent for off) or true/false from JSON; absent
 * or null: false. Anything else is refused (a typo in a script must not read as "off").
 */
export const flag = (label: string) =>
  z.preprocess((v) => (v === undefined || v === null || v === "" ? false : formBoolean(v)), z.boolean({ error: `${label} must be true or false` }));

/**
 * On, off, or null to inherit a default (a form's select: "", "on", "off"; JSON: true, false, null
 * or absent). Anything else is refused.
 */
export const inheritedFlag = (label: string, inherited: string) =>
  z.preprocess(
    (v) => (v === undefined || v === null || v === "" ? null : formBoolean(v)),
    z
      .boolean({ error: `${label} must be true, false or null (${inherited})` })
      .nullable()
      .optional(),
  );

// Query-string filters (list pages and their API twins): "" means "not given".
const blank = (v: unknown) => (v === "" || v === null ? undefined : v);
export const optionalParam = <T extends z.ZodTypeAny>(schema: T) => z.preprocess(blank, schema.optional());

/** A time filter: "2026-12-04T10:00" (a datetime-local field, read as UTC) or a full ISO time. */
export const utcTime = (label: string) =>
  z
    .string()
    .max(40)
    .transform((v, ctx) => {
      const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(v) ? `${v}Z` : v;
      const t = /^\d{4}-\d{2}-\d{2}T/.test(iso) ? Date.parse(iso) : NaN;
      if (Number.isNaN(t)) {
        ctx.addIssue({ code: "custom", message: `${label} must be a date and time like 2026-12-04T10:00 (UTC)` });
        return z.NEVER;
      }
      return new Date(t);
    });

/** For a filter's time range: "to" after "from". */
export function toAfterFrom(q: { from?: Date; to?: Date }, ctx: z.RefinementCtx) {
  if (q.from && q.to && q.to <= q.from) ctx.addIssue({ code: "custom", path: ["to"], message: "to must be later than from" });
}

export type FieldErrors = Record<string, string>;

/**
 * First message per field path ("servers.0.ip"); "" for errors about the whole input. An error
 * in an item of a plain list ("dns.1") is also reported on the list ("dns"), the field a form shows.
 */
export function fieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join(".");
    out[key] ??= issue.message;
    const last = issue.path[issue.path.length - 1];
    if (typeof last === "number") out[issue.path.slice(0, -1).map(String).join(".")] ??= `item ${last + 1}: ${issue.message}`;
  }
  return out;
}
