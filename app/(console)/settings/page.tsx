import { redirect } from "next/navigation";
import { hasRole } from "@/lib/auth/roles";
import { requireActor } from "@/lib/auth/session";
import { env } from "@/lib/env";
import type { Metadata } from "next";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";

export const metadata: Metadata = { title: "Settings" };

export default async function SettingsPage() {
  const actor = await requireActor();
  if (hasRole(actor.role, "admin")) redirect("/settings/users");
  const e = env();
  return (
    <div className="space-y-6">
      <PageHeader title="Settings" description="Users and API tokens are managed by admins." />
      <Card>
        <CardHeader>
          <CardTitle>Your account</CardTitle>
          <CardDescription>
            Signed in as {actor.name} with the {actor.role} role. Sessions last {e.AFSBOOT_SESSION_HOURS} hours.
          </CardDescription>
        </CardHeader>
        <CardContent />
      </Card>
    </div>
  );
}
