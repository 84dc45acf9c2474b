"use client";

import { Trash2 } from "lucide-react";
import { Button } from "@/components/ui/button";

/** The trash button of a row in a form's repeated fieldset (servers of a cell or a network); the last row stays. */
export function RemoveRowButton({ label, onlyRow, onRemove }: { label: string; onlyRow: boolean; onRemove: () => void }) {
  return (
    <Button type="button" variant="ghost" size="icon" className="mt-6" aria-label={label} disabled={onlyRow} onClick={onRemove}>
      <Trash2 className="h-4 w-4" />
    </Button>
  );
}
