import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/api/handler";
import { listRollouts, previewRollout, startRolloutFor } from "@/lib/data/rollouts";
import { rolloutListQuery, rolloutStartQuery, startRollout } from "@/lib/validation/rollout";

export const GET = apiRoute({ role: "viewer", query: rolloutListQuery }, ({ actor, query }) => listRollouts(actor, query));

/** Starts a rollout (201 with it), or with ?dryRun=1 shows its waves without starting it (200). */
export const POST = apiRoute({ role: "operator", body: startRollout, query: rolloutStartQuery }, async ({ actor, body, query }) => {
  if (query.dryRun === "1" || query.dryRun === "true") return previewRollout(actor, body);
  return NextResponse.json(await startRolloutFor(actor, body), { status: 201 });
});
