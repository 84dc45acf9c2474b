"use client";

import type { ActionState } from "@/lib/action-state";
import { Field, fieldProps } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { Input } from "@/components/ui/input";
import { SubmitButton } from "@/components/ui/submit-button";
import { Textarea } from "@/components/ui/textarea";
import { useEntityForm } from "@/components/ui/use-entity-form";

export interface ReleaseFormValues {
  name: string;
  tree: string;
  imagesDir: string | null;
  notes: string;
  revision: number;
}

interface Props {
  action: (prev: ActionState, form: FormData) => Promise<ActionState>;
  release?: ReleaseFormValues;
  submitLabel: string;
}

export function ReleaseForm({ action, release, submitLabel }: Props) {
  const { state, formAction, fieldErrors: err, initial } = useEntityForm(action, release);

  return (
    <form action={formAction} className="space-y-5" noValidate>
      {release && <input type="hidden" name="current" value={release.name} />}
      {release && <input type="hidden" name="revision" value={release.revision} />}
      <div className="grid gap-5 md:grid-cols-2">
        <Field label="Name" name="name" error={err?.name} hint="Letters, digits, '.', '_' and '-'; hosts name it in the fleet file." required>
          <Input {...fieldProps("name", err?.name, true)} defaultValue={initial("name")} placeholder="rh-7.3" />
        </Field>
        <Field label="Tree" name="tree" error={err?.tree} hint="The distribution tree in AFS: read-only directories are bind-mounted from it." required>
          <Input {...fieldProps("tree", err?.tree, true)} defaultValue={initial("tree")} placeholder="/afs/example.org/boot/RH/7.3" />
        </Field>
        <Field
          label="Images directory"
          name="imagesDir"
          error={err?.imagesDir}
          hint="Optional: where publishing reads the kernel and base initrd. Empty means the tree's boot/ folder."
        >
          <Input {...fieldProps("imagesDir", err?.imagesDir, true)} defaultValue={initial("imagesDir")} placeholder="/afs/example.org/boot/RH/7.3/boot" />
        </Field>
      </div>
      <Field label="Notes" name="notes" error={err?.notes}>
        <Textarea {...fieldProps("notes", err?.notes)} rows={3} defaultValue={initial("notes")} />
      </Field>
      <FormMessage state={state?.ok ? null : state} />
      <SubmitButton pendingText="Saving…">{submitLabel}</SubmitButton>
    </form>
  );
}
