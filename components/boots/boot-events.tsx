"use client";

import { useEffect, useRef, useState } from "react";
import { utc } from "@/components/publications/format";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { BootView } from "@/lib/data/boots";

/**
 * The boot's reports as they were stored: server time (authoritative) beside the client's own clock.
 * The table is drawn only once opened: a host page lists up to 50 boots, and their tables would
 * otherwise be most of its weight.
 */
export function BootEvents({ stages }: { stages: BootView["stages"] }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDetailsElement>(null);
  // opened before hydration (a quick click): the toggle event came before React listened
  useEffect(() => {
    if (ref.current?.open) setOpen(true);
  }, []);
  return (
    <details ref={ref} className="group text-sm" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary className="cursor-pointer select-none rounded-sm text-blue-700 hover:underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-blue-500">
        Raw events ({stages.length})
      </summary>
      {open && (
        <div className="mt-2 rounded-md border border-slate-200">
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Stage</TableHead>
                <TableHead>Server time (UTC)</TableHead>
                <TableHead>Client time</TableHead>
                <TableHead>Message</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {stages.map((s, i) => (
                <TableRow key={`${s.stage}-${i}`}>
                  <TableCell className="font-mono text-xs">{s.failed ? `failed (at ${s.stage})` : s.stage}</TableCell>
                  <TableCell className="whitespace-nowrap font-mono text-xs">{utc(s.at).replace(" UTC", "")}</TableCell>
                  <TableCell className="whitespace-nowrap font-mono text-xs">{s.clientAt ?? "—"}</TableCell>
                  <TableCell className="break-words text-xs">{s.message ?? "—"}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}
    </details>
  );
}
