import type { Metadata } from "next";
import Link from "next/link";
import { Radar } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDelete } from "@/components/ui/confirm-delete";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { hasRole } from "@/lib/auth/roles";
import { requireActor } from "@/lib/auth/session";
import { listDiscovered } from "@/lib/data/discovery";
import { dismissUnknownAction } from "./actions";

export const metadata: Metadata = { title: "Unknown hosts" };

const when = (d: Date) => d.toISOString().replace("T", " ").slice(0, 19) + " UTC";

export default async function UnknownHostsPage({ searchParams }: { searchParams: Promise<{ page?: string; all?: string }> }) {
  const actor = await requireActor();
  const { page, all } = await searchParams;
  const showAll = all === "1";
  const result = await listDiscovered(actor, { page: Number(page) || 1, all: showAll });
  const canEdit = hasRole(actor.role, "operator");
  const toggle = (
    <Button asChild variant="outline">
      <Link href={showAll ? "/hosts/unknown" : "/hosts/unknown?all=1"}>{showAll ? "Hide dismissed" : "Show dismissed"}</Link>
    </Button>
  );
  return (
    <div className="space-y-6">
      <PageHeader
        title="Unknown hosts"
        description="MACs that PXE-booted or sent boot reports without being enrolled. Enroll them, or dismiss the ones that are not yours."
        breadcrumbs={[{ label: "Hosts", href: "/hosts" }, { label: "Unknown hosts" }]}
        actions={toggle}
      />
      {result.total === 0 ? (
        <EmptyState icon={Radar} title={showAll ? "No unknown hosts" : "No unknown hosts to review"}>
          When a machine PXE-boots from a boot server or reports its boot progress with a MAC that is not enrolled, the console keeps it here (MAC, when it was
          seen, its last IP and stage) so you can enroll it in a click. Reports from unknown MACs are never attached to a host. A machine that is not enrolled
          gets a DHCP lease only from a network&apos;s discovery range (set it on the network&apos;s page).
        </EmptyState>
      ) : (
        <>
          <Table aria-label="Unknown hosts">
            <TableHeader>
              <TableRow>
                <TableHead>MAC</TableHead>
                <TableHead>First seen</TableHead>
                <TableHead>Last seen</TableHead>
                <TableHead>Last IP</TableHead>
                <TableHead>Last stage</TableHead>
                <TableHead className="text-right">Reports</TableHead>
                {canEdit && <TableHead className="text-right">Actions</TableHead>}
              </TableRow>
            </TableHeader>
            <TableBody>
              {result.items.map((d) => (
                <TableRow key={d.id}>
                  <TableCell className="font-mono text-xs">
                    {d.mac}
                    {d.dismissed && (
                      <Badge variant="secondary" className="ml-2">
                        dismissed
                      </Badge>
                    )}
                  </TableCell>
                  <TableCell className="whitespace-nowrap text-xs">{when(d.firstSeenAt)}</TableCell>
                  <TableCell className="whitespace-nowrap text-xs">{when(d.lastSeenAt)}</TableCell>
                  <TableCell className="font-mono text-xs">{d.lastIp ?? "—"}</TableCell>
                  <TableCell className="max-w-xs">
                    {d.lastStage ? <Badge variant={d.lastStage === "failed" ? "danger" : "outline"}>{d.lastStage}</Badge> : "—"}
                    {d.lastMessage && (
                      <p className="mt-1 truncate text-xs text-slate-600" title={d.lastMessage}>
                        {d.lastMessage}
                      </p>
                    )}
                  </TableCell>
                  <TableCell className="text-right tabular-nums">{d.reports}</TableCell>
                  {canEdit && (
                    <TableCell className="text-right">
                      <div className="flex justify-end gap-2">
                        <Button asChild size="sm" aria-label={`Enroll ${d.mac}`}>
                          <Link href={`/hosts/new?mac=${encodeURIComponent(d.mac).replace(/%3A/gi, ":")}`}>Enroll</Link>
                        </Button>
                        {!d.dismissed && (
                          <ConfirmDelete
                            action={dismissUnknownAction}
                            verb="Dismiss"
                            what={`unknown host ${d.mac}`}
                            hidden={{ mac: d.mac }}
                            description="It leaves this list (Show dismissed still lists it). Nothing is blocked: the MAC can still be enrolled later."
                          />
                        )}
                      </div>
                    </TableCell>
                  )}
                </TableRow>
              ))}
            </TableBody>
          </Table>
          <Pagination
            page={result.page}
            pageSize={result.pageSize}
            total={result.total}
            basePath="/hosts/unknown"
            params={{ all: showAll ? "1" : undefined }}
          />
        </>
      )}
    </div>
  );
}
