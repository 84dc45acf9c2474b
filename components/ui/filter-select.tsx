"use client";

import { useRef, type KeyboardEvent } from "react";
import { stepsSelect } from "@/lib/keyboard";
import { NativeSelect, type NativeSelectProps } from "@/components/ui/native-select";

export type FilterSelectProps = Omit<NativeSelectProps, "onChange" | "onKeyDown" | "onKeyUp"> & {
  /** The value in force (the URL's): Escape puts it back. */
  applied: string;
  /** Applies the select's new value (typically: navigates to the filtered view). */
  onApply: (select: HTMLSelectElement) => void;
};

/**
 * A select whose choice applies at once, as a filter's does, without loading a page for each
 * step of the keyboard. A choice made in the open list (mouse, touch, or Enter in the list) fires
 * one `change` and applies; on the closed select, each arrow or type-ahead step fires `change`
 * too, so those only move the value, and Enter applies it (Escape puts back the applied one).
 * WCAG 3.2.2: browsing the options must not change the context.
 */
export function FilterSelect({ applied, onApply, ...props }: FilterSelectProps) {
  // a step key is down: the `change` it fires is browsing, not a choice (reset on key up)
  const stepping = useRef(false);

  function onKeyDown(e: KeyboardEvent<HTMLSelectElement>) {
    const select = e.currentTarget;
    if (stepsSelect(e)) stepping.current = true;
    else if (e.key === "Enter" && select.value !== applied) {
      e.preventDefault();
      onApply(select);
    } else if (e.key === "Escape" && select.value !== applied) {
      e.preventDefault();
      select.value = applied;
    }
  }

  return (
    <NativeSelect
      {...props}
      onKeyDown={onKeyDown}
      onKeyUp={() => {
        stepping.current = false;
      }}
      onChange={(e) => {
        if (!stepping.current) onApply(e.currentTarget);
      }}
    />
  );
}
