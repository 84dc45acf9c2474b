import type { Metadata } from "next";
import Link from "next/link";
import { Rocket, SearchX } from "lucide-react";
import { FilterLinks } from "@/components/publications/filter-links";
import { RolloutsTable } from "@/components/rollouts/rollouts-table";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { requireActor } from "@/lib/auth/session";
import { listRollouts } from "@/lib/data/rollouts";
import { ROLLOUT_STATE_LABELS } from "@/lib/rollout/labels";
import { ROLLOUT_STATES, rolloutListQuery } from "@/lib/validation/rollout";

export const metadata: Metadata = { title: "Rollouts" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const STATE_FILTER = [
  { label: "All" },
  ...ROLLOUT_STATES.map((s) => ({ label: ROLLOUT_STATE_LABELS[s][0]!.toUpperCase() + ROLLOUT_STATE_LABELS[s].slice(1), value: s })),
];

export default async function RolloutsPage({ searchParams }: { searchParams: SearchParams }) {
  const actor = await requireActor();
  const sp = await searchParams;
  // a malformed page or state in the URL shows the first page of everything
  const query = rolloutListQuery.safeParse({ page: sp.page, state: sp.state, host: sp.host, version: sp.version });
  const { page, state, host, version } = query.success ? query.data : {};
  const list = await listRollouts(actor, { page, state, host, version });
  const versionText = version && `${version.release}@${version.version}`;
  return (
    <div className="space-y-6">
      <PageHeader
        title="Rollouts"
        description="Release versions moved to sets of hosts in waves, a canary first, each wave gated by the hosts' own boot reports. Newest first."
      />
      {host && (
        <p className="text-sm text-slate-700" data-testid="rollouts-of-host">
          The rollouts host{" "}
          <Link className="font-mono font-medium text-blue-700 underline" href={`/hosts/${encodeURIComponent(host)}`}>
            {host}
          </Link>{" "}
          took part in.{" "}
          <Link className="font-medium text-blue-700 underline" href={state ? `/rollouts?state=${state}` : "/rollouts"}>
            Show every host&apos;s
          </Link>
        </p>
      )}
      {versionText && (
        <p className="text-sm text-slate-700" data-testid="rollouts-of-version">
          The rollouts to version{" "}
          <Link
            className="font-mono font-medium text-blue-700 underline"
            href={`/releases/${encodeURIComponent(version.release)}/versions/${encodeURIComponent(version.version)}`}
          >
            {versionText}
          </Link>
          .{" "}
          <Link className="font-medium text-blue-700 underline" href={state ? `/rollouts?state=${state}` : "/rollouts"}>
            Show every version&apos;s
          </Link>
        </p>
      )}
      <Card>
        <CardHeader className="flex-row flex-wrap items-center justify-between gap-3">
          <CardTitle>History</CardTitle>
          <FilterLinks
            label="Filter rollouts by state"
            basePath="/rollouts"
            name="state"
            current={state}
            options={STATE_FILTER}
            keep={{ host, version: versionText }}
          />
        </CardHeader>
        <CardContent>
          {list.total === 0 ? (
            state || host || versionText ? (
              <EmptyState
                icon={SearchX}
                title={`No ${state ? `${ROLLOUT_STATE_LABELS[state]} ` : ""}rollouts${host ? ` of host ${host}` : ""}${versionText ? ` to ${versionText}` : ""}`}
              >
                <Link className="font-medium text-blue-700 underline" href="/rollouts">
                  Show every rollout
                </Link>
              </EmptyState>
            ) : (
              <EmptyState icon={Rocket} title="No rollouts yet">
                To start one, open an active version of a{" "}
                <Link className="font-medium text-blue-700 underline" href="/releases">
                  release
                </Link>{" "}
                and choose <strong>Roll out this version…</strong>: it previews which hosts move, in which waves, before anything starts. The CLI and the API
                can start one too (<code>afsboot rollout start</code>).
              </EmptyState>
            )
          ) : (
            <>
              <RolloutsTable rows={list.items} />
              <Pagination page={list.page} pageSize={list.pageSize} total={list.total} basePath="/rollouts" params={{ state, host, version: versionText }} />
            </>
          )}
        </CardContent>
      </Card>
    </div>
  );
}
