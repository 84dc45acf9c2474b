import Link from "next/link";
import { utc } from "@/components/publications/format";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { HOST_STATE_LABELS } from "@/lib/rollout/labels";
import type { RolloutWire } from "./rollout-wire";

/** Every host of the rollout, wave by wave: where it stands, why, and what it goes from and to. */
export function RolloutHostsTable({ rollout }: { rollout: RolloutWire }) {
  return (
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
        {rollout.waveList.flatMap((w) =>
          w.hosts.map((h) => (
            <TableRow key={h.name} data-testid="rollout-host" data-host={h.name}>
              <TableCell>
                <Link href={`/hosts/${encodeURIComponent(h.name)}`} className="font-mono text-sm font-medium text-blue-700 hover:underline">
                  {h.name}
                </Link>
              </TableCell>
              <TableCell className="whitespace-nowrap text-sm">{w.label}</TableCell>
              <TableCell className="whitespace-nowrap text-sm" data-testid="rollout-host-state">
                {HOST_STATE_LABELS[h.state]}
              </TableCell>
              <TableCell className="text-sm">{h.stage ?? "—"}</TableCell>
              <TableCell className="max-w-80 text-xs text-slate-700">{h.reason ?? "—"}</TableCell>
              <TableCell className="whitespace-nowrap font-mono text-xs">{h.expectedVersion ?? "—"}</TableCell>
              <TableCell className="whitespace-nowrap font-mono text-xs">{h.previousVersion ?? "—"}</TableCell>
              <TableCell className="max-w-64 text-xs text-slate-700">{h.powerMessage ?? "—"}</TableCell>
              <TableCell className="whitespace-nowrap font-mono text-xs">{h.cycledAt ? utc(new Date(h.cycledAt)).replace(" UTC", "") : "—"}</TableCell>
            </TableRow>
          )),
        )}
      </TableBody>
    </Table>
  );
}
