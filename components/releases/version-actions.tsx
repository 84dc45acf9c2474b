"use client";

import Link from "next/link";
import { CheckCircle2, Pencil } from "lucide-react";
import type { ActionState } from "@/lib/action-state";
import type { StatusEffect } from "@/lib/data/releases";
import { Button } from "@/components/ui/button";
import { ConfirmDelete } from "@/components/ui/confirm-delete";
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
  version: { version: string; status: VersionStatus; pinnedHosts: number; isLatest: boolean; statusEffect: StatusEffect | null };
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
      {v.status === "draft" && (
        <ConfirmDelete
          action={actions.activate}
          verb="Activate"
          variant="default"
          what={`version ${ref}`}
          triggerLabel={
            <>
              <CheckCircle2 className="size-4" aria-hidden />
              Activate
            </>
          }
          hidden={{ ...hidden, ...(v.statusEffect ? { expectMoved: String(v.statusEffect.moved) } : {}) }}
          size={size}
          description={activateText(releaseName, v.version, v.statusEffect)}
        />
      )}
      <CopyVersionDialog action={actions.copy} releaseName={releaseName} version={v.version} suggested={suggested} size={size} />
      {v.status === "active" && (
        <ConfirmDelete
          action={actions.retire}
          verb="Retire"
          what={`version ${ref}`}
          hidden={{ ...hidden, ...(v.statusEffect ? { expectMoved: String(v.statusEffect.moved) } : {}) }}
          size={size}
          description={
            v.pinnedHosts > 0
              ? `${v.pinnedHosts} host(s) are pinned to this version: the console will refuse until they are assigned another.`
              : retireText(releaseName, v.statusEffect)
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

const hosts = (n: number) => `${n.toLocaleString("en-US")} host${n === 1 ? "" : "s"}`;

/** What activating does, in the confirmation: the followers that move and from where. */
export function activateText(release: string, version: string, e: StatusEffect | null): string {
  const moved = e?.moved ?? 0;
  if (moved === 0)
    return `No host follows ${release}'s latest version now; hosts assigned it later get @${version}. Pinned hosts stay where they are. You can retire it again.`;
  return `${hosts(moved)} that follow ${release}'s latest version move ${e?.from ? `from @${e.from} ` : ""}to @${version} at the next publication, and reboot into it. Pinned hosts stay where they are.`;
}

/** What retiring does: the followers that move to the previous version, or are left without one. */
export function retireText(release: string, e: StatusEffect | null): string {
  const moved = e?.moved ?? 0;
  const after = "A retired version cannot be activated again; its settings stay on record.";
  if (moved === 0) return `No host boots this version through ${release}'s latest. ${after}`;
  if (!e?.to)
    return `${hosts(moved)} follow ${release}'s latest version, and no other version is active: they are left out of publications until one is activated. ${after}`;
  return `${hosts(moved)} that follow ${release}'s latest version move from @${e.from} back to @${e.to} at the next publication. ${after}`;
}
