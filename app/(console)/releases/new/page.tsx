import type { Metadata } from "next";
import { ReleaseForm } from "@/components/releases/release-form";
import { Card, CardContent } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { requireActor } from "@/lib/auth/session";
import { createReleaseAction } from "../actions";

export const metadata: Metadata = { title: "New release" };

export default async function NewReleasePage() {
  await requireActor("operator");
  return (
    <div className="space-y-6">
      <PageHeader
        title="New release"
        description="A distribution tree in AFS. Its versions (kernel, base initrd, directories) are added next."
        breadcrumbs={[{ label: "Releases", href: "/releases" }, { label: "New" }]}
      />
      <Card>
        <CardContent className="pt-6">
          <ReleaseForm action={createReleaseAction} submitLabel="Create release" />
        </CardContent>
      </Card>
    </div>
  );
}
