import type { Metadata } from "next";
import { ChangePasswordForm } from "@/components/settings/password-forms";
import { SettingsTabs } from "@/components/settings/settings-tabs";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { hasRole } from "@/lib/auth/roles";
import { requireActor } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { changePasswordAction } from "../actions";

export const metadata: Metadata = { title: "Your account" };

export default async function AccountPage() {
  const actor = await requireActor();
  const admin = hasRole(actor.role, "admin");
  return (
    <div className="space-y-6">
      <PageHeader title="Users & settings" description={admin ? "Users, API tokens and your own account." : "Users and API tokens are managed by admins."} />
      <SettingsTabs active="/settings/account" admin={admin} />
      <Card>
        <CardHeader>
          <CardTitle>Your account</CardTitle>
          <CardDescription>
            Signed in as {actor.name} with the {actor.role} role. Sessions last {env().AFSBOOT_SESSION_HOURS} hours.
          </CardDescription>
        </CardHeader>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Change password</CardTitle>
          <CardDescription>Your other sessions are signed out; this one stays. Forgotten it? An admin can set a new one.</CardDescription>
        </CardHeader>
        <CardContent>
          <ChangePasswordForm action={changePasswordAction} />
        </CardContent>
      </Card>
    </div>
  );
}
