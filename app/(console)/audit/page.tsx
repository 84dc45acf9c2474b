import type { Metadata } from "next";
import Link from "next/link";
import { ScrollText, SearchX } from "lucide-react";
import { fmtCount } from "@/components/publications/format";
import { AUDIT_PARAMS, AuditFilters, type AuditParams } from "@/components/shell/audit-filters";
import { AuditTable } from "@/components/shell/audit-table";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { requireActor } from "@/lib/auth/session";
import { auditChoices, listAudit } from "@/lib/data/audit";
import { auditQuery } from "@/lib/validation/audit";

export const metadata: Metadata = { title: "Audit log" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** The filters as the form and the page links carry them (blank ones left out). */
function readParams(raw: Record<string, string | string[] | undefined>): AuditParams {
  const out: AuditParams = {};
  for (const k of AUDIT_PARAMS) {
    const v = raw[k];
    const s = Array.isArray(v) ? v[0] : v;
    if (s !== undefined && s.trim() !== "") out[k] = s;
  }
  return out;
}

export default async function AuditPage({ searchParams }: { searchParams: SearchParams }) {
  const actor = await requireActor();
  const raw = await searchParams;
  const params = readParams(raw);
  // a page number that is none (a hand-edited link) shows the first page
  const page = Number(Array.isArray(raw.page) ? raw.page[0] : raw.page);
  const parsed = auditQuery.safeParse({ ...params, page: Number.isInteger(page) && page > 0 ? page : undefined });
  const errors: Record<string, string> = {};
  if (!parsed.success) for (const i of parsed.error.issues) errors[String(i.path[0] ?? "q")] ??= i.message;
  const [choices, result] = await Promise.all([auditChoices(actor), parsed.success ? listAudit(actor, parsed.data) : null]);
  const filtered = Object.keys(params).length > 0;
  return (
    <div className="space-y-6">
      <PageHeader
        title="Audit log"
        description="Every change, sign-in and refused sign-in: who, what, when, and the record before and after. An action on many hosts is one entry that lists them."
      />
      <AuditFilters params={params} choices={choices} errors={errors} />
      {!result ? (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          Fix the highlighted filters: nothing was searched.
        </p>
      ) : result.total === 0 ? (
        <EmptyState
          icon={filtered ? SearchX : ScrollText}
          title={params.q ? `Nothing matches “${params.q}”` : filtered ? "No entry matches these filters" : "No entries yet"}
        >
          {filtered ? (
            <Link className="font-medium text-blue-700 underline" href="/audit">
              Show every entry
            </Link>
          ) : (
            "Changes made in the console, through the API or with the CLI appear here."
          )}
        </EmptyState>
      ) : (
        <>
          <p className="text-sm text-slate-600" data-testid="audit-total">
            {fmtCount(result.total)} {result.total === 1 ? "entry" : "entries"}
            {filtered ? (result.total === 1 ? " matches" : " match") : ""}
          </p>
          <AuditTable entries={result.items} />
          <Pagination page={result.page} pageSize={result.pageSize} total={result.total} basePath="/audit" params={params} />
        </>
      )}
    </div>
  );
}
