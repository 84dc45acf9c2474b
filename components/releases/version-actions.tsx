"use client";

import { useActionState } from "react";
import Link from "next/link";
import { CheckCircle2, Pencil } from "lucide-react";
import { toast } from "sonner";
import type { ActionState } from "@/lib/action-state";
import { Button } from "@/components/ui/button";
import { ConfirmDelete } from "@/components/ui/confirm-delete";
import { SubmitButton } from "@/components/ui/submit-button";
import { CopyVersionDialog } from "./copy-version-dialog";
import type { VersionStatus } from "./version-status";

type Action = (prev: ActionState, form: FormData) => Promise<ActionState>;

/** The server actions a version's buttons call (passed down from the page). */
export interface VersionActionSet {
  activate: Action;
  retire: Action;
  remove: Action;
  copy: Action;
}

interface Props {
  actions: VersionActionSet;
  releaseName: string;
  version: { version: string; status: VersionStatus; pinnedHosts: number; isLatest: boolean };
  /** Label offered for "New version from this one". */
  suggested: string;
  /** Show an Edit link (drafts) — not on the draft's own page, which is the form. */
  showEdit?: boolean;
  /** After deleting the draft, go here (from the version's own page). */
  afterDelete?: string;
  size?: "default" | "sm";
}

export function VersionActions({ actions, releaseName, version: v, suggested, showEdit = true, afterDelete, size = "sm" }: Props) {
  const hidden = { release: releaseName, current: v.version };
  const ref = `${releaseName}@${v.version}`;
  return (
    <div className="flex flex-wrap items-center gap-2">
      {v.status === "draft" && showEdit && (
        <Button asChild variant="outline" size={size}>
          <Link href={`/releases/${encodeURIComponent(releaseName)}/versions/${encodeURIComponent(v.version)}`}>
            <Pencil className="size-4" aria-hidden />
            Edit
          </Link>
        </Button>
      )}
      {v.status === "draft" && <ActivateButton action={actions.activate} hidden={hidden} size={size} />}
      <CopyVersionDialog action={actions.copy} releaseName={releaseName} version={v.version} suggested={suggested} size={size} />
      {v.status === "active" && (
        <ConfirmDelete
          action={actions.retire}
          verb="Retire"
          what={`version ${ref}`}
          hidden={hidden}
          size={size}
          description={
            v.pinnedHosts > 0
              ? `${v.pinnedHosts} host(s) are pinned to this version: the console will refuse until they are assigned another.`
              : v.isLatest
                ? "This is the latest active version: hosts that follow the release move to the most recently activated remaining one (if any) at the next publication. A retired version cannot be activated again."
                : "A retired version is no longer offered to hosts and cannot be activated again; its settings stay on record."
          }
        />
      )}
      {v.status === "draft" && (
        <ConfirmDelete
          action={actions.remove}
          what={`draft ${ref}`}
          hidden={hidden}
          size={size}
          redirectTo={afterDelete}
          description="No host uses a draft. This removes it for good."
        />
      )}
    </div>
  );
}

/** Activating needs no confirmation: it is what a draft is for, and it can be retired again. */
function ActivateButton({ action, hidden, size }: { action: Action; hidden: Record<string, string>; size: "default" | "sm" }) {
  const [, formAction] = useActionState<ActionState, FormData>(async (prev, form) => {
    const result = await action(prev, form);
    // toasted here, not in an effect: the page refreshes and this button is gone once active
    if (result?.ok) toast.success(result.message ?? "Activated");
    else if (result) toast.error(result.error);
    return result;
  }, null);
  return (
    <form action={formAction}>
      {Object.entries(hidden).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <SubmitButton size={size} pendingText="Activating…">
        <CheckCircle2 className="size-4" aria-hidden />
        Activate
      </SubmitButton>
    </form>
  );
}
