import { Badge } from "@/components/ui/badge";

export type VersionStatus = "draft" | "active" | "retired";

/** Badge colours per status: drafts neutral, active green, retired muted. */
export const STATUS_VARIANT = { draft: "secondary", active: "success", retired: "outline" } as const;

/** A version's status, and "latest" on the version hosts following the release boot. */
export function VersionStatusBadge({ status, isLatest }: { status: VersionStatus; isLatest?: boolean }) {
  return (
    <span className="inline-flex flex-wrap items-center gap-1">
      <Badge variant={STATUS_VARIANT[status]}>{status}</Badge>
      {isLatest && (
        <Badge variant="info" title="Hosts that follow the release (not pinned) boot this version">
          latest
        </Badge>
      )}
    </span>
  );
}

/**
 * A label for the next version, suggested from `from`: its last number incremented ("7" → "8",
 * "1.2" → "1.3"), skipping labels already taken. Only a suggestion: the form lets it be changed.
 */
export function suggestNextLabel(taken: string[], from?: string): string {
  const used = new Set(taken);
  if (!from) {
    let n = taken.length + 1;
    while (used.has(String(n))) n += 1;
    return String(n);
  }
  const m = /^(.*?)(\d+)(\D*)$/.exec(from);
  let candidate = from;
  for (let i = 1; i < 1000 && used.has(candidate); i += 1) {
    candidate = m ? `${m[1]}${Number(m[2]) + i}${m[3]}` : `${from}.${i}`;
  }
  return used.has(candidate) ? "" : candidate;
}
