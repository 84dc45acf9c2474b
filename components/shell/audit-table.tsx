import { format } from "date-fns";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { AuditRow } from "@/lib/data/audit";

function Json({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span className="text-slate-400">—</span>;
  return (
    <pre className="max-h-48 max-w-md overflow-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 text-[11px] leading-snug">
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

export function AuditTable({ entries }: { entries: AuditRow[] }) {
  return (
    <Table>
      <TableHeader>
        <TableRow>
          <TableHead>When (UTC)</TableHead>
          <TableHead>Who</TableHead>
          <TableHead>Action</TableHead>
          <TableHead>Target</TableHead>
          <TableHead>Change</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {entries.map((e) => (
          <TableRow key={e.id} className="align-top" data-testid="audit-row">
            <TableCell className="whitespace-nowrap font-mono text-xs">{format(e.at, "yyyy-MM-dd HH:mm:ss")}</TableCell>
            <TableCell className="text-sm">{e.actorName}</TableCell>
            <TableCell className="font-mono text-xs">{e.action}</TableCell>
            <TableCell className="text-sm">
              {e.targetType} {e.targetName && <span className="font-medium">{e.targetName}</span>}
              {e.hosts && (
                <p className="mt-1 max-w-xs text-xs text-slate-600" data-testid="audit-hosts">
                  {e.hosts.shown.join(", ")}
                  {e.hosts.count > e.hosts.shown.length && ` and ${e.hosts.count - e.hosts.shown.length} more`}
                </p>
              )}
            </TableCell>
            <TableCell>
              {e.before || e.after ? (
                <details>
                  <summary className="cursor-pointer text-xs text-blue-700">before / after</summary>
                  <div className="mt-2 grid gap-2 lg:grid-cols-2">
                    <Json value={e.before} />
                    <Json value={e.after} />
                  </div>
                </details>
              ) : (
                <span className="text-slate-400">—</span>
              )}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
