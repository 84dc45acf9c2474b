import { z } from "zod";
import { apiRoute } from "@/lib/api/handler";
import { hostPower, powerHosts } from "@/lib/data/power";
import { POWER_ACTIONS } from "@/lib/power/types";

/** The host's power state, asked of its BMC now (viewer). */
export const GET = apiRoute({ role: "viewer" }, ({ actor, params }) => hostPower(actor, String(params.name)));

const body = z.object({ action: z.enum(POWER_ACTIONS, { error: `action must be one of ${POWER_ACTIONS.join(", ")}` }) });

/** A power action on the host's BMC: {"action": "cycle"}; the BMC's answer, audited (operator; status: viewer). */
export const POST = apiRoute({ role: "viewer", body }, async ({ actor, params, body }) => {
  const [r] = await powerHosts(actor, [String(params.name)], body.action);
  return r!;
});
