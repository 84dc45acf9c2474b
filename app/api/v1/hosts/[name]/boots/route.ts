import { z } from "zod";
import { apiRoute } from "@/lib/api/handler";
import { listHostBoots } from "@/lib/data/boots";

const query = z.strictObject({
  state: z.enum(["booting", "up", "failed", "stalled"]).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  before: z.iso.datetime({ offset: true }).optional(),
});

/** The host's boots, newest first (DESIGN.md "Report API"). */
export const GET = apiRoute({ role: "viewer", query }, ({ actor, params, query }) =>
  listHostBoots(actor, String(params.name), { state: query.state, limit: query.limit, before: query.before ? new Date(query.before) : undefined }),
);
