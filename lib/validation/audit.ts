import { z } from "zod";
import { optionalParam as opt, toAfterFrom, utcTime as time } from "./common";

// The audit log's filters, as the /audit page's query string takes them. Text filters match
// literally ("_" and "%" are characters, not wildcards).

const text = (label: string, max: number) => opt(z.string().trim().max(max, `${label} must be at most ${max} characters`));

export const auditQuery = z
  .object({
    q: text("Search", 200),
    user: text("User", 200),
    action: text("Action", 100),
    type: text("Object type", 50),
    object: text("Object", 200),
    from: opt(time("from")),
    to: opt(time("to")),
    page: opt(z.coerce.number({ error: "page must be a number" }).int().min(1).max(1_000_000)),
  })
  .superRefine(toAfterFrom);

export type AuditQuery = z.output<typeof auditQuery>;
