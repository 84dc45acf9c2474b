import type { ComponentProps } from "react";
import { cn } from "@/lib/utils";
import { controlClasses } from "@/components/ui/input";

export type TextareaProps = ComponentProps<"textarea">;

export function Textarea({ className, ...props }: TextareaProps) {
  return <textarea data-slot="textarea" className={cn(controlClasses, "min-h-20 py-2 read-only:bg-slate-50", className)} {...props} />;
}
