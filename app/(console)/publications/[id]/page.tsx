import type { ReactNode } from "react";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { FileSearch } from "lucide-react";
import { ChangeCountsText, ChangedFilesTable } from "@/components/publications/changed-files";
import { FilterLinks } from "@/components/publications/filter-links";
import { duration, plural, utc } from "@/components/publications/format";
import { changeCounts, scopeText } from "@/components/publications/history-table";
import { HookResults } from "@/components/publications/hook-results";
import { PublicationStatus } from "@/components/publications/status-badge";
import { Timings } from "@/components/publications/timings";
import { DaemonOutput, ValidationResults } from "@/components/publications/validation-results";
import { SavedToast } from "@/components/shell/saved-toast";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { requireActor } from "@/lib/auth/session";
import { getPublication } from "@/lib/data/publications";
import { orNotFound } from "@/lib/errors";
import { publicationQuery } from "@/lib/validation/publish";

type Params = Promise<{ id: string }>;
type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return { title: `Publication ${decodeURIComponent((await params).id)}` };
}

const CHANGE_FILTER = [{ label: "All" }, { label: "Added", value: "added" }, { label: "Changed", value: "changed" }, { label: "Removed", value: "removed" }];

export default async function PublicationPage({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  const actor = await requireActor();
  const id = decodeURIComponent((await params).id);
  const sp = await searchParams;
  const query = publicationQuery.pick({ page: true, change: true }).safeParse({ page: sp.page, change: sp.change });
  const { page, change } = query.success ? query.data : {};
  const p = await orNotFound(getPublication(actor, id, { page, change }), notFound);
  const basePath = `/publications/${encodeURIComponent(p.id)}`;
  const rows: [string, ReactNode][] = [
    ["Status", <PublicationStatus key="s" status={p.status} hooks={p.hooks} />],
    ["Who", p.actor],
    ["Started", utc(p.startedAt)],
    ["Duration", p.durationMs === null ? "still running" : duration(p.durationMs)],
    ["Export directory", <code key="d" className="break-all font-mono">{p.outDir}</code>],
    ["Scope", scopeText(p, 50)],
    [
      "Files",
      p.status === "failed" ? (
        "none written"
      ) : (
        <span key="f">
          <ChangeCountsText counts={changeCounts(p)} /> <span className="text-slate-500">of the {plural(p.filesTotal, "file")} it publishes</span>
        </span>
      ),
    ],
    ["Time per stage", <Timings key="t" timings={p.timings} />],
  ];

  return (
    <div className="space-y-6">
      <SavedToast message={`Published ${plural(p.filesChanged, "changed file")}`} />
      <PageHeader title={`Publication ${p.id}`} description={`${utc(p.startedAt)} by ${p.actor}`} breadcrumbs={[{ label: "Publications", href: "/publications" }, { label: p.id }]} />
      {p.error && (
        <section aria-labelledby="error-heading" className="rounded-md border border-red-200 bg-red-50 px-4 py-3">
          <h2 id="error-heading" className="text-sm font-semibold text-red-900">
            Nothing was published
          </h2>
          <DaemonOutput output={p.error} />
        </section>
      )}
      <Card>
        <CardHeader>
          <CardTitle>Summary</CardTitle>
        </CardHeader>
        <CardContent>
          <dl className="grid gap-x-6 gap-y-3 sm:grid-cols-[10rem_1fr]">
            {rows.map(([label, value]) => (
              <div key={label} className="contents">
                <dt className="text-sm text-slate-500">{label}</dt>
                <dd className="text-sm">{value}</dd>
              </div>
            ))}
          </dl>
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Validators</CardTitle>
        </CardHeader>
        <CardContent>
          <ValidationResults results={p.validation} />
        </CardContent>
      </Card>
      {p.status !== "failed" && (
        <Card>
          <CardHeader>
            <CardTitle>Post-publish hooks</CardTitle>
          </CardHeader>
          <CardContent>
            {p.hookResults.length ? <HookResults hooks={p.hookResults} /> : <p className="text-sm text-slate-600">No hook ran{p.filesChanged === 0 ? ": nothing changed" : ""}.</p>}
          </CardContent>
        </Card>
      )}
      {p.status !== "failed" && (
        <Card>
          <CardHeader className="flex-row flex-wrap items-center justify-between gap-3">
            <CardTitle>Changed files</CardTitle>
            <FilterLinks label="Filter files by change" basePath={basePath} name="change" current={change} options={CHANGE_FILTER} />
          </CardHeader>
          <CardContent>
            {p.files.total === 0 ? (
              <EmptyState icon={FileSearch} title={change ? `No ${change} files` : "No file changed"}>
                {change ? undefined : "The export directory already held what this publication generated."}
              </EmptyState>
            ) : (
              <>
                <ChangedFilesTable files={p.files.rows} noDiff="no diff kept" />
                <Pagination page={p.files.page} pageSize={p.files.pageSize} total={p.files.total} basePath={basePath} params={{ change }} />
              </>
            )}
          </CardContent>
        </Card>
      )}
    </div>
  );
}
