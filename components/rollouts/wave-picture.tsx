import { hostCount } from "@/lib/plural";
import { utc } from "@/components/publications/format";
import type { RolloutHostState } from "@/lib/generated/prisma/enums";
import { HOST_STATE_LABELS, HOST_STATE_ORDER, countsText } from "@/lib/rollout/labels";
import { cn } from "@/lib/utils";
import type { RolloutHostWire, RolloutWire } from "./rollout-wire";

// The waves as a picture: one row per wave (the canary first), one small square per host coloured
// by its state. The colour is never the only sign: each square has its state, stage and times in
// its title (on hover) and as text for screen readers, and the legend names every colour.

const COLOUR: Record<RolloutHostState, string> = {
  pending: "border-slate-300 bg-slate-100",
  published: "border-sky-400 bg-sky-200",
  cycling: "border-indigo-600 bg-indigo-400 motion-safe:animate-pulse",
  waiting: "border-amber-500 bg-amber-300",
  up: "border-green-700 bg-green-500",
  failed: "border-red-800 bg-red-600",
  rollback_published: "border-orange-400 bg-orange-200",
  rollback_cycling: "border-orange-600 bg-orange-400 motion-safe:animate-pulse",
  rollback_waiting: "border-orange-600 bg-orange-300",
  rolled_back: "border-violet-700 bg-violet-400",
  rollback_failed: "border-red-950 bg-red-900",
  skipped: "border-dashed border-slate-400 bg-white",
};

/** A host's square in words: "node001: up, stage up, cycled 2026-…, done 2026-…". */
export function hostCellText(h: RolloutHostWire): string {
  return [
    `${h.name}: ${HOST_STATE_LABELS[h.state]}`,
    h.stage ? `stage ${h.stage}` : null,
    h.cycledAt ? `cycled ${utc(new Date(h.cycledAt))}` : null,
    h.finishedAt ? `done ${utc(new Date(h.finishedAt))}` : null,
    h.reason,
  ]
    .filter(Boolean)
    .join(", ");
}

export function WavePicture({ rollout }: { rollout: RolloutWire }) {
  const present = new Set(rollout.waveList.flatMap((w) => w.hosts.map((h) => h.state)));
  return (
    <div className="space-y-4">
      <ol className="space-y-3" aria-label="Waves">
        {rollout.waveList.map((w) => {
          const current = w.index === rollout.currentWave && !["completed", "aborted"].includes(rollout.state);
          return (
            <li
              key={w.index}
              data-testid="wave"
              data-wave={w.index}
              aria-current={current ? "step" : undefined}
              className={cn("rounded-md border p-3", current ? "border-blue-300 bg-blue-50/50" : "border-slate-200")}
            >
              <div className="mb-2 flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
                <h3 className="text-sm font-semibold text-slate-900">
                  {w.label}
                  <span className="ml-2 font-normal text-slate-600">{hostCount(w.hosts.length)}</span>
                </h3>
                <p className="text-xs text-slate-600" data-testid="wave-counts">
                  {countsText(w.counts)} · may fail: {w.limit}
                </p>
              </div>
              <ul className="flex flex-wrap gap-1" aria-label={`${w.label} hosts`}>
                {w.hosts.map((h) => (
                  <li
                    key={h.name}
                    title={hostCellText(h)}
                    data-testid="host-cell"
                    data-host={h.name}
                    data-state={h.state}
                    className={cn("size-5 rounded-sm border", COLOUR[h.state])}
                  >
                    <span className="sr-only">{hostCellText(h)}</span>
                  </li>
                ))}
              </ul>
            </li>
          );
        })}
      </ol>
      <ul className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600" aria-label="Legend">
        {HOST_STATE_ORDER.filter((s) => present.has(s) || ["pending", "waiting", "up", "failed", "skipped"].includes(s)).map((s) => (
          <li key={s} className="flex items-center gap-1.5">
            <span aria-hidden="true" className={cn("inline-block size-3 rounded-sm border", COLOUR[s].replace("motion-safe:animate-pulse", ""))} />
            {HOST_STATE_LABELS[s]}
          </li>
        ))}
      </ul>
    </div>
  );
}
