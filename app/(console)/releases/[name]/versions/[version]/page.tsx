import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Lock, Rocket } from "lucide-react";
import { OverlayDownload } from "@/components/publications/overlay-download";
import { VersionActions } from "@/components/releases/version-actions";
import { suggestNextLabel, VersionStatusBadge } from "@/components/releases/version-status";
import { VersionForm } from "@/components/releases/version-form";
import { DetailList } from "@/components/shell/detail-list";
import { SavedToast } from "@/components/shell/saved-toast";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { hasRole, type Actor } from "@/lib/auth/roles";
import { requireActor } from "@/lib/auth/session";
import { listCells } from "@/lib/data/cells";
import { getRelease } from "@/lib/data/releases";
import { rolloutsOfVersion } from "@/lib/data/rollouts";
import { plural } from "@/lib/plural";
import { ROLLOUT_STATE_LABELS } from "@/lib/rollout/labels";
import { ROLLOUT_STATES } from "@/lib/validation/rollout";
import { orNotFound } from "@/lib/errors";
import { activateVersionAction, copyVersionAction, deleteVersionAction, retireVersionAction, updateVersionAction } from "../../../actions";

type Params = Promise<{ name: string; version: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const p = await params;
  return { title: `Version ${decodeURIComponent(p.name)}@${decodeURIComponent(p.version)}` };
}

const versionActions = { activate: activateVersionAction, retire: retireVersionAction, remove: deleteVersionAction, copy: copyVersionAction };

/** Every cell's name, for the overlay download (listCells pages; a site has a handful of cells). */
async function cellNames(actor: Actor): Promise<string[]> {
  const first = await listCells(actor);
  const pages = Math.max(1, Math.ceil(first.total / first.pageSize));
  const rest = await Promise.all(Array.from({ length: pages - 1 }, (_, i) => listCells(actor, { page: i + 2 })));
  return [first, ...rest].flatMap((p) => p.items.map((c) => c.name));
}

const fmt = (d: Date | null) => (d ? `${d.toISOString().slice(0, 16).replace("T", " ")} UTC` : "—");

export default async function VersionPage({ params }: { params: Params }) {
  const actor = await requireActor();
  const p = await params;
  const name = decodeURIComponent(p.name);
  const [release, cells] = await Promise.all([orNotFound(getRelease(actor, name), notFound), cellNames(actor)]);
  const v = release.versions.find((x) => x.version === decodeURIComponent(p.version));
  if (!v) notFound();
  const rollouts = await rolloutsOfVersion(actor, { release: release.name, version: v.version });
  const canEdit = hasRole(actor.role, "operator");
  const ref = `${release.name}@${v.version}`;
  const releaseHref = `/releases/${encodeURIComponent(release.name)}`;
  const imagesDir = release.imagesDir ?? `${release.tree}/boot`;
  const labels = release.versions.map((x) => x.version);
  const rows: [string, string][] = [
    ["Status", v.isLatest ? `${v.status} (latest)` : v.status],
    ["Kernel", `${v.kernel} (in ${imagesDir})`],
    ["Base initrd", v.baseInitrd],
    ["Modules", v.modules.join(", ") || "—"],
    ["Read-only directories", v.readonly.join(", ")],
    ["Writable directories", v.writable.join(", ") || "—"],
    ["tmpfs size", v.tmpfsSize],
    ["Signed kernel", v.signedKernel ? "yes: Secure Boot hosts may boot it" : "no: Secure Boot hosts may not boot it"],
    ["Signed modules", v.signedModules ? "yes: also for Secure Boot hosts on OpenAFS cells" : "no: not for Secure Boot hosts on OpenAFS cells"],
    ["Notes", v.notes || "—"],
    ["Hosts", `${v.assignedHosts} assigned, ${v.pinnedHosts} pinned, ${v.runningHosts} running it (last boot)`],
    ["Activated", fmt(v.activatedAt)],
    ...(v.retiredAt ? [["Retired", fmt(v.retiredAt)] as [string, string]] : []),
  ];
  return (
    <div className="space-y-6">
      <SavedToast message={`Saved version ${ref}`} />
      <PageHeader
        title={`Version ${ref}`}
        description={<VersionStatusBadge status={v.status} isLatest={v.isLatest} />}
        breadcrumbs={[{ label: "Releases", href: "/releases" }, { label: release.name, href: releaseHref }, { label: v.version }]}
        actions={
          canEdit && (
            <>
              {/* only an active version can be rolled out: drafts and retired versions are refused */}
              {v.status === "active" && (
                <Button asChild>
                  <Link href={`/rollouts/new?version=${encodeURIComponent(ref)}`}>
                    <Rocket aria-hidden="true" />
                    Roll out this version…
                  </Link>
                </Button>
              )}
              <VersionActions
                actions={versionActions}
                releaseName={release.name}
                version={v}
                suggested={suggestNextLabel(labels, labels[labels.length - 1])}
                showEdit={false}
                afterDelete={releaseHref}
                size="default"
              />
            </>
          )
        }
      />
      {v.status !== "draft" && (
        <div role="note" className="flex items-start gap-2 rounded-md border border-slate-200 bg-slate-50 px-4 py-3 text-sm text-slate-700">
          <Lock className="mt-0.5 size-4 shrink-0 text-slate-500" aria-hidden />
          <p>
            {v.status === "active"
              ? `Version ${ref} is active and immutable: hosts boot exactly what was activated. To change anything, make a new version from this one, edit the draft and activate it.`
              : `Version ${ref} is retired and immutable: it is no longer offered to hosts. To boot something like it again, make a new version from this one.`}
          </p>
        </div>
      )}
      {canEdit && v.status === "draft" ? (
        <Card>
          <CardHeader>
            <CardTitle>Draft settings</CardTitle>
          </CardHeader>
          <CardContent>
            <VersionForm
              key={v.revision}
              action={updateVersionAction}
              releaseName={release.name}
              tree={release.tree}
              imagesDir={imagesDir}
              version={v}
              submitLabel="Save changes"
            />
          </CardContent>
        </Card>
      ) : (
        <DetailList rows={rows} />
      )}
      <RolloutsOfVersion refText={ref} rollouts={rollouts} active={v.status === "active"} />
      <OverlayDownload release={release.name} version={v.version} tree={release.tree} cells={cells} />
    </div>
  );
}

/** How often this version was rolled out, by state, with a link to those rollouts. */
function RolloutsOfVersion({ refText, rollouts, active }: { refText: string; rollouts: Awaited<ReturnType<typeof rolloutsOfVersion>>; active: boolean }) {
  const states = ROLLOUT_STATES.filter((s) => rollouts.byState[s]).map((s) => `${rollouts.byState[s]} ${ROLLOUT_STATE_LABELS[s]}`);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Rollouts</CardTitle>
      </CardHeader>
      <CardContent className="text-sm text-slate-700" data-testid="version-rollouts">
        {rollouts.total === 0 ? (
          <p>
            {active ? "Not rolled out yet. Roll out this version… previews which hosts move, in which waves, before anything starts." : "Never rolled out."}
          </p>
        ) : (
          <p>
            {plural(rollouts.total, "rollout")} to {refText}: {states.join(", ")}.{" "}
            <Link className="font-medium text-blue-700 underline" href={`/rollouts?version=${encodeURIComponent(refText)}`}>
              Show them
            </Link>
          </p>
        )}
      </CardContent>
    </Card>
  );
}
