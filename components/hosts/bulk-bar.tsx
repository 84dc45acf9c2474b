"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import type { ActionState } from "@/lib/action-state";
import type { HostChoices } from "@/lib/data/host-queries";
import { assignReleaseAction, changeCellAction, changeTagsAction, deleteHostsAction, matchingHostsAction } from "@/app/(console)/hosts/actions";
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
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/native-select";
import { SubmitButton } from "@/components/ui/submit-button";
import { paramRecord, type HostParams } from "@/lib/validation/host-query";
import { BulkPower } from "@/components/power/bulk-power";
import { ReleaseOptions } from "./release-options";

// The bar over the hosts table when hosts are selected: each action applies to every selected
// host or to none (the data layer is all-or-nothing); the outcome is a toast. Power is the
// exception: each host's BMC answers for itself, and the answers are shown host by host.

type Action = (prev: ActionState, form: FormData) => Promise<ActionState>;

interface Props {
  selected: string[];
  onPage: number;
  total: number;
  params: HostParams;
  choices: HostChoices;
  onSelect: (names: string[]) => void;
  onClear: () => void;
}

const fmt = new Intl.NumberFormat("en-US");
const hosts = (n: number) => `${fmt.format(n)} host${n === 1 ? "" : "s"}`;

/**
 * A refused action as a toast: the problems, each naming its host when the data layer keyed it by
 * host ("node01.release"), rather than a form's "correct the highlighted fields".
 */
function refused(state: Exclude<ActionState, null | { ok: true }>) {
  const problems = Object.entries(state.fieldErrors ?? {})
    .map(([key, m]) => {
      const host = /^(.+)\.[A-Za-z]+$/.exec(key)?.[1];
      return host && !/^\d+$/.test(host) ? `${host}: ${m}` : m.replace(/^item \d+: /, "");
    })
    .filter((m, i, all) => all.indexOf(m) === i);
  const [title, ...rest] = problems.length ? problems : [state.error];
  toast.error(title, rest.length ? { description: rest.slice(0, 4).join("\n") } : undefined);
}

export function BulkBar({ selected, onPage, total, params, choices, onSelect, onClear }: Props) {
  const router = useRouter();
  const [confirmOpen, setConfirmOpen] = useState(false);
  const [selecting, startSelecting] = useTransition();
  const [deleting, startDeleting] = useTransition();

  async function run(action: Action, form: FormData): Promise<boolean> {
    for (const name of selected) form.append("names", name);
    const state = await action(null, form);
    if (state?.ok) {
      toast.success(state.message ?? "Done");
      onClear();
      router.refresh();
      return true;
    }
    if (state) refused(state);
    return false;
  }
  const submit = (action: Action) => async (form: FormData) => {
    await run(action, form);
  };

  function selectAllMatching() {
    startSelecting(async () => {
      const form = new FormData();
      for (const [k, v] of Object.entries(paramRecord(params))) form.set(k, v);
      const state = await matchingHostsAction(null, form);
      if (state?.ok && state.data) onSelect(state.data);
      else if (state && !state.ok) refused(state);
    });
  }

  function confirmDelete() {
    startDeleting(async () => {
      if (await run(deleteHostsAction, new FormData())) setConfirmOpen(false);
    });
  }

  const count = selected.length;
  return (
    <section aria-label="Bulk actions" className="space-y-3 rounded-lg border border-blue-200 bg-blue-50/60 p-3">
      <div className="flex flex-wrap items-center gap-3 text-sm">
        <p role="status" className="font-medium text-slate-900" data-testid="selection-count">
          {hosts(count)} selected{onPage !== count ? ` (${onPage} on this page)` : ""}
        </p>
        {count < total && (
          <Button type="button" variant="link" size="sm" className="h-auto px-0" onClick={selectAllMatching} disabled={selecting}>
            {selecting ? "Selecting…" : `Select all ${fmt.format(total)} matching`}
          </Button>
        )}
        <Button type="button" variant="ghost" size="sm" onClick={onClear}>
          Clear selection
        </Button>
      </div>
      <div className="flex flex-wrap items-end gap-x-6 gap-y-3">
        <form action={submit(assignReleaseAction)} className="flex items-center gap-2">
          <NativeSelect name="release" aria-label="Release to assign" required defaultValue="" containerClassName="w-56">
            <option value="" disabled>
              Release to assign…
            </option>
            <ReleaseOptions releases={choices.releases} />
          </NativeSelect>
          <SubmitButton size="sm" variant="outline" pendingText="Assigning…">
            Assign release
          </SubmitButton>
        </form>
        <form action={submit(changeTagsAction)} className="flex items-center gap-2">
          <Input name="tags" aria-label="Tags to add or remove" placeholder="tag1 tag2" className="w-40" autoComplete="off" />
          <SubmitButton size="sm" variant="outline" name="op" value="add">
            Add tags
          </SubmitButton>
          <SubmitButton size="sm" variant="outline" name="op" value="remove">
            Remove tags
          </SubmitButton>
        </form>
        <form action={submit(changeCellAction)} className="flex items-center gap-2">
          <NativeSelect name="cell" aria-label="Cell to move to" required defaultValue="" containerClassName="w-48">
            <option value="" disabled>
              Cell to move to…
            </option>
            {choices.cells.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </NativeSelect>
          <SubmitButton size="sm" variant="outline" pendingText="Moving…">
            Change cell
          </SubmitButton>
        </form>
        <BulkPower selected={selected} />
        <AlertDialog open={confirmOpen} onOpenChange={(open) => !deleting && setConfirmOpen(open)}>
          {/* the trigger gets the focus back when the dialog closes */}
          <AlertDialogTrigger asChild>
            <Button type="button" variant="destructive" size="sm">
              Delete…
            </Button>
          </AlertDialogTrigger>
          <AlertDialogContent>
            <AlertDialogHeader>
              <AlertDialogTitle>Delete {hosts(count)}?</AlertDialogTitle>
              <AlertDialogDescription>
                Their DHCP and PXE entries are removed at the next publication and their boot history is deleted. Either all {hosts(count)} are deleted or none.
                This cannot be undone.
              </AlertDialogDescription>
            </AlertDialogHeader>
            <AlertDialogFooter>
              <AlertDialogCancel type="button" disabled={deleting}>
                Cancel
              </AlertDialogCancel>
              <Button type="button" variant="destructive" onClick={confirmDelete} disabled={deleting}>
                {deleting ? "Deleting…" : `Delete ${hosts(count)}`}
              </Button>
            </AlertDialogFooter>
          </AlertDialogContent>
        </AlertDialog>
      </div>
    </section>
  );
}
