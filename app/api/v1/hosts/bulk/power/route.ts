import { z } from "zod";
import { apiRoute } from "@/lib/api/handler";
import { powerOnMany } from "@/lib/data/power";
import { POWER_ACTIONS } from "@/lib/power/types";
import { hostQuery } from "@/lib/validation/host-query";

/**
 * A power action on many hosts: {"action": "cycle", "hosts": ["node001", …]} or
 * {"action": "status", "query": {"tag": "render"}} (the hosts table's filters). Each host's own
 * answer; one BMC's failure never stops the others (operator; status: viewer).
 */
const body = z
  .object({
    action: z.enum(POWER_ACTIONS, { error: `action must be one of ${POWER_ACTIONS.join(", ")}` }),
    hosts: z.array(z.string().min(1)).max(50_000, "at most 50,000 hosts per request").optional(),
    query: hostQuery.optional(),
  })
  .refine((b) => (b.hosts === undefined) !== (b.query === undefined), { message: "Give either hosts (names) or query (filters), not both" });

export const POST = apiRoute({ role: "viewer", body }, ({ actor, body }) => powerOnMany(actor, body.action, body.hosts ?? null, body.query ?? null));
