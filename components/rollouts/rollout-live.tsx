"use client";

import { hostCount } from "@/lib/plural";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { AlertTriangle } from "lucide-react";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { countsText, progressText, rolloutOver, stateSentence } from "@/lib/rollout/labels";
import { cn } from "@/lib/utils";
import { RolloutHostsTable } from "./rollout-hosts-table";
import { RolloutLevers, type LeverAction } from "./rollout-levers";
import { RolloutSettings } from "./rollout-settings";
import { RolloutStateBadge } from "./rollout-state-badge";
import { ROLLOUT_POLL_MS, fetchRollout, rolloutKeys, type RolloutWire } from "./rollout-wire";
import { WavePicture } from "./wave-picture";

const TONE: Record<RolloutWire["state"], string> = {
  running: "border-blue-200 bg-blue-50 text-blue-950",
  paused: "border-amber-200 bg-amber-50 text-amber-950",
  halted: "border-red-200 bg-red-50 text-red-950",
  rolling_back: "border-red-200 bg-red-50 text-red-950",
  completed: "border-green-200 bg-green-50 text-green-950",
  rolled_back: "border-slate-200 bg-slate-50 text-slate-900",
  aborted: "border-slate-200 bg-slate-50 text-slate-900",
};

/**
 * A rollout as it happens: the server renders the first picture, then it is asked again every 2 s
 * (the driver's tick) until the rollout is over. Operators get the levers for its state.
 */
export function RolloutLive({ initial, leverAction }: { initial: RolloutWire; leverAction: LeverAction | null }) {
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: rolloutKeys.detail(initial.id),
    queryFn: ({ signal }) => fetchRollout(initial.id, signal),
    initialData: initial,
    refetchInterval: (q) => (q.state.data && rolloutOver(q.state.data.state) ? false : ROLLOUT_POLL_MS),
    refetchIntervalInBackground: false,
    retry: 1,
  });
  const r = query.data;
  const refresh = () => queryClient.invalidateQueries({ queryKey: rolloutKeys.detail(r.id) });
  return (
    <div className="space-y-6">
      <section aria-labelledby="gate-heading" className={cn("space-y-2 rounded-lg border px-4 py-3", TONE[r.state])}>
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h2 id="gate-heading" className="flex flex-wrap items-center gap-2 text-base font-semibold">
            <RolloutStateBadge state={r.state} />
            <span>
              {progressText(r.currentWave, r.waves)} · {hostCount(r.hostCount)}: {countsText(r.counts)}
            </span>
          </h2>
          {leverAction && <RolloutLevers rollout={r} action={leverAction} onDone={refresh} />}
        </div>
        <p className="text-sm" data-testid="rollout-sentence">
          {stateSentence(r.state, r.version)}
        </p>
        <p role="status" className="text-sm font-medium" data-testid="rollout-decision">
          {r.decision ? `The gate: ${r.decision}` : "The gate has not decided yet: the first wave is being prepared."}
        </p>
      </section>
      {query.isError && (
        <p role="status" className="flex items-start gap-2 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden />
          Could not refresh the rollout ({query.error.message}); showing what was last read, retrying every {ROLLOUT_POLL_MS / 1000} s.
        </p>
      )}
      <Card>
        <CardHeader>
          <CardTitle>Waves</CardTitle>
          <CardDescription>
            Each square is a host, coloured by its state; hover it (or read it out) for its stage and times.
            {rolloutOver(r.state) ? "" : " Updated every 2 seconds."}
          </CardDescription>
        </CardHeader>
        <CardContent>
          <WavePicture rollout={r} />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Settings</CardTitle>
        </CardHeader>
        <CardContent>
          <RolloutSettings rollout={r} />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Hosts</CardTitle>
        </CardHeader>
        <CardContent>
          <RolloutHostsTable rollout={r} />
        </CardContent>
      </Card>
    </div>
  );
}
