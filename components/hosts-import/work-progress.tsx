"use client";

import { useEffect, useState } from "react";
import { CircleAlert, CircleCheck, Circle, LoaderCircle } from "lucide-react";
import { cn } from "@/lib/utils";
import { seconds } from "./format";

// Progress of a long bulk operation as phases (reading the file, checking N rows, saving N hosts),
// each with its own elapsed time. Server phases report no fraction: their segment of the bar is
// animated instead of faking a percentage.

export type StepStatus = "pending" | "active" | "done" | "failed";

export interface Step {
  key: string;
  label: string;
  status: StepStatus;
  /** performance.now() when the step started */
  startedAt?: number;
  /** duration once finished */
  ms?: number;
  /** 0..1 when known (reading a file), else null */
  fraction?: number | null;
}

/** Re-renders every 100 ms while `active`, returning performance.now(). */
function useTicker(active: boolean): number {
  const [now, setNow] = useState(0);
  useEffect(() => {
    if (!active) return;
    const tick = () => setNow(performance.now());
    tick();
    const id = window.setInterval(tick, 100);
    return () => window.clearInterval(id);
  }, [active]);
  return now;
}

export function WorkProgress({ steps, className }: { steps: Step[]; className?: string }) {
  const active = steps.find((s) => s.status === "active");
  const now = useTicker(!!active);
  if (steps.length === 0) return null;
  const elapsed = (s: Step) => (s.status === "active" && s.startedAt !== undefined ? Math.max(0, now - s.startedAt) : (s.ms ?? 0));
  const done = steps.filter((s) => s.status === "done").length;
  const share = 1 / steps.length;
  const activeFraction = active?.fraction ?? null;
  const overall = Math.min(1, done * share + (activeFraction ?? 0) * share);
  const activeIndex = active ? steps.indexOf(active) : -1;
  const failed = steps.some((s) => s.status === "failed");
  const total = steps.reduce((sum, s) => sum + elapsed(s), 0);
  const valueText = active ? `${active.label}, ${seconds(elapsed(active))}` : failed ? "Stopped" : `Done in ${seconds(total)}`;

  return (
    <div className={cn("space-y-3", className)} data-testid="work-progress">
      <div
        role="progressbar"
        aria-label="Progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(overall * 100)}
        aria-valuetext={valueText}
        className="relative h-2.5 w-full overflow-hidden rounded-full bg-slate-200"
      >
        <div
          className={cn("absolute inset-y-0 left-0 transition-[width] duration-200", failed ? "bg-red-500" : "bg-blue-600")}
          style={{ width: `${overall * 100}%` }}
        />
        {active && activeFraction === null && (
          <div className="absolute inset-y-0 animate-pulse bg-blue-400" style={{ left: `${activeIndex * share * 100}%`, width: `${share * 100}%` }} />
        )}
      </div>
      <ol className="flex flex-wrap gap-x-6 gap-y-1 text-sm" aria-live="polite">
        {steps.map((s) => (
          <li key={s.key} className={cn("flex items-center gap-1.5", s.status === "pending" ? "text-slate-500" : "text-slate-800")}>
            {s.status === "done" && <CircleCheck className="size-4 text-green-600" aria-hidden />}
            {s.status === "active" && <LoaderCircle className="size-4 animate-spin text-blue-600" aria-hidden />}
            {s.status === "failed" && <CircleAlert className="size-4 text-red-600" aria-hidden />}
            {s.status === "pending" && <Circle className="size-4 text-slate-400" aria-hidden />}
            <span>{s.label}</span>
            {s.status !== "pending" && <span className="tabular-nums text-slate-500">{seconds(elapsed(s))}</span>}
          </li>
        ))}
      </ol>
    </div>
  );
}

/** Step bookkeeping for the bulk pages: start one (in its planned place, else last), finish or fail it. */
export function startStep(steps: Step[], key: string, label: string, fraction: number | null = null): Step[] {
  const step: Step = { key, label, status: "active", startedAt: performance.now(), fraction };
  return steps.some((s) => s.key === key) ? steps.map((s) => (s.key === key ? step : s)) : [...steps, step];
}

export function endStep(steps: Step[], key: string, status: "done" | "failed", label?: string): Step[] {
  return steps.map((s) =>
    s.key === key && s.status === "active"
      ? { ...s, status, label: label ?? s.label, ms: performance.now() - (s.startedAt ?? performance.now()), fraction: null }
      : s,
  );
}

export function stepFraction(steps: Step[], key: string, fraction: number): Step[] {
  return steps.map((s) => (s.key === key ? { ...s, fraction } : s));
}
