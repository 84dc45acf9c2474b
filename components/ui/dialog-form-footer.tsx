"use client";

import type { ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { DialogClose, DialogFooter } from "@/components/ui/dialog";
import { SubmitButton } from "@/components/ui/submit-button";

/** The footer of a dialog that holds a form: Cancel closes it, the submit button says it is working. */
export function DialogFormFooter({ children, pendingText }: { children: ReactNode; pendingText: ReactNode }) {
  return (
    <DialogFooter>
      <DialogClose asChild>
        <Button type="button" variant="outline">
          Cancel
        </Button>
      </DialogClose>
      <SubmitButton pendingText={pendingText}>{children}</SubmitButton>
    </DialogFooter>
  );
}
