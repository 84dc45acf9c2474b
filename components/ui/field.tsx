import type { ReactNode } from "react";
import { cn } from "@/lib/utils";
import { Label } from "@/components/ui/label";

export type FieldProps = {
  label: ReactNode;
  /** Used as the control's id and name; the hint and error ids derive from it. */
  name: string;
  error?: string;
  hint?: ReactNode;
  required?: boolean;
  className?: string;
  children: ReactNode;
};

/** Label + control + hint + error. Pair the control with `fieldProps(name, error, !!hint)`. */
export function Field({ label, name, error, hint, children, required, className }: FieldProps) {
  return (
    <div data-slot="field" className={cn("space-y-1.5", className)}>
      <Label htmlFor={name}>
        {label}
        {required && (
          <span aria-hidden="true" className="ml-0.5 text-red-600">
            *
          </span>
        )}
      </Label>
      {children}
      <FieldNotes name={name} hint={hint} error={error} />
    </div>
  );
}

/** A control's hint and the refusal that concerns it, under the ids `fieldProps` points at. */
export function FieldNotes({ name, hint, error, className }: { name: string; hint?: ReactNode; error?: string; className?: string }) {
  return (
    <>
      {hint && (
        <p id={`${name}-hint`} className={cn("text-xs text-slate-600", className)}>
          {hint}
        </p>
      )}
      {error && (
        <p id={`${name}-error`} className={cn("text-sm text-red-600", className)}>
          {error}
        </p>
      )}
    </>
  );
}

/** Props wiring a control to its Field: id, name, aria-invalid and aria-describedby. */
export function fieldProps(name: string, error?: string, hint?: boolean) {
  const describedBy = [hint ? `${name}-hint` : null, error ? `${name}-error` : null].filter(Boolean).join(" ");
  return {
    id: name,
    name,
    "aria-invalid": error ? (true as const) : undefined,
    "aria-describedby": describedBy || undefined,
  };
}
