import path from "node:path";
import type { Metadata } from "next";
import { FileCog, SearchX } from "lucide-react";
import { FilterLinks } from "@/components/publications/filter-links";
import { HistoryTable } from "@/components/publications/history-table";
import { PublishPanel } from "@/components/publications/publish-panel";
import { PublishSummary } from "@/components/publications/publish-summary";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { hasRole } from "@/lib/auth/roles";
import { requireActor } from "@/lib/auth/session";
import { listPublications, pendingChanges, publishSettings } from "@/lib/data/publications";
import { hooksDir } from "@/lib/publish/hooks";
import { publicationQuery } from "@/lib/validation/publish";
import { previewPublishAction, publishAction } from "./actions";

export const metadata: Metadata = { title: "Publications" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const STATUS_FILTER = [{ label: "All" }, { label: "Succeeded", value: "succeeded" }, { label: "Failed", value: "failed" }];

export default async function PublicationsPage({ searchParams }: { searchParams: SearchParams }) {
  const actor = await requireActor();
  const sp = await searchParams;
  // a malformed page or status in the URL shows the first page of everything
  const query = publicationQuery.pick({ page: true, status: true }).safeParse({ page: sp.page, status: sp.status });
  const { page, status } = query.success ? query.data : {};
  const [pending, history] = await Promise.all([pendingChanges(actor), listPublications(actor, { page, status })]);
  const settings = publishSettings(actor);
  const canPublish = hasRole(actor.role, "operator");

  return (
    <div className="space-y-6">
      <PageHeader title="Publications" description="Each regeneration of DHCP, PXE/iPXE configs and initrd overlays, with the files it changed." />
      <PublishSummary exportDir={settings.exportDir} hooks={settings.hooks} hooksDir={path.resolve(hooksDir())} pending={pending}>
        {canPublish ? (
          <PublishPanel preview={previewPublishAction} publish={publishAction} exportDir={settings.exportDir} hooks={settings.hooks} />
        ) : (
          <p className="text-sm text-slate-600">Previewing and publishing need the operator role; the history below shows what was published.</p>
        )}
      </PublishSummary>
      <Card>
        <CardHeader className="flex-row flex-wrap items-center justify-between gap-3">
          <CardTitle>History</CardTitle>
          <FilterLinks label="Filter publications by status" basePath="/publications" name="status" current={status} options={STATUS_FILTER} />
        </CardHeader>
        <CardContent>
          {history.total === 0 ? (
            status ? (
              <EmptyState icon={SearchX} title={`No ${status} publications`} />
            ) : (
              <EmptyState icon={FileCog} title={canPublish ? "Nothing published yet: preview the changes and publish" : "Nothing published yet"}>
                {canPublish ? "The preview shows every file a publication would write, with its diff." : "An operator has not published boot files yet."}
              </EmptyState>
            )
          ) : (
            <>
              <HistoryTable rows={history.rows} />
              <Pagination page={history.page} pageSize={history.pageSize} total={history.total} basePath="/publications" params={{ status }} />
            </>
          )}
        </CardContent>
      </Card>
    </div>
  );
}
