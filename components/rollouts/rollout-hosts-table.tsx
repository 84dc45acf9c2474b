"use client";

import { useState } from "react";
import Link from "next/link";
import { utc } from "@/components/publications/format";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { RolloutHostState } from "@/lib/generated/prisma/enums";
import { HOST_STATE_LABELS, HOST_STATE_ORDER } from "@/lib/rollout/labels";
import type { RolloutWire } from "./rollout-wire";

/** Rows shown before "Show all": a rollout of thousands of hosts stays a page people can scroll. */
const FIRST = 100;

/** Every host of the rollout, wave by wave: where it stands, why, and what it goes from and to; filtered by state. */
export function RolloutHostsTable({ rollout }: { rollout: RolloutWire }) {
  const [state, setState] = useState<RolloutHostState | "">("");
  const [all, setAll] = useState(false);
  const rows = rollout.waveList.flatMap((w) => w.hosts.filter((h) => !state || h.state === state).map((h) => ({ wave: w.label, h })));
  const shown = all ? rows : rows.slice(0, FIRST);
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-2">
        <Label htmlFor="rollout-host-state">State</Label>
        <NativeSelect
          id="rollout-host-state"
          containerClassName="w-56"
          value={state}
          onChange={(e) => setState(e.currentTarget.value as RolloutHostState | "")}
        >
          <option value="">All ({rollout.hostCount})</option>
          {HOST_STATE_ORDER.filter((s) => rollout.counts[s]).map((s) => (
            <option key={s} value={s}>
              {HOST_STATE_LABELS[s]} ({rollout.counts[s]})
            </option>
          ))}
        </NativeSelect>
      </div>
      <Table aria-label="Hosts of the rollout">
        <TableHeader>
          <TableRow>
            <TableHead>Host</TableHead>
            <TableHead>Wave</TableHead>
            <TableHead>State</TableHead>
            <TableHead>Stage</TableHead>
            <TableHead>Reason</TableHead>
            <TableHead>Expected</TableHead>
            <TableHead>Previous</TableHead>
            <TableHead>Power answer</TableHead>
            <TableHead>Cycled at (UTC)</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {shown.map(({ wave, h }) => (
            <TableRow key={h.name} data-testid="rollout-host" data-host={h.name}>
              <TableCell className="whitespace-nowrap">
                <Link href={`/hosts/${encodeURIComponent(h.name)}`} className="font-mono text-sm font-medium text-blue-700 hover:underline">
                  {h.name}
                </Link>
              </TableCell>
              <TableCell className="whitespace-nowrap text-sm">{wave}</TableCell>
              <TableCell className="whitespace-nowrap text-sm">{HOST_STATE_LABELS[h.state]}</TableCell>
              <TableCell className="text-sm">{h.stage ?? "—"}</TableCell>
              <TableCell className="min-w-48 max-w-96 text-xs text-slate-700">
                <span className="line-clamp-3" title={h.reason ?? undefined}>
                  {h.reason ?? "—"}
                </span>
              </TableCell>
              <TableCell className="whitespace-nowrap font-mono text-xs">{h.expectedVersion ?? "—"}</TableCell>
              <TableCell className="whitespace-nowrap font-mono text-xs">{h.previousVersion ?? "—"}</TableCell>
              <TableCell className="max-w-64 text-xs text-slate-700">{h.powerMessage ?? "—"}</TableCell>
              <TableCell className="whitespace-nowrap font-mono text-xs">{h.cycledAt ? utc(new Date(h.cycledAt)).replace(" UTC", "") : "—"}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {rows.length > shown.length && (
        <Button type="button" variant="outline" size="sm" onClick={() => setAll(true)}>
          Show all {rows.length} hosts
        </Button>
      )}
    </div>
  );
}
