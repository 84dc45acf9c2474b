import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { LineProblem } from "@/lib/inventory/bulk-result";
import { fmt } from "./format";

/** Problems of a bulk batch by line (CSV) or row (range), one line per problem. */
export function ProblemsTable({
  problems,
  total,
  lineLabel = "Line",
  caption,
}: {
  problems: LineProblem[];
  total: number;
  lineLabel?: string;
  caption?: string;
}) {
  return (
    <div className="max-h-96 overflow-y-auto rounded-md border border-red-200">
      <Table aria-label={caption ?? "Problems"}>
        <TableHeader className="sticky top-0 bg-red-50">
          <TableRow>
            <TableHead className="w-20">{lineLabel}</TableHead>
            <TableHead className="w-28">Field</TableHead>
            <TableHead>Reason</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {problems.map((p, i) => (
            <TableRow key={`${p.line}-${p.field}-${i}`}>
              <TableCell className="tabular-nums">{p.line > 0 ? p.line : "—"}</TableCell>
              <TableCell className="font-mono text-xs">{p.field}</TableCell>
              <TableCell>{p.message}</TableCell>
            </TableRow>
          ))}
        </TableBody>
        {total > problems.length && (
          <TableCaption className="pb-3">
            Showing the first {fmt(problems.length)} of {fmt(total)} problems. Fix these and preview again to see the rest.
          </TableCaption>
        )}
      </Table>
    </div>
  );
}
