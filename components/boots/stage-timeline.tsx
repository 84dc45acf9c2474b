import { duration } from "@/components/publications/format";
import type { BootView } from "@/lib/data/boots";
import { cn } from "@/lib/utils";

type Stages = BootView["stages"];

/** What a bar says when hovered: the stage, how long it took, and its message. */
const describe = (s: Stages[number]) =>
  `${s.failed ? `${s.stage} failed` : s.stage}${s.ms == null ? " (first report)" : ` after ${duration(s.ms)}`}${s.message ? `: ${s.message}` : ""}`;

/**
 * One bar per stage reached, as wide as the time the stage took (since the stage before; the first
 * report has no duration and gets the narrowest bar). The failure, if any, is the last bar, in red.
 * The bars are a list, so a screen reader reads the stages and times in order.
 */
export function StageTimeline({ stages, label }: { stages: Stages; label: string }) {
  return (
    <ol aria-label={label} className="flex w-full gap-0.5 overflow-hidden rounded-md" data-testid="stage-timeline">
      {stages.map((s, i) => (
        <li
          key={`${s.stage}-${i}`}
          data-testid="stage-bar"
          data-stage={s.stage}
          data-failed={s.failed || undefined}
          title={describe(s)}
          style={{ flexGrow: s.ms ?? 0, flexBasis: 0 }}
          className={cn(
            "min-w-12 truncate sm:min-w-16 px-1.5 py-1 text-[11px] leading-tight",
            s.failed ? "bg-red-600 text-white" : s.stage === "up" ? "bg-green-100 text-green-900" : "bg-blue-100 text-blue-900",
          )}
        >
          <span className="block truncate font-mono font-medium">
            {s.stage}
            {s.failed && <span className="sr-only"> (failed)</span>}
          </span>
          <span className="block truncate tabular-nums">{s.ms == null ? "start" : `+${duration(s.ms)}`}</span>
        </li>
      ))}
    </ol>
  );
}
