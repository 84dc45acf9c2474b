"use client";

import { useActionState } from "react";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Field, fieldProps } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { Input } from "@/components/ui/input";
import { SubmitButton } from "@/components/ui/submit-button";
import { setUpFirstAdmin } from "../actions";

export function SetupForm() {
  const [state, action] = useActionState(setUpFirstAdmin, null);
  const err = state?.ok === false ? state.fieldErrors : undefined;
  const values = state?.ok === false ? state.values : undefined;
  return (
    <Card>
      <CardHeader>
        <CardTitle>Create the first admin</CardTitle>
        <CardDescription>No account exists yet. The admin you create here can add other users; this page disappears afterwards.</CardDescription>
      </CardHeader>
      <CardContent>
        <form action={action} className="space-y-4" noValidate>
          <Field label="Username" name="username" error={err?.username} hint="Lower-case letters, digits, '.', '_' and '-'.">
            <Input {...fieldProps("username", err?.username, true)} autoComplete="username" autoFocus defaultValue={values?.username} />
          </Field>
          <Field label="Password" name="password" error={err?.password} hint="At least 10 characters.">
            <Input {...fieldProps("password", err?.password, true)} type="password" autoComplete="new-password" />
          </Field>
          <Field label="Repeat password" name="confirm" error={err?.confirm}>
            <Input {...fieldProps("confirm", err?.confirm)} type="password" autoComplete="new-password" />
          </Field>
          <FormMessage state={state} />
          <SubmitButton className="w-full" pendingText="Creating…">
            Create admin and sign in
          </SubmitButton>
        </form>
      </CardContent>
    </Card>
  );
}
