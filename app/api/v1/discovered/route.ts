import { z } from "zod";
import { apiRoute } from "@/lib/api/handler";
import { listDiscovered } from "@/lib/data/discovery";

/** Unknown hosts: MACs that reported (discovery boot, DHCP hook) without being enrolled; newest first. */
export const GET = apiRoute(
  {
    role: "viewer",
    query: z.object({
      page: z.coerce.number().int().min(1).max(100_000).optional(),
      all: z.enum(["1", "true"]).optional(),
    }),
  },
  ({ actor, query }) => listDiscovered(actor, { page: query.page, all: !!query.all }),
);
