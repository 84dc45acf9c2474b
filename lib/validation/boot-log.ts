import { z } from "zod";
import { STAGES } from "@/lib/boot/stages";
import { optionalParam as opt, toAfterFrom, utcTime as time } from "./common";

// The boot log's filters, as the /boots page's query string and GET /api/v1/boots take them.

export const BOOT_LOG_STATES = ["booting", "up", "failed", "stalled"] as const;
export const BOOT_LOG_PAGE_SIZES = [25, 50, 100, 200] as const;

export const bootLogQuery = z
  .object({
    state: opt(z.enum(BOOT_LOG_STATES, { error: `state must be one of ${BOOT_LOG_STATES.join(", ")}` })),
    stage: opt(z.enum(STAGES, { error: `stage must be one of ${STAGES.join(", ")}` })),
    release: opt(
      z
        .string()
        .max(63)
        .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "release must be a release name"),
    ),
    version: opt(
      z
        .string()
        .max(130)
        .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*@[A-Za-z0-9][A-Za-z0-9._-]*$/, "version must look like release@version"),
    ),
    network: opt(
      z
        .string()
        .max(63)
        .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "network must be a network name"),
    ),
    host: opt(
      z
        .string()
        .max(63)
        .transform((v) => v.trim().toLowerCase())
        .pipe(z.string().regex(/^[a-z0-9-]+$/, "host: letters, digits and '-' (the start of a host name)")),
    ),
    from: opt(time("from")),
    to: opt(time("to")),
    page: opt(z.coerce.number({ error: "page must be a number" }).int().min(1).max(1_000_000)),
    pageSize: opt(
      z.coerce
        .number({ error: "pageSize must be a number" })
        .refine((n) => (BOOT_LOG_PAGE_SIZES as readonly number[]).includes(n), { message: `pageSize must be one of ${BOOT_LOG_PAGE_SIZES.join(", ")}` }),
    ),
  })
  .superRefine(toAfterFrom);

export type BootLogQuery = z.output<typeof bootLogQuery>;
