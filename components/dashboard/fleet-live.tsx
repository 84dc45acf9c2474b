"use client";

import { useEffect, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { AlertTriangle } from "lucide-react";
import { fmtCount } from "@/components/publications/format";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { BootingNow } from "./booting-now";
import { DurationHistograms } from "./duration-histograms";
import { FLEET_POLL_MS, fetchFleetStatus, fleetKeys, type FleetStatusWire } from "./fleet-wire";
import { RecentFailures } from "./recent-failures";
import { StateChart } from "./state-chart";

/**
 * The fleet as it boots: polls /api/v1/fleet/status every 5 s while the tab is visible. The server
 * renders the first numbers (no empty flash); a failed poll keeps the last ones and says so.
 */
export function FleetLive({ initial }: { initial: FleetStatusWire }) {
  const query = useQuery({
    queryKey: fleetKeys.status(),
    queryFn: ({ signal }) => fetchFleetStatus(signal),
    initialData: initial,
    initialDataUpdatedAt: Date.parse(initial.generatedAt),
    refetchInterval: FLEET_POLL_MS,
    refetchIntervalInBackground: false,
    retry: 1, // the next poll is the retry: say soon that the numbers are getting old
  });
  const data = query.data;
  // the clock relative times are read against: the data's own time at first (server and browser
  // agree on it), then ticking once a second in the browser
  const [now, setNow] = useState(() => Date.parse(initial.generatedAt));
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  const age = Math.max(0, Math.round((now - query.dataUpdatedAt) / 1000));

  return (
    <section aria-labelledby="fleet-heading" className="space-y-4">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="fleet-heading" className="text-lg font-semibold text-slate-900">
          Fleet
        </h2>
        <p className="text-xs text-slate-600" data-testid="fleet-updated">
          {fmtCount(data.total)} host{data.total === 1 ? "" : "s"} · updated {age}s ago
        </p>
      </div>
      {query.isError && (
        <div
          role="status"
          className="flex items-start gap-2 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900"
          data-testid="fleet-error"
        >
          <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden />
          <span>
            Could not refresh the fleet status ({query.error.message}). Showing the numbers from {age}s ago; retrying every {FLEET_POLL_MS / 1000}s.
          </span>
        </div>
      )}
      <Card>
        <CardHeader>
          <CardTitle as="h3">Hosts by state</CardTitle>
          <CardDescription>The effective state of each host&apos;s last boot. Choose a state to list its hosts.</CardDescription>
        </CardHeader>
        <CardContent>
          <StateChart counts={data.counts} total={data.total} />
        </CardContent>
      </Card>
      {/* one above the other: side by side, half a 1440 px screen cut Booting now's columns off */}
      <div className="grid gap-4 [&>*]:min-w-0">
        <Card>
          <CardHeader>
            <CardTitle as="h3">Booting now</CardTitle>
            <CardDescription>Boots that have not reached up or failed; stalled ones have been quiet longer than their stage allows.</CardDescription>
          </CardHeader>
          <CardContent>
            <BootingNow rows={data.bootingNow} now={now} />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle as="h3">Recent failures</CardTitle>
            <CardDescription>The last failed boots, newest first.</CardDescription>
          </CardHeader>
          <CardContent>
            <RecentFailures rows={data.recentFailures} now={now} />
          </CardContent>
        </Card>
      </div>
      <Card>
        <CardHeader>
          <CardTitle as="h3">Boot duration per release</CardTitle>
          <CardDescription>Seconds from a boot&apos;s first report to up, for boots that came up in the last 7 days.</CardDescription>
        </CardHeader>
        <CardContent>
          <DurationHistograms durations={data.durations} />
        </CardContent>
      </Card>
    </section>
  );
}
