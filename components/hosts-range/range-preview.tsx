import { CircleAlert, CircleCheck } from "lucide-react";
import { ProblemsTable } from "@/components/hosts-import/problems-table";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { fmt, plural } from "@/components/hosts-import/format";
import type { RangePreview as Preview } from "@/lib/inventory/range-result";

/** The generated hosts, each with its problems, and a count line. */
export function RangePreview({ preview, cell, release }: { preview: Preview; cell: string; release: string }) {
  const clean = preview.problemCount === 0;
  const shownUpTo = preview.hosts.length;
  const beyond = preview.problems.filter((p) => p.line > shownUpTo || p.line === 0);
  return (
    <div className="space-y-4">
      <p data-testid="preview-summary" className={`flex items-center gap-2 text-sm font-medium ${clean ? "text-green-800" : "text-red-800"}`}>
        {clean ? <CircleCheck className="size-4 text-green-600" aria-hidden /> : <CircleAlert className="size-4 text-red-600" aria-hidden />}
        {`${plural(preview.valid, "host")} OK, ${plural(preview.problemCount, "problem")}`}
        <span className="font-normal text-slate-600">
          · cell {cell} · release {release}
        </span>
      </p>
      <div className="max-h-[32rem] overflow-y-auto rounded-md border border-slate-200">
        <Table aria-label="Generated hosts">
          <TableHeader className="sticky top-0">
            <TableRow>
              <TableHead className="w-16">Row</TableHead>
              <TableHead>Hostname</TableHead>
              <TableHead>MAC</TableHead>
              <TableHead>IP</TableHead>
              <TableHead>Problems</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {preview.hosts.map((h) => (
              <TableRow key={h.row} className={h.problems.length ? "bg-red-50/60 hover:bg-red-50" : undefined}>
                <TableCell className="tabular-nums text-slate-500">{h.row}</TableCell>
                <TableCell className="font-medium">{h.name}</TableCell>
                <TableCell className="font-mono text-xs">{h.mac}</TableCell>
                <TableCell className="font-mono text-xs">{h.ip}</TableCell>
                <TableCell className="text-sm">
                  {h.problems.length === 0 ? (
                    <span className="text-slate-500">—</span>
                  ) : (
                    <ul className="space-y-0.5 text-red-800">
                      {h.problems.map((p, i) => (
                        <li key={i}>{p.message}</li>
                      ))}
                    </ul>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
      {preview.total > shownUpTo && (
        <p className="text-xs text-slate-600">
          Showing the first {fmt(shownUpTo)} of {fmt(preview.total)} hosts.
        </p>
      )}
      {beyond.length > 0 && (
        <section className="space-y-2">
          <h3 className="text-sm font-semibold text-slate-900">Problems further down</h3>
          <ProblemsTable problems={beyond} total={beyond.length} lineLabel="Row" />
        </section>
      )}
    </div>
  );
}
