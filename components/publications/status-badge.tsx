import { Badge } from "@/components/ui/badge";
import type { PublicationRow } from "@/lib/data/publications";

const STATUS: Record<PublicationRow["status"], { label: string; variant: "success" | "danger" | "info" | "secondary" }> = {
  succeeded: { label: "succeeded", variant: "success" },
  failed: { label: "failed", variant: "danger" },
  running: { label: "running", variant: "info" },
  dry_run: { label: "dry run", variant: "secondary" },
};

/** A publication's outcome, and a warning beside it when a post-publish hook failed (the files are live regardless). */
export function PublicationStatus({ status, hooks }: { status: PublicationRow["status"]; hooks: PublicationRow["hooks"] }) {
  const s = STATUS[status];
  return (
    <span className="inline-flex flex-wrap items-center gap-1.5">
      <Badge variant={s.variant}>{s.label}</Badge>
      {hooks === "failed" && (
        <Badge variant="warning" title="A post-publish hook did not exit 0; the files were published">
          hook failed
        </Badge>
      )}
    </span>
  );
}
