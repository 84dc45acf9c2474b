import { apiRoute } from "@/lib/api/handler";
import { moveRollout, ROLLOUT_LEVERS } from "@/lib/data/rollouts";
import { notFound } from "@/lib/errors";

/** POST /api/v1/rollouts/{id}/pause | resume | abort | rollback */
export const POST = apiRoute({ role: "operator" }, ({ actor, params }) => {
  const lever = ROLLOUT_LEVERS.find((l) => l === params.lever);
  if (!lever) throw notFound(`The action ${String(params.lever)} (use pause, resume, abort or rollback)`);
  return moveRollout(actor, String(params.id), lever);
});
