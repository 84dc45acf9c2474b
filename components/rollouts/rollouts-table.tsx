import Link from "next/link";
import { utc } from "@/components/publications/format";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { RolloutSummary } from "@/lib/data/rollouts";
import { countsText, progressText } from "@/lib/rollout/labels";
import { RolloutStateBadge } from "./rollout-state-badge";

/** The rollouts' history, newest first; each row opens the rollout with its waves. */
export function RolloutsTable({ rows }: { rows: RolloutSummary[] }) {
  return (
    <Table>
      <TableHeader>
        <TableRow>
          <TableHead>Version</TableHead>
          <TableHead>State</TableHead>
          <TableHead>Mode</TableHead>
          <TableHead className="text-right">Hosts</TableHead>
          <TableHead>Progress</TableHead>
          <TableHead>Last decision</TableHead>
          <TableHead>Started by</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((r) => (
          <TableRow key={r.id} data-testid="rollout-row" data-id={r.id}>
            <TableCell className="whitespace-nowrap">
              <Link href={`/rollouts/${encodeURIComponent(r.id)}`} className="font-mono text-sm font-medium text-blue-700 hover:underline">
                {r.version}
              </Link>
            </TableCell>
            <TableCell>
              <RolloutStateBadge state={r.state} />
            </TableCell>
            <TableCell className="text-sm">{r.mode}</TableCell>
            <TableCell className="text-right text-sm tabular-nums">{r.hostCount}</TableCell>
            <TableCell className="text-sm">
              <div className="whitespace-nowrap">{progressText(r.currentWave, r.waves)}</div>
              <div className="text-xs text-slate-600">{countsText(r.counts)}</div>
            </TableCell>
            <TableCell className="min-w-64 max-w-96 text-xs text-slate-700">
              {/* the whole decision is on the rollout's page (and in the title): a long one names every failed host */}
              <span className="line-clamp-3" title={r.decision ?? undefined}>
                {r.decision ?? "—"}
              </span>
            </TableCell>
            <TableCell className="text-sm">
              <div>{r.actorName}</div>
              <div className="whitespace-nowrap font-mono text-xs text-slate-600">{utc(r.createdAt)}</div>
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
