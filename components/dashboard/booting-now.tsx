import Link from "next/link";
import { StageProgress } from "@/components/boots/stage-progress";
import { BootStateBadge } from "@/components/hosts/boot-state-badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { cn } from "@/lib/utils";
import type { FleetStatusWire } from "./fleet-wire";
import { RelativeTime } from "./relative-time";

/** Hosts whose last boot has not finished: where each one is, and since when; stalled ones stand out. */
export function BootingNow({ rows, now }: { rows: FleetStatusWire["bootingNow"]; now: number }) {
  if (rows.length === 0) return <p className="text-sm text-slate-600">No host is booting.</p>;
  return (
    <Table data-testid="booting-now">
      <TableHeader>
        <TableRow>
          <TableHead>Host</TableHead>
          <TableHead>Stage</TableHead>
          <TableHead>State</TableHead>
          <TableHead>Started</TableHead>
          <TableHead>Last report</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((b) => (
          <TableRow key={b.host} className={cn(b.state === "stalled" && "bg-amber-50 hover:bg-amber-100")}>
            <TableCell className="whitespace-nowrap">
              <Link href={`/hosts/${encodeURIComponent(b.host)}`} className="font-medium text-blue-700 hover:underline">
                {b.host}
              </Link>
            </TableCell>
            <TableCell>
              <StageProgress stage={b.stage} stalled={b.state === "stalled"} />
            </TableCell>
            <TableCell>
              <BootStateBadge state={b.state} testId="boot-outcome" />
            </TableCell>
            <TableCell className="text-slate-600">
              <RelativeTime at={b.startedAt} now={now} />
            </TableCell>
            <TableCell className="text-slate-600">
              <RelativeTime at={b.lastEventAt} now={now} />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
