import type { Metadata } from "next";
import Link from "next/link";
import { Plus, Server } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { SearchForm } from "@/components/ui/search-form";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { hasRole } from "@/lib/auth/roles";
import { requireActor } from "@/lib/auth/session";
import { listCells } from "@/lib/data/cells";

export const metadata: Metadata = { title: "Cells" };

export default async function CellsPage({ searchParams }: { searchParams: Promise<{ q?: string; page?: string }> }) {
  const actor = await requireActor();
  const { q, page } = await searchParams;
  const result = await listCells(actor, { q, page: Number(page) || 1 });
  const canEdit = hasRole(actor.role, "operator");
  const newButton = canEdit && (
    <Button asChild>
      <Link href="/cells/new">
        <Plus className="mr-1.5 h-4 w-4" aria-hidden />
        New cell
      </Link>
    </Button>
  );
  return (
    <div className="space-y-6">
      <PageHeader title="Cells" description="AFS cells the hosts take their root from: database servers, client kind and cache defaults." actions={newButton} />
      {result.total === 0 && !q ? (
        <EmptyState icon={Server} title="No cells yet" action={newButton}>
          {canEdit
            ? "Describe the AFS cell that holds your release trees: its name, database servers and boot root."
            : "An operator has not described any AFS cell yet."}
        </EmptyState>
      ) : (
        <>
          <SearchForm placeholder="Search by name, path or server" defaultValue={q} />
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Cell</TableHead>
                <TableHead>Client</TableHead>
                <TableHead>Database servers</TableHead>
                <TableHead>Boot root</TableHead>
                <TableHead>Cache</TableHead>
                <TableHead className="text-right">Hosts</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {result.items.map((c) => (
                <TableRow key={c.id}>
                  <TableCell className="font-medium">
                    <Link className="text-blue-700 hover:underline" href={`/cells/${encodeURIComponent(c.name)}`}>
                      {c.name}
                    </Link>
                  </TableCell>
                  <TableCell>
                    <div className="flex flex-wrap gap-1">
                      <Badge variant="outline">{c.client}</Badge>
                      {c.realm && (
                        <Badge
                          variant="secondary"
                          title={`Kerberos realm ${c.realm}, KDCs ${c.kdcs.join(", ")}: hosts get an AFS token before mounting their tree`}
                        >
                          {c.realm}
                        </Badge>
                      )}
                    </div>
                  </TableCell>
                  <TableCell className="font-mono text-xs">{c.servers.map((s) => `${s.name} (${s.ip})`).join(", ")}</TableCell>
                  <TableCell className="font-mono text-xs">{c.bootRoot}</TableCell>
                  <TableCell className="text-xs">
                    {c.cacheMemcache ? "memcache" : "disk"}, {c.cacheBlocks.toLocaleString("en")} blocks
                  </TableCell>
                  <TableCell className="text-right tabular-nums">{c.hostCount}</TableCell>
                </TableRow>
              ))}
              {result.items.length === 0 && (
                <TableRow>
                  <TableCell colSpan={6} className="py-8 text-center text-slate-500">
                    No cell matches “{q}”.
                  </TableCell>
                </TableRow>
              )}
            </TableBody>
          </Table>
          <Pagination page={result.page} pageSize={result.pageSize} total={result.total} basePath="/cells" params={{ q }} />
        </>
      )}
    </div>
  );
}
