import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Layers, Plus } from "lucide-react";
import { ReleaseForm } from "@/components/releases/release-form";
import { VersionsTable } from "@/components/releases/versions-table";
import { SettingsOrDetails } from "@/components/shell/detail-list";
import { SavedToast } from "@/components/shell/saved-toast";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ConfirmDelete } from "@/components/ui/confirm-delete";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { hasRole } from "@/lib/auth/roles";
import { requireActor } from "@/lib/auth/session";
import { getRelease } from "@/lib/data/releases";
import { orNotFound } from "@/lib/errors";
import { activateVersionAction, copyVersionAction, deleteReleaseAction, deleteVersionAction, retireVersionAction, updateReleaseAction } from "../actions";

type Params = Promise<{ name: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return { title: `Release ${decodeURIComponent((await params).name)}` };
}

const versionActions = { activate: activateVersionAction, retire: retireVersionAction, remove: deleteVersionAction, copy: copyVersionAction };

export default async function ReleasePage({ params }: { params: Params }) {
  const actor = await requireActor();
  const name = decodeURIComponent((await params).name);
  const release = await orNotFound(getRelease(actor, name), notFound);
  const canEdit = hasRole(actor.role, "operator");
  const latest = release.versions.find((v) => v.isLatest);
  const rows: [string, string][] = [
    ["Tree", release.tree],
    ["Images directory", release.imagesDir ?? `${release.tree}/boot (default)`],
    ["Latest active", latest?.version ?? "none"],
    ["Hosts", `${release.hostCount} (${release.floatingHosts} following the latest version)`],
  ];
  const newVersionHref = `/releases/${encodeURIComponent(release.name)}/versions/new`;
  const newVersion = canEdit && (
    <Button asChild variant={release.versions.length === 0 ? "default" : "outline"}>
      <Link href={newVersionHref}>
        <Plus className="mr-1.5 h-4 w-4" aria-hidden />
        New version
      </Link>
    </Button>
  );
  return (
    <div className="space-y-6">
      <SavedToast message={`Saved release ${release.name}`} />
      <PageHeader
        title={`Release ${release.name}`}
        description={release.notes || undefined}
        breadcrumbs={[{ label: "Releases", href: "/releases" }, { label: release.name }]}
        actions={
          canEdit && (
            <>
              {newVersion}
              <ConfirmDelete
                action={deleteReleaseAction}
                what={`release ${release.name}`}
                triggerLabel="Delete release"
                hidden={{ current: release.name }}
                redirectTo="/releases"
                description={
                  release.hostCount > 0
                    ? `${release.hostCount} host(s) still use this release: the console will refuse until they are assigned another.`
                    : `This removes the release and its ${release.versions.length} version(s) from the console; the tree in AFS is not touched. It cannot be undone.`
                }
              />
            </>
          )
        }
      />
      <Card>
        <CardHeader>
          <CardTitle>Versions</CardTitle>
          <CardDescription>
            Drafts can be edited; activating one makes it the version hosts following the release boot. Active versions are immutable: a new build is a new
            version.
          </CardDescription>
        </CardHeader>
        <CardContent>
          {release.versions.length === 0 ? (
            <EmptyState icon={Layers} title="No versions yet">
              {canEdit
                ? "Add one with New version: the kernel and base initrd in the images directory, the modules to load and the directories to bind-mount. Then activate it."
                : "An operator has not added a version of this tree yet."}
            </EmptyState>
          ) : (
            <VersionsTable release={release} actions={canEdit ? versionActions : undefined} />
          )}
        </CardContent>
      </Card>
      <SettingsOrDetails editable={canEdit} rows={rows}>
        <ReleaseForm key={release.revision} action={updateReleaseAction} release={release} submitLabel="Save changes" />
      </SettingsOrDetails>
    </div>
  );
}
