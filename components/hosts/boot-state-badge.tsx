import { Badge, type BadgeProps } from "@/components/ui/badge";

const VARIANT: Record<string, BadgeProps["variant"]> = {
  up: "success",
  booting: "info",
  failed: "danger",
  stalled: "warning",
  never: "outline",
};

/** up / booting / failed / stalled, or "never" for a host that has not reported a boot yet. */
export function BootStateBadge({ state }: { state: string }) {
  return (
    <Badge variant={VARIANT[state] ?? "secondary"} data-testid="boot-state">
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
