import type { Metadata } from "next";
import Link from "next/link";
import { formatDistanceToNowStrict } from "date-fns";
import { FileUp, HardDrive, ListPlus, Plus, SearchX } from "lucide-react";
import { HostFilters } from "@/components/hosts/host-filters";
import { HostTable, type HostRow } from "@/components/hosts/host-table";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { hasRole } from "@/lib/auth/roles";
import { requireActor } from "@/lib/auth/session";
import { hostChoices } from "@/lib/data/host-queries";
import { identityMismatches } from "@/lib/data/identity";
import { listHosts, type HostView } from "@/lib/data/hosts";
import { FILTER_KEYS, hasFilters, paramRecord, parseHostParams, toHostQuery } from "@/lib/validation/host-query";

export const metadata: Metadata = { title: "Hosts" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function toRow(h: HostView, mismatched: Set<string>): HostRow {
  return {
    name: h.name,
    mac: h.mac,
    ip: h.ip,
    network: h.network,
    cell: h.cell,
    releaseRef: h.releaseRef,
    pinned: h.pinnedVersion !== null,
    bootState: h.bootState,
    rebootPending: h.rebootPending,
    assignedVersion: h.assignedVersion,
    bootedLabel: h.bootedLabel,
    assignedLabel: h.assignedVersion ? `${h.release}@${h.assignedVersion}` : null,
    secureBoot: h.effectiveSecureBoot ? (h.secureBoot === null ? "network" : "own") : null,
    identity: { mode: h.effectiveIdentity, source: h.identity === null ? "network" : "own" },
    tags: h.tags,
    identityMismatch: mismatched.has(h.id),
    updated: `${formatDistanceToNowStrict(h.updatedAt)} ago`,
  };
}

function EnrollLinks({ primary }: { primary?: boolean }) {
  return (
    <>
      <Button asChild variant={primary ? "default" : "outline"}>
        <Link href="/hosts/new">
          <Plus className="mr-1.5 h-4 w-4" aria-hidden />
          {primary ? "Enroll a host" : "Enroll host"}
        </Link>
      </Button>
      <Button asChild variant="outline">
        <Link href="/hosts/import">
          <FileUp className="mr-1.5 h-4 w-4" aria-hidden />
          Import CSV
        </Link>
      </Button>
      <Button asChild variant="outline">
        <Link href="/hosts/range">
          <ListPlus className="mr-1.5 h-4 w-4" aria-hidden />
          Add range
        </Link>
      </Button>
    </>
  );
}

export default async function HostsPage({ searchParams }: { searchParams: SearchParams }) {
  const actor = await requireActor();
  const params = parseHostParams(await searchParams);
  const [result, choices] = await Promise.all([listHosts(actor, toHostQuery(params)), hostChoices(actor)]);
  const mismatched = await identityMismatches(
    actor,
    result.items.map((h) => h.id),
  );
  const canEdit = hasRole(actor.role, "operator");
  const filtered = hasFilters(params);
  const missing = [
    choices.networks.length === 0 && { label: "networks", href: "/networks" },
    choices.cells.length === 0 && { label: "cells", href: "/cells" },
    choices.releases.length === 0 && { label: "releases", href: "/releases" },
  ].filter((m): m is { label: string; href: string } => !!m);
  const actions = canEdit && (
    <>
      <Button asChild variant="link" size="sm">
        <Link href="/hosts/unknown">Unknown hosts</Link>
      </Button>
      <EnrollLinks />
    </>
  );
  // a new search or filter starts a new selection; paging, sorting and page size keep it
  const selectionKey = FILTER_KEYS.map((k) => params[k] ?? "").join("\u0000");

  return (
    <div className="space-y-6">
      <PageHeader
        title="Hosts"
        description="The diskless hosts of the fleet: their NIC, fixed address, AFS cell and the release they boot."
        actions={actions}
      />
      {result.total === 0 && !filtered ? (
        <EmptyState icon={HardDrive} title="No hosts yet" action={canEdit && <EnrollLinks primary />}>
          {missing.length > 0 ? (
            <p>
              A host boots a release from an AFS cell on a network. First describe the{" "}
              {missing.map((m, i) => (
                <span key={m.href}>
                  {i > 0 && (i === missing.length - 1 ? " and " : ", ")}
                  <Link className="font-medium text-blue-700 underline" href={m.href}>
                    {m.label}
                  </Link>
                </span>
              ))}{" "}
              that are still missing{canEdit ? ", then enroll hosts one by one, from a CSV file or as a range of addresses." : "."}
            </p>
          ) : canEdit ? (
            "Enroll the first diskless host by hand, import many from a CSV file, or add a range of hostnames and addresses."
          ) : (
            "An operator has not enrolled any host yet."
          )}
        </EmptyState>
      ) : (
        <>
          <HostFilters key={JSON.stringify(params)} params={params} choices={choices} />
          {result.total === 0 ? (
            <EmptyState icon={SearchX} title="No host matches">
              Nothing matches this search and these filters.{" "}
              <Link className="font-medium text-blue-700 underline" href="/hosts">
                Show all hosts
              </Link>
            </EmptyState>
          ) : (
            <>
              <HostTable
                key={selectionKey}
                rows={result.items.map((h) => toRow(h, mismatched))}
                total={result.total}
                params={params}
                canEdit={canEdit}
                choices={choices}
                emptyText="No hosts on this page."
              />
              <Pagination page={result.page} pageSize={result.pageSize} total={result.total} basePath="/hosts" params={paramRecord(params)} />
            </>
          )}
        </>
      )}
    </div>
  );
}
