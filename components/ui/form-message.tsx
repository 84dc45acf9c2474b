import { CircleAlert, CircleCheck } from "lucide-react";
import type { ActionState } from "@/lib/action-state";
import { cn } from "@/lib/utils";

export type FormMessageProps = {
  state: ActionState<unknown>;
  className?: string;
};

/** The form-level result of a server action: an error box, or a success box when there is a message. */
export function FormMessage({ state, className }: FormMessageProps) {
  if (!state) return null;
  if (!state.ok) {
    return (
      <div
        role="status"
        aria-live="polite"
        className={cn("flex items-start gap-2 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800", className)}
      >
        <CircleAlert className="mt-0.5 size-4 shrink-0 text-red-600" aria-hidden="true" />
        <p>{state.error}</p>
      </div>
    );
  }
  if (!state.message) return null;
  return (
    <div
      role="status"
      aria-live="polite"
      className={cn("flex items-start gap-2 rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800", className)}
    >
      <CircleCheck className="mt-0.5 size-4 shrink-0 text-green-600" aria-hidden="true" />
      <p>{state.message}</p>
    </div>
  );
}
