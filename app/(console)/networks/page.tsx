import type { Metadata } from "next";
import Link from "next/link";
import { Network, Plus } from "lucide-react";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { SearchForm } from "@/components/ui/search-form";
import { IdentityModeBadge } from "@/components/hosts/identity-mode-badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { hasRole } from "@/lib/auth/roles";
import { requireActor } from "@/lib/auth/session";
import { listNetworks } from "@/lib/data/networks";

export const metadata: Metadata = { title: "Networks" };

export default async function NetworksPage({ searchParams }: { searchParams: Promise<{ q?: string; page?: string }> }) {
  const actor = await requireActor();
  const { q, page } = await searchParams;
  const result = await listNetworks(actor, { q, page: Number(page) || 1 });
  const canEdit = hasRole(actor.role, "operator");
  const newButton = canEdit && (
    <Button asChild>
      <Link href="/networks/new">
        <Plus className="mr-1.5 h-4 w-4" aria-hidden />
        New network
      </Link>
    </Button>
  );
  return (
    <div className="space-y-6">
      <PageHeader
        title="Networks"
        description="Subnets the boot servers serve. Every host's address lies in one of them; DHCP configs are built per network."
        actions={newButton}
      />
      {result.total === 0 && !q ? (
        <EmptyState icon={Network} title="No networks yet" action={newButton}>
          {canEdit
            ? "Describe the first subnet your diskless hosts boot on: its CIDR, gateway, DNS servers and boot server."
            : "An operator has not described any network yet."}
        </EmptyState>
      ) : (
        <>
          <SearchForm placeholder="Search by name, subnet or domain" defaultValue={q} />
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Name</TableHead>
                <TableHead>Subnet</TableHead>
                <TableHead>Gateway</TableHead>
                <TableHead>Boot server</TableHead>
                <TableHead>Domain</TableHead>
                <TableHead>Discovery range</TableHead>
                <TableHead className="text-right">Hosts</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {result.items.map((n) => (
                <TableRow key={n.id}>
                  <TableCell className="font-medium">
                    <Link className="text-blue-700 hover:underline" href={`/networks/${encodeURIComponent(n.name)}`}>
                      {n.name}
                    </Link>
                    <IdentityModeBadge mode={n.identity} source="the network's default for its hosts" className="ml-1.5 font-sans" />
                  </TableCell>
                  <TableCell className="font-mono text-xs">{n.subnet}</TableCell>
                  <TableCell className="font-mono text-xs">{n.gateway}</TableCell>
                  <TableCell className="font-mono text-xs">{n.bootServer}</TableCell>
                  <TableCell>{n.domain ?? "—"}</TableCell>
                  <TableCell className="font-mono text-xs">{n.discoveryRange ?? "—"}</TableCell>
                  <TableCell className="text-right tabular-nums">{n.hostCount}</TableCell>
                </TableRow>
              ))}
              {result.items.length === 0 && (
                <TableRow>
                  <TableCell colSpan={7} className="py-8 text-center text-slate-500">
                    No network matches “{q}”.
                  </TableCell>
                </TableRow>
              )}
            </TableBody>
          </Table>
          <Pagination page={result.page} pageSize={result.pageSize} total={result.total} basePath="/networks" params={{ q }} />
        </>
      )}
    </div>
  );
}
