import type { ComponentProps } from "react";
import { ChevronDown } from "lucide-react";
import { cn } from "@/lib/utils";
import { controlClasses } from "@/components/ui/input";

export type NativeSelectProps = ComponentProps<"select"> & {
  /** Classes for the wrapper (use it for width, e.g. "w-48"); `className` styles the <select>. */
  containerClassName?: string;
};

/** A plain <select>, styled like Input. Works without JavaScript. */
export function NativeSelect({ className, containerClassName, children, ...props }: NativeSelectProps) {
  return (
    <div className={cn("relative w-full", containerClassName)}>
      <select data-slot="native-select" className={cn(controlClasses, "h-9 cursor-pointer appearance-none py-1 pr-9", className)} {...props}>
        {children}
      </select>
      <ChevronDown aria-hidden="true" className="pointer-events-none absolute right-3 top-1/2 size-4 -translate-y-1/2 text-slate-500" />
    </div>
  );
}
