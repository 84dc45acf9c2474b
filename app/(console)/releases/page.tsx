import type { Metadata } from "next";
import Link from "next/link";
import { Layers, Plus } from "lucide-react";
import { STATUS_VARIANT } from "@/components/releases/version-status";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { SearchForm } from "@/components/ui/search-form";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { hasRole } from "@/lib/auth/roles";
import { requireActor } from "@/lib/auth/session";
import { listReleases } from "@/lib/data/releases";

export const metadata: Metadata = { title: "Releases" };

/** Versions shown per row; older ones are summarised as "+N older". */
const SHOWN_VERSIONS = 6;

export default async function ReleasesPage({ searchParams }: { searchParams: Promise<{ q?: string; page?: string }> }) {
  const actor = await requireActor();
  const { q, page } = await searchParams;
  const result = await listReleases(actor, { q, page: Number(page) || 1 });
  const canEdit = hasRole(actor.role, "operator");
  const newButton = canEdit && (
    <Button asChild>
      <Link href="/releases/new">
        <Plus className="mr-1.5 h-4 w-4" aria-hidden />
        New release
      </Link>
    </Button>
  );
  return (
    <div className="space-y-6">
      <PageHeader
        title="Releases"
        description="Release trees in AFS and their versions: kernel, base initrd, modules and the directories bind-mounted or built in tmpfs. Active versions are immutable; a new build is a new version."
        actions={newButton}
      />
      {result.total === 0 && !q ? (
        <EmptyState icon={Layers} title="No release trees yet" action={newButton}>
          {canEdit
            ? "Describe the first distribution tree your hosts boot, e.g. /afs/example.org/boot/RH/7.3, then add a version (kernel, base initrd, directories) and activate it."
            : "An operator has not described any release tree yet."}
        </EmptyState>
      ) : (
        <>
          <SearchForm placeholder="Search by name or tree path" defaultValue={q} />
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Name</TableHead>
                <TableHead>Tree</TableHead>
                <TableHead>Versions</TableHead>
                <TableHead>Latest active</TableHead>
                <TableHead className="text-right">Hosts</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {result.items.map((r) => {
                const shown = r.versions.slice(-SHOWN_VERSIONS);
                const older = r.versions.length - shown.length;
                return (
                  <TableRow key={r.id}>
                    <TableCell className="font-medium">
                      <Link className="text-blue-700 hover:underline" href={`/releases/${encodeURIComponent(r.name)}`}>
                        {r.name}
                      </Link>
                    </TableCell>
                    <TableCell className="font-mono text-xs">{r.tree}</TableCell>
                    <TableCell>
                      {r.versions.length === 0 ? (
                        <span className="text-slate-500">none yet</span>
                      ) : (
                        <ul className="flex flex-wrap items-center gap-1" aria-label={`Versions of ${r.name}`}>
                          {older > 0 && <li className="text-xs text-slate-500">+{older} older</li>}
                          {shown.map((v) => (
                            <li key={v.version}>
                              <Badge variant={STATUS_VARIANT[v.status]} title={`${r.name}@${v.version}: ${v.status}`}>
                                <span className="font-mono">{v.version}</span>
                                <span className="font-normal">{v.status}</span>
                              </Badge>
                            </li>
                          ))}
                        </ul>
                      )}
                    </TableCell>
                    <TableCell>
                      {r.latestActive ? <span className="font-mono">{r.latestActive.version}</span> : <span className="text-slate-500">none active</span>}
                    </TableCell>
                    <TableCell className="text-right tabular-nums">{r.hostCount}</TableCell>
                  </TableRow>
                );
              })}
              {result.items.length === 0 && (
                <TableRow>
                  <TableCell colSpan={5} className="py-8 text-center text-slate-500">
                    No release matches “{q}”.
                  </TableCell>
                </TableRow>
              )}
            </TableBody>
          </Table>
          <Pagination page={result.page} pageSize={result.pageSize} total={result.total} basePath="/releases" params={{ q }} />
        </>
      )}
    </div>
  );
}
