import { Suspense } from "react";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { BOOT_LIMIT, BootHistory, parseBootFilter } from "@/components/boots/boot-history";
import { BootFiles, BootFilesSkeleton } from "@/components/hosts/boot-files";
import { HostForm, type HostFormValues } from "@/components/hosts/host-form";
import { HostStatus } from "@/components/hosts/host-status";
import { IdentitySection } from "@/components/identity/identity-section";
import { PowerCard } from "@/components/power/power-card";
import { ReportToken } from "@/components/hosts/report-token";
import { AuditTable } from "@/components/shell/audit-table";
import { DetailList } from "@/components/shell/detail-list";
import { SECTION_SCROLL_MARGIN, SectionNav } from "@/components/shell/section-nav";
import { SavedToast } from "@/components/shell/saved-toast";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { ConfirmDelete } from "@/components/ui/confirm-delete";
import { PageHeader } from "@/components/ui/page-header";
import { hasRole } from "@/lib/auth/roles";
import { secureBootSource } from "@/lib/boot/secure-boot";
import { identitySource } from "@/lib/boot/identity-mode";
import { requireActor } from "@/lib/auth/session";
import { hostChoices } from "@/lib/data/host-queries";
import { listHostBoots } from "@/lib/data/boots";
import { getHost, hostAudit } from "@/lib/data/hosts";
import { hostToken } from "@/lib/data/host-token";
import { pendingChanges } from "@/lib/data/publications";
import { orNotFound } from "@/lib/errors";
import { deleteHostAction, updateHostAction } from "../actions";

type Params = Promise<{ name: string }>;
type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return { title: `Host ${decodeURIComponent((await params).name)}` };
}

export default async function HostPage({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  const actor = await requireActor();
  const name = decodeURIComponent((await params).name);
  const host = await orNotFound(getHost(actor, name), notFound);
  const canEdit = hasRole(actor.role, "operator");
  const bootFilter = parseBootFilter((await searchParams).boots);
  const [audit, choices, { boots }, token, pending] = await Promise.all([
    hostAudit(actor, host.id),
    canEdit ? hostChoices(actor) : null,
    listHostBoots(actor, host.name, { state: bootFilter, limit: BOOT_LIMIT }),
    canEdit ? hostToken(actor, host.name) : null,
    pendingChanges(actor),
  ]);
  const { mac, ip, network, cell, releaseRef, tags, cacheBlocks, tmpfsSize, kernelArgs, nicModule, secureBoot, bmc, identity, notes, revision } = host;
  const values: HostFormValues = {
    name: host.name,
    mac,
    ip,
    network,
    cell,
    releaseRef,
    tags,
    cacheBlocks,
    tmpfsSize,
    kernelArgs,
    nicModule,
    secureBoot,
    bmc,
    identity,
    notes,
    revision,
  };
  const rows: [string, string][] = [
    ["Hostname", host.name],
    ["MAC address", host.mac],
    ["IP address", host.ip],
    ["Network", host.network],
    ["Cell", host.cell],
    ["Release", host.pinnedVersion ? `${host.releaseRef} (pinned)` : `${host.release} (latest)`],
    ["Tags", host.tags.join(" ") || "—"],
    ["Cache blocks", host.cacheBlocks == null ? "cell default" : String(host.cacheBlocks)],
    ["tmpfs size", host.tmpfsSize ?? "release default"],
    ["Extra kernel arguments", host.kernelArgs ?? "—"],
    ["NIC module", host.nicModule ?? "—"],
    ["Secure Boot", secureBootSource(host)],
    ["Identity", identitySource(host)],
    ["Machine id", host.machineId ?? "—"],
    ["Notes", host.notes || "—"],
  ];
  const sections = [
    { id: "status", label: "Status" },
    { id: "boot-history", label: "Boot history" },
    { id: "power", label: "Power" },
    { id: "identity", label: "Identity and secrets" },
    { id: "settings", label: "Settings" },
    { id: "boot-files", label: "Boot files" },
    ...(token ? [{ id: "report-token", label: "Report token" }] : []),
    { id: "audit", label: "Audit trail" },
  ];
  return (
    <div className="space-y-6">
      <SavedToast message={`Saved host ${host.name}`} />
      <PageHeader
        title={`Host ${host.name}`}
        description={`${host.mac} · ${host.ip} · network ${host.network}`}
        breadcrumbs={[{ label: "Hosts", href: "/hosts" }, { label: host.name }]}
        actions={
          <>
            <Button asChild variant="outline" size="sm">
              <Link href={`/rollouts?host=${encodeURIComponent(host.name)}`}>Rollouts</Link>
            </Button>
            {canEdit && (
              <ConfirmDelete
                action={deleteHostAction}
                what={`host ${host.name}`}
                hidden={{ current: host.name }}
                redirectTo="/hosts"
                description="The host's DHCP and PXE entries are removed at the next publication; its boot history is deleted. This cannot be undone."
              />
            )}
          </>
        }
      />
      {/* what a person opens the page for first (is it up, what did it boot), its power, then what to change */}
      <SectionNav sections={sections} />
      <section id="status" className={SECTION_SCROLL_MARGIN}>
        <HostStatus host={host} unpublished={pending.count > 0} />
      </section>
      <BootHistory
        hostName={host.name}
        boots={boots}
        filter={bootFilter}
        assignedInitrdSha256={host.assignedInitrdSha256}
        live={host.bootState === "booting"}
      />
      <section id="power" className={SECTION_SCROLL_MARGIN}>
        <PowerCard host={host.name} network={host.network} power={host.power} canOperate={canEdit} />
      </section>
      <section id="identity" className={SECTION_SCROLL_MARGIN}>
        <IdentitySection actor={actor} host={host.name} network={host.network} />
      </section>
      <section id="settings" className={SECTION_SCROLL_MARGIN}>
        {canEdit && choices ? (
          <Card>
            <CardHeader>
              <CardTitle>Settings</CardTitle>
            </CardHeader>
            <CardContent>
              <HostForm key={host.revision} action={updateHostAction} choices={choices} host={values} submitLabel="Save changes" />
              {host.machineId && (
                <p className="mt-6 border-t pt-4 text-sm text-muted-foreground">
                  Machine id{" "}
                  <code data-testid="machine-id" className="font-mono text-foreground">
                    {host.machineId}
                  </code>
                  : made by the console at enrollment; the initrd writes it as <code className="font-mono">/etc/machine-id</code> at every boot.
                </p>
              )}
            </CardContent>
          </Card>
        ) : (
          <DetailList rows={rows} />
        )}
      </section>
      <section id="boot-files" className={SECTION_SCROLL_MARGIN}>
        <Suspense fallback={<BootFilesSkeleton />}>
          <BootFiles actor={actor} hostName={host.name} />
        </Suspense>
      </section>
      {token && (
        <section id="report-token" className={SECTION_SCROLL_MARGIN}>
          <ReportToken host={host.name} token={token.token} generation={token.generation} />
        </section>
      )}
      <Card id="audit" className={SECTION_SCROLL_MARGIN}>
        <CardHeader>
          <CardTitle>Audit trail</CardTitle>
        </CardHeader>
        <CardContent>{audit.length ? <AuditTable entries={audit} /> : <p className="text-sm text-slate-600">No recorded changes.</p>}</CardContent>
      </Card>
    </div>
  );
}
