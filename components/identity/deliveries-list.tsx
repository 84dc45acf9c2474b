import Link from "next/link";
import { utc } from "@/components/publications/format";
import { Badge } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { IdentityWire } from "./identity-wire";

// The host's last secrets deliveries, one per boot: when, from which address, in which mode, and
// whether the bundle went out (delivered), was never fetched in time (expired) or is awaited.

const STATE_VARIANT = { delivered: "success", expired: "secondary", activated: "info" } as const;

export function DeliveriesList({ host, deliveries, mode }: { host: string; deliveries: IdentityWire["identity"]["deliveries"]; mode: string }) {
  if (!deliveries.length)
    return (
      <p className="text-sm text-slate-600" data-testid="deliveries-none">
        No deliveries yet.{" "}
        {mode === "none"
          ? "With identity mode none the host gets no secrets: set tpm on the host or its network."
          : "The host's next boot fetches its secrets; each delivery is listed here."}
      </p>
    );
  return (
    <div className="space-y-2">
      <Table data-testid="deliveries">
        <TableHeader>
          <TableRow>
            <TableHead>When</TableHead>
            <TableHead>Boot</TableHead>
            <TableHead>From</TableHead>
            <TableHead>Mode</TableHead>
            <TableHead>State</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {deliveries.map((d) => (
            <TableRow key={d.bootId}>
              <TableCell className="whitespace-nowrap font-mono text-xs">{utc(new Date(d.createdAt))}</TableCell>
              <TableCell className="font-mono text-xs" title={`boot ${d.bootId}`}>
                {d.bootId.slice(0, 12)}
              </TableCell>
              <TableCell className="font-mono text-xs">{d.ip}</TableCell>
              <TableCell>{d.mode === "port" ? "source port" : d.mode}</TableCell>
              <TableCell>
                <Badge variant={STATE_VARIANT[d.state as keyof typeof STATE_VARIANT] ?? "secondary"}>{d.state}</Badge>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <p className="text-xs text-slate-600">
        Each boot&apos;s stages are in the{" "}
        <Link className="underline" href={`/hosts/${encodeURIComponent(host)}#boot-history`}>
          boot history
        </Link>
        .
      </p>
    </div>
  );
}
