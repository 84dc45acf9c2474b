import { CircleAlert, CircleCheck } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { BulkPreview, PreviewRow } from "@/lib/inventory/bulk-result";
import { fmt, plural } from "./format";
import { ProblemsTable } from "./problems-table";

/** "9,998 rows OK, 2 problems" with the problems by line and the first rows that will be created. */
export function PreviewSummary({ preview }: { preview: BulkPreview }) {
  const clean = preview.problemCount === 0;
  return (
    <div className="space-y-4">
      <p data-testid="preview-summary" className={`flex items-center gap-2 text-sm font-medium ${clean ? "text-green-800" : "text-red-800"}`}>
        {clean ? <CircleCheck className="size-4 text-green-600" aria-hidden /> : <CircleAlert className="size-4 text-red-600" aria-hidden />}
        {`${plural(preview.valid, "row")} OK, ${plural(preview.problemCount, "problem")}`}
        {!clean && preview.problemLines > 0 && preview.total > 0 && ` on ${plural(preview.problemLines, "line")}`}
        {` (${fmt(preview.total)} in the file)`}
      </p>
      {!clean && (
        <section className="space-y-2">
          <h3 className="text-sm font-semibold text-slate-900">Problems</h3>
          <ProblemsTable problems={preview.problems} total={preview.problemCount} caption="Problems by line" />
        </section>
      )}
      {preview.sample.length > 0 && (
        <section className="space-y-2">
          <h3 className="text-sm font-semibold text-slate-900">{clean ? "First hosts that will be created" : "First rows without problems"}</h3>
          <SampleTable rows={preview.sample} />
        </section>
      )}
      {clean && preview.valid > preview.sample.length && <p className="text-xs text-slate-600">… and {fmt(preview.valid - preview.sample.length)} more.</p>}
    </div>
  );
}

export function SampleTable({ rows }: { rows: PreviewRow[] }) {
  return (
    <Table aria-label="Hosts to create">
      <TableHeader>
        <TableRow>
          <TableHead className="w-16">Line</TableHead>
          <TableHead>Hostname</TableHead>
          <TableHead>MAC</TableHead>
          <TableHead>IP</TableHead>
          <TableHead>Cell</TableHead>
          <TableHead>Release</TableHead>
          <TableHead>Tags</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((r) => (
          <TableRow key={r.line}>
            <TableCell className="tabular-nums text-slate-500">{r.line}</TableCell>
            <TableCell className="font-medium">{r.name}</TableCell>
            <TableCell className="font-mono text-xs">{r.mac}</TableCell>
            <TableCell className="font-mono text-xs">{r.ip}</TableCell>
            <TableCell>{r.cell}</TableCell>
            <TableCell>{r.release}</TableCell>
            <TableCell>
              <span className="flex flex-wrap gap-1">
                {r.tags.map((t) => (
                  <Badge key={t} variant="secondary">
                    {t}
                  </Badge>
                ))}
              </span>
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
