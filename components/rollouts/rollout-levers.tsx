"use client";

import { useMutation } from "@tanstack/react-query";
import { LoaderCircle } from "lucide-react";
import { toast } from "sonner";
import type { ActionFailure, ActionState } from "@/lib/action-state";
import { Button } from "@/components/ui/button";
import { ConfirmDelete } from "@/components/ui/confirm-delete";
import { LEVER_LABELS, abortConsequence, leversFor } from "@/lib/rollout/labels";
import type { Lever } from "@/lib/validation/rollout";
import type { RolloutWire } from "./rollout-wire";

export type LeverAction = (input: { id: string; lever: Lever }) => Promise<{ ok: true; message: string } | ActionFailure>;

const ROLLBACK_CONSEQUENCE =
  "Every host of the failed wave that was touched is pinned back to the version it booted before, republished and power-cycled once, and must come up on it. Hosts of later waves stay skipped.";

/**
 * The operator's levers for the rollout's state: Pause or Resume at once; Abort and Roll back
 * asked first, saying what they do (how many hosts an abort skips). `onDone` refreshes the page's data.
 */
export function RolloutLevers({ rollout, action, onDone }: { rollout: RolloutWire; action: LeverAction; onDone: () => Promise<void> }) {
  const mutation = useMutation({
    mutationFn: async (lever: Lever): Promise<ActionState> => {
      try {
        return await action({ id: rollout.id, lever });
      } catch {
        return { ok: false, error: "The server did not answer (the connection may have dropped). Try again." };
      }
    },
    onSettled: () => onDone(),
  });
  const run = async (lever: Lever) => {
    const r = await mutation.mutateAsync(lever);
    if (r && !r.ok) toast.error(r.error);
    if (r?.ok) toast.success(r.message ?? "Done");
  };
  /** For the confirmation dialog, which shows a refusal itself and closes on success. */
  const confirmed = (lever: Lever) => async (): Promise<ActionState> => mutation.mutateAsync(lever);
  const what = `the rollout of ${rollout.version}`;
  const levers = leversFor(rollout.state);
  if (levers.length === 0) return null;
  return (
    <div role="group" aria-label="Rollout actions" className="flex flex-wrap items-center gap-2">
      {levers.map((lever) =>
        lever === "abort" || lever === "rollback" ? (
          <ConfirmDelete
            key={lever}
            action={confirmed(lever)}
            verb={LEVER_LABELS[lever]}
            what={what}
            triggerLabel={LEVER_LABELS[lever]}
            description={lever === "abort" ? abortConsequence(rollout.counts) : ROLLBACK_CONSEQUENCE}
            disabled={mutation.isPending}
            size="default"
            variant={lever === "abort" ? "destructive" : "default"}
          />
        ) : (
          <Button key={lever} type="button" variant="outline" disabled={mutation.isPending} onClick={() => void run(lever)}>
            {mutation.isPending && mutation.variables === lever && <LoaderCircle className="animate-spin" aria-hidden="true" />}
            {LEVER_LABELS[lever]}
          </Button>
        ),
      )}
    </div>
  );
}
