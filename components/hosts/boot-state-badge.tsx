import { Badge, type BadgeProps } from "@/components/ui/badge";

const VARIANT: Record<string, BadgeProps["variant"]> = {
  up: "success",
  booting: "info",
  failed: "danger",
  stalled: "warning",
  never: "outline",
};

const TITLE: Record<string, string> = {
  stalled: "No report for longer than the boot's current stage allows",
};

/**
 * up / booting / failed / stalled, or "never" for a host that has not reported a boot yet.
 * `testId` tells a single boot's outcome (boot history) apart from the host's state.
 */
export function BootStateBadge({ state, testId = "boot-state" }: { state: string; testId?: string }) {
  return (
    <Badge variant={VARIANT[state] ?? "secondary"} title={TITLE[state]} data-testid={testId}>
      {state === "never" ? "never booted" : state}
    </Badge>
  );
}

export function RebootPendingBadge({ title }: { title?: string }) {
  return (
    <Badge variant="warning" title={title} data-testid="reboot-pending">
      reboot pending
    </Badge>
  );
}
