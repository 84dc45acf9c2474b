import { Badge, type BadgeProps } from "@/components/ui/badge";
import type { RolloutState } from "@/lib/generated/prisma/enums";
import { ROLLOUT_STATE_LABELS } from "@/lib/rollout/labels";

const VARIANT: Record<RolloutState, BadgeProps["variant"]> = {
  running: "info",
  paused: "warning",
  halted: "danger",
  rolling_back: "warning",
  completed: "success",
  rolled_back: "secondary",
  aborted: "outline",
};

/** A rollout's state as a badge: running, paused, halted, rolling back, completed, rolled back, aborted. */
export function RolloutStateBadge({ state }: { state: RolloutState }) {
  return (
    <Badge variant={VARIANT[state]} data-testid="rollout-state" data-state={state}>
      {ROLLOUT_STATE_LABELS[state]}
    </Badge>
  );
}
