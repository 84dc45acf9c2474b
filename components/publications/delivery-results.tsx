import { Badge } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { duration, plural, utc } from "./format";
import { DaemonOutput } from "./validation-results";

export interface DeliveryRow {
  server: string;
  target: string;
  status: string;
  message: string | null;
  durationMs: number;
}

/**
 * Each boot server's copy of one publication: delivered, or failed with rsync's message; and, when
 * given, where the server's copy stands now (`behind`: publications it lacks, by server name; null
 * while it has no copy at all).
 */
export function DeliveryResults({ deliveries, behind }: { deliveries: DeliveryRow[]; behind?: Map<string, number | null> }) {
  return (
    <Table>
      <TableHeader>
        <TableRow>
          <TableHead>Boot server</TableHead>
          <TableHead>Delivered to</TableHead>
          <TableHead>Status</TableHead>
          <TableHead className="text-right">Duration</TableHead>
          {behind && <TableHead>Copy now</TableHead>}
          <TableHead>rsync</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {deliveries.map((d) => (
          <TableRow key={d.server} className="align-top hover:bg-transparent">
            <TableCell className="font-medium">{d.server}</TableCell>
            <TableCell className="font-mono text-xs break-all">{d.target}</TableCell>
            <TableCell>
              <Badge variant={d.status === "delivered" ? "success" : "danger"}>{d.status}</Badge>
            </TableCell>
            <TableCell className="whitespace-nowrap text-right text-xs tabular-nums">{duration(d.durationMs)}</TableCell>
            {behind && (
              <TableCell>
                {behind.get(d.server) === 0 ? (
                  <Badge variant="success">up to date</Badge>
                ) : behind.get(d.server) === null ? (
                  <Badge variant="warning">no copy yet</Badge>
                ) : behind.has(d.server) ? (
                  <Badge variant="warning">behind by {plural(behind.get(d.server)!, "publication")}</Badge>
                ) : (
                  <span className="text-slate-500">no longer a boot server</span>
                )}
              </TableCell>
            )}
            <TableCell className="w-full max-w-0">
              {d.message ? <DaemonOutput output={d.message} tone={d.status === "delivered" ? "plain" : "error"} /> : <span className="text-slate-500">—</span>}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

export interface ServerStateRow {
  server: string;
  target: string;
  last: { status: string; at: Date; message: string | null; publicationId: string } | null;
  behind: number;
  hasCopy: boolean;
}

/** Where each boot server's copy stands now: its last delivery and how many publications it lacks. */
export function BootServerStates({ states }: { states: ServerStateRow[] }) {
  return (
    <Table>
      <TableHeader>
        <TableRow>
          <TableHead>Boot server</TableHead>
          <TableHead>Delivered to</TableHead>
          <TableHead>Copy</TableHead>
          <TableHead>Last delivery</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {states.map((s) => (
          <TableRow key={s.server} className="align-top hover:bg-transparent">
            <TableCell className="font-medium">{s.server}</TableCell>
            <TableCell className="font-mono text-xs break-all">{s.target}</TableCell>
            <TableCell>
              {s.behind === 0 && s.hasCopy ? (
                <Badge variant="success">up to date</Badge>
              ) : (
                <Badge variant="warning">{s.hasCopy ? `behind by ${plural(s.behind, "publication")}` : "no copy yet"}</Badge>
              )}
            </TableCell>
            <TableCell className="w-full max-w-0 text-sm">
              {s.last ? (
                <>
                  <a className="text-blue-700 hover:underline" href={`/publications/${encodeURIComponent(s.last.publicationId)}`}>
                    {s.last.status}
                  </a>{" "}
                  <span className="text-slate-500">{utc(s.last.at)}</span>
                  {s.last.status === "failed" && s.last.message && <DaemonOutput output={s.last.message} tone="error" />}
                </>
              ) : (
                <span className="text-slate-500">none yet: the next publication delivers it</span>
              )}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
