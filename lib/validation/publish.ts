import { z } from "zod";
import { isHostLabel } from "@/lib/net/names";

// POST /api/v1/publications: a full publish, a dry run (preview with diffs), or some hosts only.
export const publishRequest = z
  .strictObject({
    dryRun: z.boolean().optional(),
    hosts: z
      .array(z.string().max(63).refine(isHostLabel, "not a host name"))
      .min(1, "name at least one host, or leave hosts out to publish everything")
      .max(10_000)
      .optional(),
  })
  .optional()
  .transform((v) => v ?? {});

export const publicationQuery = z.strictObject({
  page: z.coerce.number().int().min(1).max(1_000_000).optional(),
  status: z.enum(["succeeded", "failed"]).optional(),
  change: z.enum(["added", "changed", "removed"]).optional(),
  /** files whose path or host name contains this */
  q: z.string().trim().max(100, "at most 100 characters").optional(),
});

/** GET /api/v1/publications/:id/diff?path=…: one changed file's whole diff. */
export const wholeDiffQuery = z.strictObject({
  path: z.string().min(1, "name the file (path=…)").max(1024),
});
