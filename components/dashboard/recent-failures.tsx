import Link from "next/link";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { FleetStatusWire } from "./fleet-wire";
import { RelativeTime } from "./relative-time";

/** The latest failed boots across the fleet, newest first, each leading to its host's boot history. */
export function RecentFailures({ rows, now }: { rows: FleetStatusWire["recentFailures"]; now: number }) {
  if (rows.length === 0) return <p className="text-sm text-slate-600">No failed boots.</p>;
  return (
    <Table data-testid="recent-failures">
      <TableHeader>
        <TableRow>
          <TableHead>Host</TableHead>
          <TableHead>Failed stage</TableHead>
          <TableHead>Message</TableHead>
          <TableHead>When</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((f) => (
          <TableRow key={f.bootId}>
            <TableCell className="whitespace-nowrap">
              <Link href={`/hosts/${encodeURIComponent(f.host)}`} className="font-medium text-blue-700 hover:underline">
                {f.host}
              </Link>
            </TableCell>
            <TableCell className="whitespace-nowrap font-mono text-xs">{f.failedStage ?? "—"}</TableCell>
            <TableCell className="w-full max-w-0 truncate text-slate-700" title={f.message ?? undefined}>
              {f.message ?? <span className="text-slate-500">no message</span>}
            </TableCell>
            <TableCell className="text-slate-600">
              <RelativeTime at={f.at} now={now} />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
