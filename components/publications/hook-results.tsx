import type { HookResult } from "@/lib/publish/hooks";
import { Badge } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { duration } from "./format";
import { DaemonOutput } from "./validation-results";

const VARIANT = { ok: "success", failed: "danger", timeout: "warning", error: "danger" } as const;

/** The post-publish hooks that ran after a publication, in order, with what they printed. */
export function HookResults({ hooks }: { hooks: HookResult[] }) {
  return (
    <Table>
      <TableHeader>
        <TableRow>
          <TableHead>Hook</TableHead>
          <TableHead>Status</TableHead>
          <TableHead className="text-right">Exit code</TableHead>
          <TableHead className="text-right">Duration</TableHead>
          <TableHead>Output</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {hooks.map((h, i) => (
          <TableRow key={`${i} ${h.name}`} className="align-top hover:bg-transparent">
            <TableCell className="font-mono text-xs">{h.name}</TableCell>
            <TableCell>
              <Badge variant={VARIANT[h.status]}>{h.status}</Badge>
            </TableCell>
            <TableCell className="text-right font-mono text-xs">{h.exitCode ?? "—"}</TableCell>
            <TableCell className="whitespace-nowrap text-right text-xs tabular-nums">{duration(h.durationMs)}</TableCell>
            <TableCell className="w-full max-w-0">
              {h.output.trim() ? <DaemonOutput output={h.output} tone={h.status === "ok" ? "plain" : "error"} /> : <span className="text-slate-500">—</span>}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
