import type { ReactNode } from "react";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { FileSearch } from "lucide-react";
import { ChangeCountsText, ChangedFilesTable } from "@/components/publications/changed-files";
import { FilterLinks } from "@/components/publications/filter-links";
import { duration, plural, utc } from "@/components/publications/format";
import { changeCounts, scopeText } from "@/components/publications/history-table";
import { DeliveryResults } from "@/components/publications/delivery-results";
import { HookResults } from "@/components/publications/hook-results";
import { PublicationStatus } from "@/components/publications/status-badge";
import { Timings } from "@/components/publications/timings";
import { DaemonOutput, ValidationResults } from "@/components/publications/validation-results";
import { SavedToast } from "@/components/shell/saved-toast";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { SearchForm } from "@/components/ui/search-form";
import { Pagination } from "@/components/ui/pagination";
import { requireActor } from "@/lib/auth/session";
import { bootServerStates, publicationDeliveries } from "@/lib/data/deliveries";
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
  const query = publicationQuery
    .pick({ page: true, change: true, q: true })
    .safeParse({ page: sp.page, change: sp.change, q: typeof sp.q === "string" ? sp.q : undefined });
  const { page, change, q } = query.success ? query.data : {};
  const p = await orNotFound(getPublication(actor, id, { page, change, q }), notFound);
  const deliveries = await publicationDeliveries(actor, p.id);
  const behind = deliveries.length ? new Map((await bootServerStates(actor)).map((s) => [s.server, s.hasCopy ? s.behind : null])) : undefined;
  const dryRun = p.status === "dry_run";
  const basePath = `/publications/${encodeURIComponent(p.id)}`;
  const rows: [string, ReactNode][] = [
    ["Status", <PublicationStatus key="s" status={p.status} hooks={p.hooks} />],
    ["Who", p.actor],
    ["Started", utc(p.startedAt)],
    ["Duration", p.durationMs === null ? "still running" : duration(p.durationMs)],
    [
      "Export directory",
      <code key="d" className="break-all font-mono">
        {p.outDir}
      </code>,
    ],
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
      <PageHeader
        title={dryRun ? `Dry run ${p.id}` : `Publication ${p.id}`}
        description={
          dryRun
            ? `${utc(p.startedAt)} by ${p.actor}: what a publish would change then. Nothing was written; dry runs are kept for a day.`
            : `${utc(p.startedAt)} by ${p.actor}`
        }
        breadcrumbs={[{ label: "Publications", href: "/publications" }, { label: p.id }]}
      />
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
      {deliveries.length > 0 && (
        <Card>
          <CardHeader>
            <CardTitle>Boot servers</CardTitle>
          </CardHeader>
          <CardContent className="space-y-2">
            <p className="text-sm text-slate-600">
              Each boot server with a delivery target got its own copy by rsync: a new tree beside the old, switched in at once. A server that failed keeps
              serving its previous tree; the next publication catches it up.
            </p>
            <DeliveryResults deliveries={deliveries} behind={behind} />
          </CardContent>
        </Card>
      )}
      {p.status !== "failed" && !dryRun && (
        <Card>
          <CardHeader>
            <CardTitle>Post-publish hooks</CardTitle>
          </CardHeader>
          <CardContent>
            {p.hookResults.length ? (
              <HookResults hooks={p.hookResults} />
            ) : (
              <p className="text-sm text-slate-600">No hook ran{p.filesChanged === 0 ? ": nothing changed" : ""}.</p>
            )}
          </CardContent>
        </Card>
      )}
      {p.status !== "failed" && (
        <Card>
          <CardHeader className="flex-row flex-wrap items-center justify-between gap-3">
            <CardTitle>{dryRun ? "Files it would change" : "Changed files"}</CardTitle>
            <FilterLinks label="Filter files by change" basePath={basePath} name="change" current={change} options={CHANGE_FILTER} keep={{ q }} />
          </CardHeader>
          <CardContent className="space-y-4">
            <SearchForm placeholder="File, host or MAC…" defaultValue={q} params={{ change }} action={basePath} />
            {!query.success && <p className="text-sm text-red-700">{query.error.issues[0]?.message ?? "bad filter"}: showing every file.</p>}
            {p.files.total === 0 ? (
              <EmptyState icon={FileSearch} title={q ? `No file or host matches “${q}”` : change ? `No ${change} files` : "No file changed"}>
                {q || change ? "Clear the search or pick All to see every file." : "The export directory already held what this publication generated."}
              </EmptyState>
            ) : (
              <>
                <ChangedFilesTable files={p.files.rows} noDiff="no diff kept" publicationId={p.id} />
                <Pagination page={p.files.page} pageSize={p.files.pageSize} total={p.files.total} basePath={basePath} params={{ change, q }} />
              </>
            )}
          </CardContent>
        </Card>
      )}
    </div>
  );
}
