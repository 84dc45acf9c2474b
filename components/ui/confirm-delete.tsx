"use client";

import { useActionState, useId, useState, type ReactNode } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import type { ActionState } from "@/lib/action-state";
import { Button } from "@/components/ui/button";
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog";

export type ConfirmDeleteProps = {
  /** Server action doing the delete. */
  action: (prev: ActionState, form: FormData) => Promise<ActionState>;
  /** What is deleted, e.g. "network lab": the dialog asks "Delete network lab?". */
  what: string;
  /** The destructive verb: "Delete" (default), "Revoke", … used in the title and the button. */
  verb?: string;
  description?: ReactNode;
  /** Hidden inputs sent with the form (typically the id). */
  hidden?: Record<string, string>;
  triggerLabel?: ReactNode;
  disabled?: boolean;
  /** Why it cannot be done now (e.g. the record is in use): disables the button and says so beside it. */
  disabledReason?: string;
  /** Where to go after a successful delete (e.g. back to the list from a detail page). */
  redirectTo?: string;
  /** Size of the trigger button. */
  size?: "default" | "sm";
  /** The buttons' look: destructive (default) or, for a consequential but not destructive change, default. */
  variant?: "destructive" | "default";
};

export function ConfirmDelete({
  action,
  what,
  description,
  hidden,
  verb = "Delete",
  triggerLabel = verb,
  disabled,
  disabledReason,
  redirectTo,
  size = "sm",
  variant = "destructive",
}: ConfirmDeleteProps) {
  const router = useRouter();
  const reasonId = useId();
  const [open, setOpen] = useState(false);
  // The result that was on screen when the dialog was last closed: not shown again on reopen.
  const [dismissed, setDismissed] = useState<ActionState>(null);
  const [state, formAction, pending] = useActionState<ActionState, FormData>(async (prev, form) => {
    const result = await action(prev, form);
    if (result?.ok) {
      setOpen(false);
      toast.success(result.message ?? "Done");
      if (redirectTo) router.push(redirectTo);
    }
    return result;
  }, null);

  const error = state && !state.ok && state !== dismissed ? state.error : null;

  function onOpenChange(next: boolean) {
    if (pending) return;
    if (!next) setDismissed(state);
    setOpen(next);
  }

  return (
    <AlertDialog open={open} onOpenChange={onOpenChange}>
      {/* the root renders nothing of its own: the reason sits beside the button */}
      {disabledReason && (
        <p id={reasonId} className="text-xs text-slate-600">
          {disabledReason}
        </p>
      )}
      <AlertDialogTrigger asChild>
        <Button type="button" variant={variant} size={size} disabled={disabled || !!disabledReason} aria-describedby={disabledReason ? reasonId : undefined}>
          {triggerLabel}
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <form action={formAction} className="grid gap-4">
          <AlertDialogHeader>
            <AlertDialogTitle>
              {verb} {what}?
            </AlertDialogTitle>
            <AlertDialogDescription>{description ?? `This permanently deletes the ${what}. It cannot be undone.`}</AlertDialogDescription>
          </AlertDialogHeader>
          {Object.entries(hidden ?? {}).map(([name, value]) => (
            <input key={name} type="hidden" name={name} value={value} />
          ))}
          {error && (
            <p role="status" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
              {error}
            </p>
          )}
          <AlertDialogFooter>
            <AlertDialogCancel type="button" disabled={pending}>
              Cancel
            </AlertDialogCancel>
            <Button type="submit" variant={variant} disabled={pending}>
              {pending ? `${verb}…` : verb}
            </Button>
          </AlertDialogFooter>
        </form>
      </AlertDialogContent>
    </AlertDialog>
  );
}
