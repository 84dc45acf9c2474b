import type { Metadata } from "next";
import { ScrollText } from "lucide-react";
import { AuditTable } from "@/components/shell/audit-table";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { SearchForm } from "@/components/ui/search-form";
import { requireActor } from "@/lib/auth/session";
import { listAudit } from "@/lib/data/audit";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditPage({ searchParams }: { searchParams: Promise<{ q?: string; page?: string }> }) {
  const actor = await requireActor();
  const { q, page } = await searchParams;
  const result = await listAudit(actor, { q, page: Number(page) || 1 });
  return (
    <div className="space-y-6">
      <PageHeader title="Audit log" description="Every change, sign-in and refused sign-in: who, what, when, and the record before and after." />
      <SearchForm placeholder="Search by action, user or target" defaultValue={q} />
      {result.total === 0 ? (
        <EmptyState icon={ScrollText} title={q ? `Nothing matches “${q}”` : "No entries yet"}>
          Changes made in the console, through the API or with the CLI appear here.
        </EmptyState>
      ) : (
        <>
          <AuditTable entries={result.items} />
          <Pagination page={result.page} pageSize={result.pageSize} total={result.total} basePath="/audit" params={{ q }} />
        </>
      )}
    </div>
  );
}
