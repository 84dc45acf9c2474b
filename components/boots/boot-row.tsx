import { BootStateBadge } from "@/components/hosts/boot-state-badge";
import { duration, shortSha, utc } from "@/components/publications/format";
import { Badge } from "@/components/ui/badge";
import type { BootView } from "@/lib/data/boots";
import { BootEvents } from "./boot-events";
import { StageTimeline } from "./stage-timeline";

/** How long the boot took, or how long it has been going (with the time of its last report). */
function took(b: BootView): string {
  if (b.durationMs != null) return duration(b.durationMs);
  return `not finished (last report ${utc(b.lastEventAt)})`;
}

/**
 * One boot: when it started, how it ended, what it booted (release version and overlay, marked when
 * the overlay is not the one the host is assigned now), its stages as a timeline, the raw events.
 */
export function BootRow({ boot: b, assignedInitrdSha256 }: { boot: BootView; assignedInitrdSha256: string | null }) {
  const stale = !!b.initrdSha256 && !!assignedInitrdSha256 && b.initrdSha256 !== assignedInitrdSha256;
  const failure = b.stages.find((s) => s.failed);
  return (
    <li className="space-y-3 py-4 first:pt-0 last:pb-0" data-testid="boot-row" data-boot-id={b.bootId}>
      <div className="flex flex-wrap items-center gap-x-4 gap-y-1 text-sm">
        <time dateTime={b.startedAt.toISOString()} className="font-mono text-xs font-medium" title={`boot ${b.bootId}`}>
          {utc(b.startedAt)}
        </time>
        <BootStateBadge state={b.state} testId="boot-outcome" />
        <span>
          <span className="text-slate-600">Duration </span>
          <span className="tabular-nums">{took(b)}</span>
        </span>
        <span>
          <span className="text-slate-600">Release </span>
          <span className="font-mono text-xs">{b.releaseVersion ?? "not reported"}</span>
        </span>
        <span className="inline-flex items-center gap-1.5">
          <span className="text-slate-600">Overlay </span>
          {b.initrdSha256 ? (
            <span className="font-mono text-xs" title={`sha256 ${b.initrdSha256}`} data-testid="boot-overlay">
              {shortSha(b.initrdSha256)}
            </span>
          ) : (
            <span className="font-mono text-xs">not reported</span>
          )}
          {stale && (
            <Badge variant="warning" title={`The host is now assigned overlay ${assignedInitrdSha256}`}>
              stale overlay
            </Badge>
          )}
        </span>
        {b.clientIp && (
          <span>
            <span className="text-slate-600">IP </span>
            <span className="font-mono text-xs">{b.clientIp}</span>
          </span>
        )}
      </div>
      {b.stages.length > 0 && <StageTimeline stages={b.stages} label={`Stages of the boot started ${utc(b.startedAt)}`} />}
      {failure && (
        <p className="text-sm text-red-800" data-testid="boot-failure">
          Failed at stage <span className="font-mono font-medium">{failure.stage}</span>
          {failure.message ? `: ${failure.message}` : " (no message)"}
        </p>
      )}
      {b.stages.length > 0 && <BootEvents stages={b.stages} />}
    </li>
  );
}
