"use client";

import { useActionState, useEffect, useRef } from "react";
import { toast } from "sonner";
import type { ActionState } from "@/lib/action-state";
import { Field, fieldProps } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { Input } from "@/components/ui/input";
import { RoleSelect } from "./role-select";
import { SubmitButton } from "@/components/ui/submit-button";
import { Button } from "@/components/ui/button";

type Created = { token: string; name: string };

export function CreateTokenForm({ action }: { action: (prev: ActionState<Created>, form: FormData) => Promise<ActionState<Created>> }) {
  const [state, formAction] = useActionState(action, null);
  const formRef = useRef<HTMLFormElement>(null);
  const err = state?.ok === false ? state.fieldErrors : undefined;
  const v = state?.ok === false ? state.values : undefined;
  const created = state?.ok ? state.data : undefined;
  useEffect(() => {
    if (state?.ok) formRef.current?.reset();
  }, [state]);
  return (
    <div className="space-y-4">
      <form ref={formRef} action={formAction} className="grid items-start gap-4 md:grid-cols-[1fr_10rem_auto]" noValidate>
        <Field label="Token name" name="name" error={err?.name} hint="What uses it, e.g. ci-publish or monitoring.">
          <Input {...fieldProps("name", err?.name, true)} autoComplete="off" defaultValue={v?.name} />
        </Field>
        <Field label="Role" name="role" error={err?.role}>
          <RoleSelect {...fieldProps("role", err?.role)} defaultValue={v?.role ?? "viewer"} />
        </Field>
        <SubmitButton className="md:mt-6" pendingText="Creating…">
          Create token
        </SubmitButton>
      </form>
      <FormMessage state={state?.ok ? null : state} />
      {created && (
        <div className="space-y-2 rounded-md border border-amber-300 bg-amber-50 p-4" data-testid="new-token">
          <p className="text-sm font-medium text-amber-900">Token {created.name} created. Copy it now: it is shown only this once and stored only as a hash.</p>
          <div className="flex items-center gap-2">
            <code className="flex-1 break-all rounded bg-white px-2 py-1.5 font-mono text-sm" data-testid="new-token-value">
              {created.token}
            </code>
            <Button
              type="button"
              variant="outline"
              size="sm"
              onClick={() =>
                navigator.clipboard?.writeText(created.token).then(
                  () => toast.success("Copied"),
                  () => toast.error("Copy failed: select the text instead"),
                )
              }
            >
              Copy
            </Button>
          </div>
          <p className="text-xs text-amber-900">
            Use it as <code>Authorization: Bearer &lt;token&gt;</code> on <code>/api/v1</code>.
          </p>
        </div>
      )}
    </div>
  );
}
