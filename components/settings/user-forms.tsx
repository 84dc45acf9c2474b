"use client";

import { useActionState, useEffect, useRef } from "react";
import { toast } from "sonner";
import type { ActionState } from "@/lib/action-state";
import { Field, fieldProps } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { Input } from "@/components/ui/input";
import { RoleSelect } from "./role-select";
import { SubmitButton } from "@/components/ui/submit-button";

type Action = (prev: ActionState, form: FormData) => Promise<ActionState>;

export function AddUserForm({ action }: { action: Action }) {
  const [state, formAction] = useActionState(action, null);
  const formRef = useRef<HTMLFormElement>(null);
  const err = state?.ok === false ? state.fieldErrors : undefined;
  const v = state?.ok === false ? state.values : undefined;
  useEffect(() => {
    if (state?.ok) {
      toast.success(state.message ?? "Saved");
      formRef.current?.reset();
    }
  }, [state]);
  return (
    <form ref={formRef} action={formAction} className="grid items-start gap-4 md:grid-cols-[1fr_1fr_10rem_auto]" noValidate>
      <Field label="Username" name="username" error={err?.username}>
        <Input {...fieldProps("username", err?.username)} autoComplete="off" defaultValue={v?.username} />
      </Field>
      <Field label="Initial password" name="password" error={err?.password} hint="At least 10 characters.">
        <Input {...fieldProps("password", err?.password, true)} type="password" autoComplete="new-password" />
      </Field>
      <Field label="Role" name="role" error={err?.role}>
        <RoleSelect {...fieldProps("role", err?.role)} defaultValue={v?.role ?? "viewer"} />
      </Field>
      <SubmitButton className="md:mt-6" pendingText="Adding…">
        Add user
      </SubmitButton>
      <div className="md:col-span-4">
        <FormMessage state={state?.ok ? null : state} />
      </div>
    </form>
  );
}

export function RoleForm({ action, username, role }: { action: Action; username: string; role: string }) {
  const [state, formAction] = useActionState(action, null);
  useEffect(() => {
    if (state?.ok) toast.success(state.message ?? "Saved");
    if (state?.ok === false) toast.error(state.error);
  }, [state]);
  return (
    <form action={formAction} className="flex items-center gap-2">
      <input type="hidden" name="username" value={username} />
      <RoleSelect name="role" defaultValue={role} aria-label={`Role of ${username}`} containerClassName="w-32" />
      <SubmitButton variant="outline" size="sm" pendingText="…">
        Change
      </SubmitButton>
    </form>
  );
}
