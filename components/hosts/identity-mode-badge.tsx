import { Badge } from "@/components/ui/badge";
import { IDENTITY_DESCRIPTIONS, IDENTITY_LABELS, isWeakerIdentity, type IdentityModeName } from "@/lib/boot/identity-mode";

/**
 * A host's (or network's) identity mode as a badge: TPM, or the weaker source-port mode in warning
 * colours (the issue: "marked as weaker everywhere it shows"); nothing for none. `source` says
 * where the setting comes from, for the tooltip.
 */
export function IdentityModeBadge({ mode, source, className }: { mode: IdentityModeName; source?: string; className?: string }) {
  if (mode === "none") return null;
  const title = `Host identity: ${IDENTITY_DESCRIPTIONS[mode]}${source ? ` (${source})` : ""}`;
  return (
    <Badge variant={isWeakerIdentity(mode) ? "warning" : "info"} className={className} title={title} data-identity={mode}>
      {IDENTITY_LABELS[mode]}
    </Badge>
  );
}
