"use client";

import { Copy } from "lucide-react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";

/** A fingerprint (or other public text) in monospace with a Copy button, for comparing elsewhere. */
export function CopyText({ text, label, testId }: { text: string; label: string; testId?: string }) {
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <code className="break-all font-mono text-xs" data-testid={testId}>
        {text}
      </code>
      <Button
        type="button"
        variant="ghost"
        size="sm"
        aria-label={`Copy ${label}`}
        onClick={() =>
          navigator.clipboard?.writeText(text).then(
            () => toast.success("Copied"),
            () => toast.error("Copy failed: select the text instead"),
          )
        }
      >
        <Copy aria-hidden="true" />
      </Button>
    </span>
  );
}
