import type { ReactNode } from "react";
import { FieldNotes, fieldProps } from "@/components/ui/field";

export type CheckboxFieldProps = {
  /** The checkbox's id and name; the hint and error ids derive from it. */
  name: string;
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
  defaultChecked: boolean;
};

/** A checkbox with its label, an explanation and the refusal that concerns it (Field's layout, for a yes/no setting). */
export function CheckboxField({ name, label, hint, error, defaultChecked }: CheckboxFieldProps) {
  return (
    <div data-slot="field" className="space-y-1">
      <label className="flex items-start gap-2 text-sm font-medium">
        <input
          type="checkbox"
          {...fieldProps(name, error, !!hint)}
          defaultChecked={defaultChecked}
          className="mt-0.5 size-4 shrink-0 rounded border-slate-300"
        />
        {label}
      </label>
      <FieldNotes name={name} hint={hint} error={error} className="pl-6" />
    </div>
  );
}
