"use client";

import { useActionState, useState } from "react";
import { CopyPlus } from "lucide-react";
import type { ActionState } from "@/lib/action-state";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { DialogFormFooter } from "@/components/ui/dialog-form-footer";
import { Field, fieldProps } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { Input } from "@/components/ui/input";

interface Props {
  action: (prev: ActionState, form: FormData) => Promise<ActionState>;
  releaseName: string;
  version: string;
  /** Pre-filled label for the new draft. */
  suggested: string;
  size?: "default" | "sm";
}

/** "New version from this one": asks the new label, then opens the draft copy. */
export function CopyVersionDialog({ action, releaseName, version, suggested, size = "sm" }: Props) {
  const [open, setOpen] = useState(false);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button type="button" variant="outline" size={size}>
          <CopyPlus className="size-4" aria-hidden />
          New version from this one
        </Button>
      </DialogTrigger>
      <DialogContent>
        {/* mounted only while open: a reopened dialog starts clean */}
        <CopyForm action={action} releaseName={releaseName} version={version} suggested={suggested} />
      </DialogContent>
    </Dialog>
  );
}

function CopyForm({ action, releaseName, version, suggested }: Omit<Props, "size">) {
  const [state, formAction] = useActionState(action, null);
  const err = state?.ok === false ? state.fieldErrors : undefined;
  const typed = state?.ok === false ? state.values?.newVersion : undefined;
  return (
    <form action={formAction} className="grid gap-4" noValidate>
      <DialogHeader>
        <DialogTitle>
          New version from {releaseName}@{version}
        </DialogTitle>
        <DialogDescription>A new draft with the same kernel, initrd, modules, directories and tmpfs size. Edit it, then activate it.</DialogDescription>
      </DialogHeader>
      <input type="hidden" name="release" value={releaseName} />
      <input type="hidden" name="current" value={version} />
      <Field label="New version" name="newVersion" error={err?.newVersion} hint="A label not yet used in this release." required>
        <Input {...fieldProps("newVersion", err?.newVersion, true)} defaultValue={typed ?? suggested} className="font-mono" autoFocus />
      </Field>
      <FormMessage state={state?.ok ? null : state} />
      <DialogFormFooter pendingText="Creating…">Create draft</DialogFormFooter>
    </form>
  );
}
