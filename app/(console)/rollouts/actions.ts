"use server";

import { revalidatePath } from "next/cache";
import { inputAction } from "@/lib/actions";
import { moveRollout, previewRollout, startRolloutFor, type RolloutPreview } from "@/lib/data/rollouts";
import { LEVER_LABELS, ROLLOUT_STATE_LABELS } from "@/lib/rollout/labels";
import { rolloutLever, startRollout } from "@/lib/validation/rollout";

// The rollout pages' actions: the start form's preview and start, and the rollout page's levers.
// Validated here with the API's schemas; the data layer checks the role and audits.

/** What a start would do (the hosts, in which waves); writes nothing. */
export const previewRolloutAction = inputAction({ role: "operator", schema: startRollout }, async (actor, input) => ({
  ok: true as const,
  preview: await previewRollout(actor, input),
}));

export type PreviewResult = { ok: true; preview: RolloutPreview };

/** Starts the rollout; the form goes to its page. */
export const startRolloutAction = inputAction({ role: "operator", schema: startRollout }, async (actor, input) => {
  const r = await startRolloutFor(actor, input);
  revalidatePath("/rollouts");
  return { ok: true as const, id: r.id, message: `Started the rollout of ${r.version} to ${r.hostCount} host${r.hostCount === 1 ? "" : "s"}` };
});

/** Pause, resume, abort or roll back. */
export const rolloutLeverAction = inputAction({ role: "operator", schema: rolloutLever }, async (actor, { id, lever }) => {
  const r = await moveRollout(actor, id, lever);
  revalidatePath("/rollouts");
  revalidatePath(`/rollouts/${id}`);
  return { ok: true as const, message: `${LEVER_LABELS[lever]}: the rollout of ${r.version} is ${ROLLOUT_STATE_LABELS[r.state]}` };
});
