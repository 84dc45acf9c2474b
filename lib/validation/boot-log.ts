import { z } from "zod";
import { STAGES } from "@/lib/boot/stages";

// The boot log's filters, as the /boots page's query string and GET /api/v1/boots take them.

export const BOOT_LOG_STATES = ["booting", "up", "failed", "stalled"] as const;
export const BOOT_LOG_PAGE_SIZES = [25, 50, 100, 200] as const;

const blank = (v: unknown) => (v === "" || v === null ? undefined : v);
const opt = <T extends z.ZodTypeAny>(schema: T) => z.preprocess(blank, schema.optional());

/** "2026-12-04T10:00" (a datetime-local field, UTC) or a full ISO time. */
const time = (label: string) =>
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

export const bootLogQuery = z
  .object({
    state: opt(z.enum(BOOT_LOG_STATES, { error: `state must be one of ${BOOT_LOG_STATES.join(", ")}` })),
    stage: opt(z.enum(STAGES, { error: `stage must be one of ${STAGES.join(", ")}` })),
    release: opt(z.string().max(63).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "release must be a release name")),
    version: opt(z.string().max(130).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*@[A-Za-z0-9][A-Za-z0-9._-]*$/, "version must look like release@version")),
    network: opt(z.string().max(63).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "network must be a network name")),
    host: opt(z.string().max(63).transform((v) => v.trim().toLowerCase()).pipe(z.string().regex(/^[a-z0-9-]+$/, "host: letters, digits and '-' (the start of a host name)"))),
    from: opt(time("from")),
    to: opt(time("to")),
    page: opt(z.coerce.number({ error: "page must be a number" }).int().min(1).max(1_000_000)),
    pageSize: opt(z.coerce.number({ error: "pageSize must be a number" }).refine((n) => (BOOT_LOG_PAGE_SIZES as readonly number[]).includes(n), { message: `pageSize must be one of ${BOOT_LOG_PAGE_SIZES.join(", ")}` })),
  })
  .superRefine((q, ctx) => {
    if (q.from && q.to && q.to <= q.from) ctx.addIssue({ code: "custom", path: ["to"], message: "to must be later than from" });
  });

export type BootLogQuery = z.output<typeof bootLogQuery>;
