import Link from "next/link";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { PublicationRow } from "@/lib/data/publications";
import { ChangeCountsText } from "./changed-files";
import { duration, utc } from "./format";
import { PublicationStatus } from "./status-badge";

/** "full", or "hosts: a, b, c and 4 more". */
export function scopeText(p: Pick<PublicationRow, "scope" | "scopeHosts">, max = 3): string {
  if (p.scope !== "hosts" || !p.scopeHosts) return p.scope;
  const more = p.scopeHosts.length - max;
  return `hosts: ${p.scopeHosts.slice(0, max).join(", ")}${more > 0 ? ` and ${more} more` : ""}`;
}

export const changeCounts = (p: PublicationRow) => ({ added: p.filesAdded, changed: p.filesChanged - p.filesAdded - p.filesRemoved, removed: p.filesRemoved });

/** The publication history; each row opens the publication with its files and diffs. */
export function HistoryTable({ rows }: { rows: PublicationRow[] }) {
  return (
    <Table>
      <TableHeader>
        <TableRow>
          <TableHead>When (UTC)</TableHead>
          <TableHead>Who</TableHead>
          <TableHead>Scope</TableHead>
          <TableHead>Status</TableHead>
          <TableHead>Files</TableHead>
          <TableHead className="text-right">Duration</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((p) => (
          <TableRow key={p.id}>
            <TableCell className="whitespace-nowrap">
              <Link href={`/publications/${encodeURIComponent(p.id)}`} className="font-mono text-xs font-medium text-blue-700 hover:underline">
                {utc(p.startedAt).replace(" UTC", "")}
              </Link>
            </TableCell>
            <TableCell className="text-sm">{p.actor}</TableCell>
            <TableCell className="max-w-64 truncate text-sm" title={p.scopeHosts?.join(", ")}>
              {scopeText(p)}
            </TableCell>
            <TableCell>
              <PublicationStatus status={p.status} hooks={p.hooks} />
            </TableCell>
            <TableCell>
              {p.status === "failed" ? <span className="text-xs text-slate-500">none written</span> : <ChangeCountsText counts={changeCounts(p)} />}
            </TableCell>
            <TableCell className="whitespace-nowrap text-right text-xs tabular-nums">{p.durationMs === null ? "—" : duration(p.durationMs)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
