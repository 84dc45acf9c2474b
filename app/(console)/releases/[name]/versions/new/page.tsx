import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { suggestNextLabel } from "@/components/releases/version-status";
import { VersionForm } from "@/components/releases/version-form";
import { Card, CardContent } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { requireActor } from "@/lib/auth/session";
import { getRelease } from "@/lib/data/releases";
import { orNotFound } from "@/lib/errors";
import { createVersionAction } from "../../../actions";

type Params = Promise<{ name: string }>;

export const metadata: Metadata = { title: "New version" };

/** The usual layout of a diskless root: system directories from AFS, the rest built in tmpfs. */
const LAYOUT = { readonly: ["bin", "lib", "sbin", "usr", "opt", "var/lib/rpm"], writable: ["etc", "dev", "var"], tmpfsSize: "256M" };

export default async function NewVersionPage({ params }: { params: Params }) {
  const actor = await requireActor("operator");
  const name = decodeURIComponent((await params).name);
  const release = await orNotFound(getRelease(actor, name), notFound);
  const labels = release.versions.map((v) => v.version);
  const releaseHref = `/releases/${encodeURIComponent(release.name)}`;
  return (
    <div className="space-y-6">
      <PageHeader
        title={`New version of ${release.name}`}
        description="Saved as a draft: edit it until it is right, then activate it. To start from an existing version, use “New version from this one” on it instead."
        breadcrumbs={[{ label: "Releases", href: "/releases" }, { label: release.name, href: releaseHref }, { label: "New version" }]}
      />
      <Card>
        <CardContent className="pt-6">
          <VersionForm
            action={createVersionAction}
            releaseName={release.name}
            tree={release.tree}
            imagesDir={release.imagesDir ?? `${release.tree}/boot`}
            defaults={{ ...LAYOUT, version: suggestNextLabel(labels, labels[labels.length - 1]) }}
            submitLabel="Create draft"
          />
        </CardContent>
      </Card>
    </div>
  );
}
