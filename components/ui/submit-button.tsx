"use client";

import type { ReactNode } from "react";
import { useFormStatus } from "react-dom";
import { Button, type ButtonProps } from "@/components/ui/button";

export type SubmitButtonProps = Omit<ButtonProps, "type" | "asChild"> & {
  /** Shown instead of `children` while the form is submitting. */
  pendingText?: ReactNode;
};

/** A submit button that disables itself while its parent <form> is pending. */
export function SubmitButton({ children, pendingText, disabled, ...props }: SubmitButtonProps) {
  const { pending } = useFormStatus();
  return (
    <Button type="submit" disabled={pending || disabled} aria-busy={pending || undefined} {...props}>
      {pending && pendingText ? pendingText : children}
    </Button>
  );
}
