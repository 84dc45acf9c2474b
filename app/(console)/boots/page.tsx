import type { Metadata } from "next";
import Link from "next/link";
import { Activity, SearchX } from "lucide-react";
import { BootLogFilters, BootLogTable, type BootLogParams } from "@/components/boots/boot-log";
import { fmtCount } from "@/components/publications/format";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { requireActor } from "@/lib/auth/session";
import { bootLogChoices, listBoots } from "@/lib/data/boot-log";
import { bootLogQuery } from "@/lib/validation/boot-log";

export const metadata: Metadata = { title: "Boots" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;
const KEYS = ["state", "stage", "release", "version", "network", "host", "from", "to", "pageSize", "page"] as const;

/** The query string as the form and the links carry it; the version select sends "release@" for a whole release. */
function readParams(raw: Record<string, string | string[] | undefined>): BootLogParams & { page?: string } {
  const out: Record<string, string> = {};
  for (const k of KEYS) {
    const v = raw[k];
    const s = Array.isArray(v) ? v[0] : v;
    if (s !== undefined && s !== "") out[k] = s;
  }
  if (out.version?.endsWith("@")) {
    out.release = out.version.slice(0, -1);
    delete out.version;
  }
  return out;
}

export default async function BootsPage({ searchParams }: { searchParams: SearchParams }) {
  const actor = await requireActor();
  const params = readParams(await searchParams);
  const parsed = bootLogQuery.safeParse(params);
  const errors: Record<string, string> = {};
  if (!parsed.success) for (const i of parsed.error.issues) errors[String(i.path[0] ?? "form")] ??= i.message;
  const [choices, result] = await Promise.all([bootLogChoices(actor), parsed.success ? listBoots(actor, parsed.data) : null]);
  const filtered = KEYS.some((k) => k !== "page" && k !== "pageSize" && params[k] !== undefined);
  return (
    <div className="space-y-6">
      <PageHeader
        title="Boots"
        description="Every boot of every host, newest first, as the hosts and boot servers report it. A host's own page draws each boot's stages."
      />
      <BootLogFilters params={params} choices={choices} errors={errors} />
      {!result ? (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          Fix the highlighted filters: nothing was searched.
        </p>
      ) : result.total === 0 && !filtered ? (
        <EmptyState icon={Activity} title="No boots reported yet">
          Hosts report each stage of a boot to the console once their PXE files are published: enroll hosts, assign a release,{" "}
          <Link className="font-medium text-blue-700 underline" href="/publish">
            publish
          </Link>
          , and boot them. The boot servers&apos; DHCP hook adds the earliest stages.
        </EmptyState>
      ) : result.total === 0 ? (
        <EmptyState icon={SearchX} title="No boot matches">
          Nothing matches these filters.{" "}
          <Link className="font-medium text-blue-700 underline" href="/boots">
            Show every boot
          </Link>
        </EmptyState>
      ) : (
        <>
          <p className="text-sm text-slate-600" data-testid="boot-log-total">
            {fmtCount(result.total)} {result.total === 1 ? "boot" : "boots"}
            {filtered ? (result.total === 1 ? " matches" : " match") : ""}
          </p>
          <BootLogTable rows={result.items} />
          <Pagination page={result.page} pageSize={result.pageSize} total={result.total} basePath="/boots" params={params} />
        </>
      )}
    </div>
  );
}
