"use client";

import { useActionState, useState } from "react";
import { Loader2, Upload } from "lucide-react";
import type { ActionState } from "@/lib/action-state";
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { plural } from "./format";

export type Refusal = Extract<ActionState, { ok: false }>;

interface Props {
  /** Changed files the preview found (the publication writes what has changed when it runs). */
  count: number;
  exportDir: string;
  hooks: string[];
  /** Publishes; on success it redirects to the publication, so only a refusal comes back. */
  action: (prev: ActionState, form: FormData) => Promise<ActionState>;
  onRefused: (refusal: Refusal) => void;
}

export function PublishDialog({ count, exportDir, hooks, action, onRefused }: Props) {
  const [open, setOpen] = useState(false);
  const [, formAction, pending] = useActionState<ActionState, FormData>(async (prev, form) => {
    const result = await action(prev, form);
    if (result && !result.ok) {
      // the refusal (a daemon's output can be long) is shown on the page, not in the dialog
      setOpen(false);
      onRefused(result);
    }
    return result;
  }, null);
  const changes = plural(count, "change");

  return (
    <AlertDialog open={open} onOpenChange={(next) => !pending && setOpen(next)}>
      <AlertDialogTrigger asChild>
        <Button type="button">
          <Upload className="size-4" aria-hidden />
          Publish {changes}
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <form action={formAction} className="grid gap-4">
          <AlertDialogHeader>
            <AlertDialogTitle>Publish {changes}?</AlertDialogTitle>
            <AlertDialogDescription>
              dhcpd, kea and dnsmasq check the changed DHCP configs first: if one refuses, nothing is written. Then the files are written to{" "}
              <span className="break-all font-mono text-xs">{exportDir}</span>
              {hooks.length > 0 ? `, and the post-publish hooks run (${hooks.join(", ")}).` : "."} Hosts boot with them from their next boot on.
            </AlertDialogDescription>
          </AlertDialogHeader>
          <p role="status" aria-live="polite" className="flex min-h-5 items-center gap-2 text-sm text-slate-700">
            {pending && (
              <>
                <Loader2 className="size-4 animate-spin text-blue-600" aria-hidden />
                Publishing… validating with dhcpd, kea, dnsmasq
              </>
            )}
          </p>
          <AlertDialogFooter>
            <AlertDialogCancel type="button" disabled={pending}>
              Cancel
            </AlertDialogCancel>
            <Button type="submit" disabled={pending} aria-busy={pending || undefined}>
              {pending ? "Publishing…" : "Publish"}
            </Button>
          </AlertDialogFooter>
        </form>
      </AlertDialogContent>
    </AlertDialog>
  );
}
