"use client";

import { useActionState, useEffect, useRef, useState } from "react";
import { KeyRound } from "lucide-react";
import { toast } from "sonner";
import type { ActionState } from "@/lib/action-state";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { DialogFormFooter } from "@/components/ui/dialog-form-footer";
import { Field, fieldProps } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { Input } from "@/components/ui/input";
import { SubmitButton } from "@/components/ui/submit-button";

type Action = (prev: ActionState, form: FormData) => Promise<ActionState>;

/** The new password and its repeat, as both password forms ask them. */
function NewPasswordFields({ err }: { err?: Record<string, string> }) {
  return (
    <>
      <Field label="New password" name="newPassword" error={err?.newPassword} hint="At least 10 characters.">
        <Input {...fieldProps("newPassword", err?.newPassword, true)} type="password" autoComplete="new-password" />
      </Field>
      <Field label="Repeat new password" name="confirm" error={err?.confirm}>
        <Input {...fieldProps("confirm", err?.confirm)} type="password" autoComplete="new-password" />
      </Field>
    </>
  );
}

/** Your account: change your own password (the current one proves it is you). */
export function ChangePasswordForm({ action }: { action: Action }) {
  const [state, formAction] = useActionState(action, null);
  const formRef = useRef<HTMLFormElement>(null);
  const err = state?.ok === false ? state.fieldErrors : undefined;
  useEffect(() => {
    if (state?.ok) formRef.current?.reset();
  }, [state]);
  return (
    <form ref={formRef} action={formAction} className="grid max-w-md gap-4" noValidate aria-label="Change password">
      <Field label="Current password" name="currentPassword" error={err?.currentPassword}>
        <Input {...fieldProps("currentPassword", err?.currentPassword)} type="password" autoComplete="current-password" />
      </Field>
      <NewPasswordFields err={err} />
      <FormMessage state={state} />
      <SubmitButton className="justify-self-start" pendingText="Changing…">
        Change password
      </SubmitButton>
    </form>
  );
}

/** Users page: an admin sets another user's password; that user is signed out everywhere. */
export function ResetPasswordDialog({ action, username }: { action: Action; username: string }) {
  const [open, setOpen] = useState(false);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button type="button" variant="outline" size="sm" aria-label={`Reset password of ${username}`}>
          <KeyRound className="size-4" aria-hidden />
          Reset password
        </Button>
      </DialogTrigger>
      <DialogContent>
        {/* mounted only while open: a reopened dialog starts clean */}
        <ResetForm action={action} username={username} onDone={() => setOpen(false)} />
      </DialogContent>
    </Dialog>
  );
}

function ResetForm({ action, username, onDone }: { action: Action; username: string; onDone: () => void }) {
  const [state, formAction] = useActionState<ActionState, FormData>(async (prev, form) => {
    const result = await action(prev, form);
    if (result?.ok) {
      toast.success(result.message ?? "Saved");
      onDone();
    }
    return result;
  }, null);
  const err = state?.ok === false ? state.fieldErrors : undefined;
  return (
    <form action={formAction} className="grid gap-4" noValidate>
      <DialogHeader>
        <DialogTitle>Reset the password of {username}</DialogTitle>
        <DialogDescription>
          {username} is signed out everywhere and signs in again with the new password. Tell them the password over a safe channel.
        </DialogDescription>
      </DialogHeader>
      <input type="hidden" name="username" value={username} />
      <NewPasswordFields err={err} />
      <FormMessage state={state?.ok ? null : state} />
      <DialogFormFooter pendingText="Setting…">Set new password</DialogFormFooter>
    </form>
  );
}
